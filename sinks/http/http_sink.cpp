// The http sink: one POST per chunk to `url`, the body the chunk's ATON text,
// with the guide's X-Chunk-Id / X-Total-Chunks / X-Is-Last headers plus
// X-Aton-Table, over one reused connection. Failures that may pass are
// retried by the SDK's engine (aton/retry.hpp) within a bounded count and
// time per chunk; waits poll the host's cancellation so a failing run stops
// promptly.
//
// Secrets: header values (tokens, already ${NAME}-substituted by the host)
// go to libcurl and nowhere else. Messages name the chunk, the URL without
// its user, password and query, the status and the start of the response
// body, with any header value that the server echoes back blanked out.
//
// Requests in flight: `concurrency` workers, each with its own connection,
// take chunks in order; write() hands the chunk over and returns once
// fewer than `concurrency` chunks are unanswered (with 1: once it is). Every request asks the
// one Pacer (pacer.hpp) for its turn: requests_per_minute,
// tokens_per_minute, and a 429's Retry-After or x-ratelimit-reset-* hold
// back the whole sink. Answers are recorded in chunk order (responses,
// responses_file.hpp) on the host's thread, whatever order they came in.
//
// Resumable runs: the state is the next chunk id, every chunk handed over
// but not yet answered (its text and metadata: no header, so no secret),
// and the responses file's. A resume sends those chunks again, except the
// ones whose answer the responses file already holds (lines a killed run
// wrote after its checkpoint count too), and skips the host's chunks that
// are recorded. Without responses, delivery is at-least-once: a chunk sent
// when the run was killed is sent again with the same X-Chunk-Id, so a
// receiver drops the ids it already has.
#include "gzip.hpp"
#include "http_poster.hpp"
#include "pacer.hpp"
#include "responses_file.hpp"

#include <aton/chunk_job.hpp>
#include <aton/plugin.hpp>
#include <aton/request_template.hpp>
#include <aton/retry.hpp>
#include <aton/scrub.hpp>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <strings.h>

namespace aton::sinks {
namespace {

using sdk::ChunkJob;

using aton::sdk::Millis;
using aton::sdk::SteadyClock;
using aton::sdk::RequestTemplate;
using aton::sdk::Verdict;

// Headers the sink sets per chunk; a config may not set them.
constexpr std::array<const char*, 6> kReservedHeaders = {
    "X-Chunk-Id", "X-Total-Chunks", "X-Is-Last", "X-Chunk-Tokens", "X-Aton-Table", "Content-Encoding"};

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Printable, one line, cut at a UTF-8 boundary.
std::string printable_start(const std::string& body, std::size_t limit = 200) {
  std::size_t n = std::min(body.size(), limit);
  while (n < body.size() && n > 0 && (static_cast<unsigned char>(body[n]) & 0xC0) == 0x80) --n;
  std::string out = body.substr(0, n);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  if (n < body.size()) out += "...";
  return out;
}

// true for gzip.
bool parse_compress(const std::string& value) {
  if (value != "none" && value != "gzip")
    throw std::runtime_error("unknown compress \"" + value + "\"; use none or gzip");
  return value == "gzip";
}

// What is wrong with `url`, or nothing. A scheme is a scheme in any case
// (RFC 3986: HTTP://h/x is http); libcurl reads it so too.
std::optional<std::string> url_problem(const std::string& url) {
  std::size_t colon = url.find("://");
  if (colon == std::string::npos || colon == 0)
    return std::string("has no scheme: it must start with http:// or https://");
  std::string scheme = url.substr(0, colon);
  if (strcasecmp(scheme.c_str(), "http") != 0 && strcasecmp(scheme.c_str(), "https") != 0)
    return "has the scheme \"" + printable_start(scheme, 20) + "\": it must be http or https";
  CURLU* parsed = curl_url();
  if (!parsed) return std::nullopt;  // out of memory: the run will say so
  CURLUcode rc = curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0);
  curl_url_cleanup(parsed);
  if (rc != CURLUE_OK) return std::string("is not a valid URL: ") + curl_url_strerror(rc);
  return std::nullopt;
}

// What a worker got for a chunk.
struct Answer {
  long status = 0;
  std::string body;
};

// The most of one answer kept for the responses file.
constexpr std::size_t kMaxAnswerBytes = 64u << 20;

class HttpSink : public aton::sdk::Sink {
 public:
  // The url, the headers, the templates and the responses options, without
  // connecting (ABI 1.3; create() calls it first). Messages never quote the url (it may hold a secret): the
  // pointer says which key.
  static void check(const aton::sdk::Config& config, aton::sdk::Problems& problems) {
    using aton::sdk::Problems;
    if (auto why = url_problem(config.string("url"))) problems.add(Problems::key("url"), "the url " + *why);
    for (const auto& [name, value] : config.string_map("headers"))
      if (auto why = header_problem(name, value)) problems.add(Problems::key("headers", name), *why);
    check_templates(config, problems);
    if (std::string pointer = config.string("response_pointer"); !pointer.empty()) {
      if (!rapidjson::Pointer(pointer.c_str()).IsValid())
        problems.add(Problems::key("response_pointer"),
                     "\"" + printable_start(pointer, 80) + "\" is not a JSON pointer (RFC 6901), e.g. /choices/0/message/content");
      if (!config.has("responses"))
        problems.add(Problems::key("response_pointer"), "response_pointer needs responses (the file the answers go to)");
    }
    if (std::string path = config.string("responses"); !path.empty()) {
      std::error_code ec;
      if (std::filesystem::is_directory(path, ec))
        problems.add(Problems::key("responses"), path + " is a folder; give the path of the file to write");
    }
  }

  explicit HttpSink(const aton::sdk::Context& context)
      : host_(context.host),
        url_(context.config.string("url")),
        shown_url_(redact_url(url_)),
        timeout_(context.config.integer("timeout_ms", 30'000)),
        connect_timeout_(context.config.integer("connect_timeout_ms", 10'000)),
        compress_(parse_compress(context.config.string("compress", "none"))),
        compress_min_bytes_(static_cast<std::size_t>(
            std::max<std::int64_t>(0, context.config.integer("compress_min_bytes", 1024)))),
        concurrency_(static_cast<std::size_t>(std::clamp<std::int64_t>(context.config.integer("concurrency", 1), 1, 256))),
        pacer_(context.config.number("requests_per_minute", 0), context.config.number("tokens_per_minute", 0)),
        pointer_(context.config.string("response_pointer")) {
    retrier_.policy = aton::sdk::RetryPolicy::from(context.config);
    retrier_.cancelled = [this] { return stopping(); };
    retrier_.warn = [this](const std::string& message) { log(ATON_LOG_WARNING, message); };
    retrier_.scrub = [this](std::string text) { return scrub(std::move(text)); };

    aton::sdk::Problems unused;  // check() refused any problem before the constructor runs
    if (const auto* body = context.config.get("body"); body && !body->IsNull())
      body_ = RequestTemplate::compile(*body, unused, "/body");
    bool user_content_type = false;
    for (const auto& [name, value] : context.config.string_map("headers")) {
      if (strcasecmp(name.c_str(), "Content-Type") == 0) user_content_type = true;
      remember_secret(value);
      auto value_template = RequestTemplate::compile_text(value, unused, "");
      if (value_template && !value_template->constant())
        templated_headers_.push_back({name, std::move(*value_template)});
      else
        fixed_headers_.push_back(name + ": " + value);
    }
    // A template makes JSON; content_type is for the raw chunk text.
    if (!user_content_type)
      fixed_headers_.push_back("Content-Type: " + (body_ ? std::string("application/json")
                                                         : context.config.string("content_type", "text/x-aton; charset=utf-8")));
    fixed_headers_.push_back("Expect:");  // no 100-continue round trip for large bodies
    if (std::string path = context.config.string("responses"); !path.empty())
      responses_.emplace(path, pointer_);
  }

  ~HttpSink() override { stop_workers(); }

  void write(const aton_chunk& chunk) override {
    if (chunk.chunk_id != next_chunk_id_)
      throw std::runtime_error("chunk " + std::to_string(chunk.chunk_id) + " arrived where chunk " +
                               std::to_string(next_chunk_id_) + " was due");
    next_chunk_id_ = chunk.chunk_id + 1;
    start();
    // Answered before a kill, after the checkpoint the host resumed from.
    if (responses_ && chunk.chunk_id < responses_->lines()) return;
    std::unique_lock lock(mutex_);
    auto [it, added] = pending_.emplace(chunk.chunk_id, ChunkJob::of(chunk));
    queue_.push_back(&it->second);
    work_.notify_one();
    // Returns with at most concurrency - 1 chunks unanswered, so with
    // concurrency 1 a chunk is delivered (or has failed) when write()
    // returns, and the checkpoint after it holds no pending chunk.
    wait(lock, [&] { return pending_.size() < concurrency_; });
  }

  void finish() override {
    start();
    std::unique_lock lock(mutex_);
    wait(lock, [&] { return pending_.empty(); });
    lock.unlock();
    stop_workers();
    if (responses_) responses_->commit(false);
  }

  void abort() noexcept override {
    stop_workers();
    if (responses_) responses_->discard();
  }

  void suspend() noexcept {
    stop_workers();
    if (!responses_) return;
    try {
      std::unique_lock lock(mutex_);
      record_answers(lock);  // answers already in need not be asked again
    } catch (...) {
      // the file keeps what it has; resume sends the rest again
    }
    responses_->keep();
  }

  std::string save_state() {
    std::unique_lock lock(mutex_);
    record_answers(lock);
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    w.StartObject();
    w.Key("next_chunk_id");
    w.Uint64(next_chunk_id_);
    w.Key("pending");
    w.StartArray();
    for (const auto& [id, job] : pending_) job.save(w);
    w.EndArray();
    if (responses_) {
      w.Key("responses");
      w.StartObject();
      responses_->save(w);
      w.EndObject();
    }
    w.EndObject();
    return {out.GetString(), out.GetSize()};
  }

  void restore_state(std::string_view text) {
    rapidjson::Document state;
    state.Parse(text.data(), text.size());
    auto next = state.IsObject() ? state.FindMember("next_chunk_id") : state.MemberEnd();
    if (state.HasParseError() || !state.IsObject() || next == state.MemberEnd() || !next->value.IsUint64())
      throw std::runtime_error("the saved state has no next_chunk_id");
    next_chunk_id_ = next->value.GetUint64();
    if (responses_) {
      auto saved = state.FindMember("responses");
      if (saved == state.MemberEnd() || !saved->value.IsObject())
        throw std::runtime_error("the saved state has no responses file (was responses added since?); run again "
                                 "without --resume");
      responses_->resume(saved->value);
    }
    auto pending = state.FindMember("pending");
    if (pending != state.MemberEnd() && pending->value.IsArray())
      for (const auto& item : pending->value.GetArray()) {
        ChunkJob job = ChunkJob::load(item);
        // Answered after the checkpoint, or the run had finished its file.
        if (responses_ && (job.chunk_id < responses_->lines() || responses_->complete())) continue;
        std::uint64_t id = job.chunk_id;
        pending_.emplace(id, std::move(job));
      }
    for (auto& [id, job] : pending_) queue_.push_back(&job);
  }

 private:
  // Starts the workers, once (the first write or finish: not in
  // restore_state, which may still be refused).
  void start() {
    if (!workers_.empty()) return;
    for (std::size_t i = 0; i < concurrency_; ++i) workers_.emplace_back([this] { work(); });
  }

  void stop_workers() noexcept {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
      stop_flag_ = true;
    }
    work_.notify_all();
    for (auto& t : workers_)
      if (t.joinable()) t.join();
  }

  bool stopping() const { return stop_flag_.load() || cancelled(); }

  // Waits (host thread) until `ready`, recording answers as they come;
  // throws the first worker's failure.
  template <class Ready>
  void wait(std::unique_lock<std::mutex>& lock, Ready ready) {
    for (;;) {
      record_answers(lock);
      if (failure_) throw std::runtime_error(*failure_);
      if (ready()) return;
      if (cancelled()) throw std::runtime_error("the run is stopping");
      done_.wait_for(lock, Millis(100));
    }
  }

  // Writes the answers that are next in chunk order (host thread, lock held).
  void record_answers(std::unique_lock<std::mutex>&) {
    while (!pending_.empty()) {
      auto answer = answers_.find(pending_.begin()->first);
      if (answer == answers_.end()) return;
      if (responses_) responses_->record(answer->first, answer->second.status, scrub(answer->second.body));
      answers_.erase(answer);
      pending_.erase(pending_.begin());
    }
  }

  // A worker: its own connection; takes chunks in order until stopped.
  void work() {
    HttpPoster poster(url_, [this] { return stopping(); }, responses_ ? kMaxAnswerBytes : 512);
    std::mt19937_64 random(std::random_device{}());
    for (;;) {
      const ChunkJob* job = nullptr;
      {
        std::unique_lock lock(mutex_);
        work_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        job = queue_.front();
        queue_.pop_front();
      }
      try {
        Answer answer = deliver(*job, poster, random);
        std::lock_guard lock(mutex_);
        answers_.emplace(job->chunk_id, std::move(answer));
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex_);
        if (!failure_) failure_ = e.what();
        stop_flag_ = true;  // the others give up too: the run fails
      }
      done_.notify_all();
    }
  }

  std::vector<std::string> headers_for(const aton::sdk::ChunkFields& fields, bool gzipped) const {
    std::vector<std::string> headers = fixed_headers_;
    for (const auto& [name, value] : templated_headers_) {
      std::string line = name + ": ";
      value.render(fields, line);
      // A table name with a line break must not split the header.
      std::replace_if(line.begin(), line.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
      headers.push_back(std::move(line));
    }
    headers.push_back("X-Chunk-Id: " + std::to_string(fields.chunk_id));
    // An unknown total is left out rather than sent as a word a receiver
    // expecting a number would choke on; the last chunk always knows it.
    if (fields.total_chunks >= 0) headers.push_back("X-Total-Chunks: " + std::to_string(fields.total_chunks));
    headers.push_back(std::string("X-Is-Last: ") + (fields.is_last ? "true" : "false"));
    if (fields.tokens >= 0) headers.push_back("X-Chunk-Tokens: " + std::to_string(fields.tokens));
    headers.push_back("X-Aton-Table: " + std::string(fields.table));
    if (gzipped) headers.push_back("Content-Encoding: gzip");
    return headers;
  }

  // Sends one chunk with retries (a worker's thread); its answer.
  Answer deliver(const ChunkJob& job, HttpPoster& poster, std::mt19937_64& random) {
    auto fields = job.fields();
    std::string rendered, compressed;
    std::string_view body = job.data;
    if (body_) {
      body_->render(fields, rendered);
      body = rendered;
    }
    bool gzipped = compress_ && body.size() >= compress_min_bytes_;
    if (gzipped) {
      gzip_compress(body, compressed);
      body = compressed;
    }
    std::vector<std::string> headers = headers_for(fields, gzipped);
    // Unknown tokens are guessed from the text: about 4 bytes a token.
    std::int64_t tokens = job.tokens >= 0 ? job.tokens : static_cast<std::int64_t>(body.size() / 4);
    Answer answer;
    std::string subject = "chunk " + std::to_string(job.chunk_id);
    // The first turn is waited for before the retry clock starts: waiting
    // for it is pacing, not failing. Later ones (after a 429, say) count.
    if (!pacer_.wait_turn(tokens, [this] { return stopping(); }))
      throw std::runtime_error(subject + " was not sent: the run is stopping");
    int attempts = 0;
    retrier_.run(subject, shown_url_, random, [&](SteadyClock::time_point deadline) {
      aton::sdk::AttemptOutcome attempt;
      if (attempts++ > 0 && !pacer_.wait_turn(tokens, [&] { return stopping() || SteadyClock::now() >= deadline; })) {
        attempt.cancelled = stopping();
        attempt.verdict = Verdict::retry;
        attempt.what = "no turn under the rate limits in time";
        return attempt;
      }
      auto left = std::chrono::duration_cast<Millis>(deadline - SteadyClock::now());
      PostOutcome outcome = poster.post(body, headers, std::max(Millis(1), std::min(timeout_, left)), connect_timeout_);
      attempt.cancelled = outcome.transport == Transport::cancelled;
      attempt.verdict = outcome.transport == Transport::ok ? aton::sdk::classify_status(outcome.status)
                        : outcome.transport == Transport::retryable_failure ? Verdict::retry
                                                                             : Verdict::give_up;
      if (attempt.verdict == Verdict::delivered && outcome.body_cut) {
        attempt.verdict = Verdict::give_up;
        attempt.what = "HTTP " + std::to_string(outcome.status) + " with an answer over " +
                       std::to_string(kMaxAnswerBytes >> 20) + " MiB";
        attempt.why_given_up = " (too large to record in responses)";
        return attempt;
      }
      if (attempt.verdict == Verdict::delivered) {
        answer.status = outcome.status;
        answer.body = std::move(outcome.body);
        return attempt;
      }
      attempt.what = describe(outcome);
      // A server's own wait: Retry-After, else when its rate window reopens.
      attempt.retry_after = outcome.retry_after;
      if (!attempt.retry_after && (outcome.reset_requests || outcome.reset_tokens))
        attempt.retry_after = std::max(outcome.reset_requests.value_or(Millis(0)), outcome.reset_tokens.value_or(Millis(0)));
      // A 429 is about the sink's pace, not this request: all workers wait.
      if (outcome.transport == Transport::ok && outcome.status == 429 && attempt.retry_after)
        pacer_.pause_for(*attempt.retry_after);
      if (attempt.verdict == Verdict::give_up) attempt.why_given_up = why_given_up(outcome);
      return attempt;
    });
    return answer;
  }

  // Why an answer ends the run at once. A redirect is not followed: the
  // sink posts its chunks to its url only, never on a server's word to
  // another address (which might not be meant to receive them).
  static std::string why_given_up(const PostOutcome& outcome) {
    if (outcome.transport != Transport::ok) return " (not retried: this error does not pass by itself)";
    if (outcome.status >= 300 && outcome.status < 400)
      return std::string(" (a redirect ") +
             (outcome.location.empty() ? std::string("whose answer has no Location header")
                                       : "to " + redact_url(outcome.location)) +
             "; not followed: the http sink posts only to its url. If the data belongs at the new address, "
             "set url to it)";
    if (outcome.status >= 400 && outcome.status < 500)
      return " (not retried: a 4xx other than 408 and 429 means the server rejected the request itself)";
    return " (not retried: neither a success, a redirect nor a server error)";
  }

  static std::string describe(const PostOutcome& outcome) {
    if (outcome.transport != Transport::ok) return outcome.transport_error;
    std::string text = "HTTP " + std::to_string(outcome.status);
    if (!outcome.body.empty()) text += "; response body starts: \"" + printable_start(outcome.body) + "\"";
    return text;
  }

  // A value, and each long word in it ("Bearer <token>": the token), is
  // blanked out wherever it shows up in a message.
  void remember_secret(const std::string& value) {
    if (value.size() >= 4) secrets_.push_back(value);
    std::size_t start = 0;
    while (start < value.size()) {
      std::size_t end = value.find_first_of(" \t,;", start);
      if (end == std::string::npos) end = value.size();
      if (end - start >= 8 && end - start < value.size()) secrets_.push_back(value.substr(start, end - start));
      start = end + 1;
    }
  }

  // Blanks out any configured header value that found its way into text
  // (a server that echoes the request back, say).
  std::string scrub(std::string text) const { return sdk::scrub(std::move(text), secrets_); }

  // The body template and the header values that hold placeholders.
  static void check_templates(const aton::sdk::Config& config, aton::sdk::Problems& problems) {
    using aton::sdk::Problems;
    if (const auto* body = config.get("body"); body && !body->IsNull())
      RequestTemplate::compile(*body, problems, Problems::key("body"));
    for (const auto& [name, value] : config.string_map("headers")) {
      auto value_template = RequestTemplate::compile_text(value, problems, Problems::key("headers", name));
      if (value_template && value_template->uses(RequestTemplate::Field::chunk))
        problems.add(Problems::key("headers", name),
                     "{{chunk}} cannot go in a header (the chunk text spans lines); put it in body");
    }
  }

  // Header names are printed (printable, cut), values never.
  static std::optional<std::string> header_problem(const std::string& name, const std::string& value) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char))
      return "header name \"" + printable_start(name, 60) + "\" is not a valid HTTP header name";
    for (const char* reserved : kReservedHeaders)
      if (strcasecmp(name.c_str(), reserved) == 0)
        return "header \"" + name + "\" is set by the http sink for each chunk; remove it from headers";
    if (value.find_first_of("\r\n", 0) != std::string::npos || value.find('\0') != std::string::npos)
      return "the value of header \"" + name + "\" contains a line break; header values must be one line";
    return std::nullopt;
  }

  bool cancelled() const { return host_ && host_->is_cancelled && host_->is_cancelled(host_->host); }
  void log(aton_log_level level, const std::string& message) const {
    if (host_ && host_->log) host_->log(host_->host, level, message.c_str());
  }

  const aton_host_api* host_;
  std::string url_;
  std::string shown_url_;
  Millis timeout_;
  Millis connect_timeout_;
  bool compress_;
  std::size_t compress_min_bytes_;
  aton::sdk::Retrier retrier_;
  std::optional<RequestTemplate> body_;
  struct TemplatedHeader {
    std::string name;
    RequestTemplate value;
  };
  std::vector<TemplatedHeader> templated_headers_;
  std::vector<std::string> fixed_headers_;
  std::vector<std::string> secrets_;
  std::size_t concurrency_;
  Pacer pacer_;
  std::string pointer_;
  std::optional<ResponsesFile> responses_;
  std::uint64_t next_chunk_id_ = 0;

  // Shared with the workers, under mutex_.
  std::mutex mutex_;
  std::condition_variable work_;  // a chunk to send, or stop
  std::condition_variable done_;  // an answer or a failure
  std::map<std::uint64_t, ChunkJob> pending_;   // handed over, answer not yet recorded
  std::deque<const ChunkJob*> queue_;           // not yet taken by a worker, in chunk order
  std::map<std::uint64_t, Answer> answers_;  // answered, waiting for their turn to be recorded
  std::optional<std::string> failure_;
  bool stop_ = false;
  std::atomic<bool> stop_flag_{false};     // a worker failed: the others give up
  std::vector<std::thread> workers_;
};

const aton_option kOptions[] = {
    {"url", "string", nullptr, 1, "Where each chunk is POSTed (http:// or https://).", nullptr},
    {"body", "object", nullptr, 0,
     "A JSON request template: {{chunk}}, {{chunk_id}}, {{total_chunks}}, {{table}}, {{records}}, {{tokens}}, "
     "{{is_first}} and {{is_last}} are replaced per chunk; sent as application/json. Without it the body is the "
     "chunk's ATON text.",
     nullptr},
    {"headers", "object", "{}", 0,
     "Extra request headers; use ${NAME} for tokens from the environment (never logged) and the body's "
     "placeholders except {{chunk}}.",
     "{\"additionalProperties\":{\"type\":\"string\"}}"},
    {"timeout_ms", "integer", "30000", 0, "Time limit of one request, connection included.",
     "{\"minimum\":1}"},
    {"connect_timeout_ms", "integer", "10000", 0, "Time limit for opening the connection.",
     "{\"minimum\":1}"},
    ATON_RETRY_OPTIONS,
    {"concurrency", "integer", "1", 0,
     "Requests in flight at once, each on its own connection; answers are still recorded in chunk order.",
     "{\"minimum\":1,\"maximum\":256}"},
    {"requests_per_minute", "number", "0", 0, "At most this many requests a minute (retries count); 0: no limit.",
     "{\"minimum\":0}"},
    {"tokens_per_minute", "number", "0", 0,
     "At most this many chunk tokens a minute (the chunk's token count, else its bytes / 4); 0: no limit.",
     "{\"minimum\":0}"},
    {"responses", "path", nullptr, 0,
     "A JSON Lines file for the answers: {\"chunk_id\", \"status\", \"body\"} per chunk, in chunk order, renamed "
     "into place at the end.",
     nullptr},
    {"response_pointer", "string", nullptr, 0,
     "Records only this part of each JSON answer, e.g. /choices/0/message/content.", nullptr},
    {"compress", "string", "\"none\"", 0, "gzip: compress bodies (Content-Encoding: gzip).",
     "{\"enum\":[\"none\",\"gzip\"]}"},
    {"compress_min_bytes", "integer", "1024", 0, "With compress gzip, chunks smaller than this are sent as is.",
     "{\"minimum\":0}"},
    {"content_type", "string", "\"text/x-aton; charset=utf-8\"", 0, "The Content-Type of each body.",
     nullptr},
};

}  // namespace
}  // namespace aton::sinks

ATON_SINK_PLUGIN(aton::sinks::HttpSink, "http", "1.1.0",
                 "POSTs each chunk to a URL, with retries, backoff and optional gzip.",
                 aton::sinks::kOptions)
