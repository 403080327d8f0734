// The http sink: one POST per chunk to `url`, the body the chunk's ATON text,
// with the guide's X-Chunk-Id / X-Total-Chunks / X-Is-Last headers plus
// X-Aton-Table, over one reused connection. Failures that may pass are
// retried (retry_policy.hpp) within a bounded count and time per chunk;
// waits poll the host's cancellation so a failing run stops promptly.
//
// Secrets: header values (tokens, already ${NAME}-substituted by the host)
// go to libcurl and nowhere else. Messages name the chunk, the URL without
// its user, password and query, the status and the start of the response
// body, with any header value that the server echoes back blanked out.
//
// Resumable runs: the state is the next chunk id to send. Delivery is
// at-least-once: a chunk sent (or half sent) when the run was killed, and
// not yet in the checkpoint, is sent again on resume with the same
// X-Chunk-Id, so a receiver drops the ids it already has.
#include "gzip.hpp"
#include "http_poster.hpp"
#include "retry_policy.hpp"

#include <aton/plugin.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
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

using Clock = std::chrono::steady_clock;

// Headers the sink sets per chunk; a config may not set them.
constexpr std::array<const char*, 5> kReservedHeaders = {
    "X-Chunk-Id", "X-Total-Chunks", "X-Is-Last", "X-Aton-Table", "Content-Encoding"};

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string seconds_text(Clock::duration d) {
  auto ms = std::chrono::duration_cast<Millis>(d).count();
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
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

class HttpSink : public aton::sdk::Sink {
 public:
  // The url and the headers, without connecting (ABI 1.3; create() calls it
  // first). Messages never quote the url (it may hold a secret): the
  // pointer says which key.
  static void check(const aton::sdk::Config& config, aton::sdk::Problems& problems) {
    using aton::sdk::Problems;
    if (auto why = url_problem(config.string("url"))) problems.add(Problems::key("url"), "the url " + *why);
    for (const auto& [name, value] : config.string_map("headers"))
      if (auto why = header_problem(name, value)) problems.add(Problems::key("headers", name), *why);
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
        poster_(url_, [this] { return cancelled(); }),
        random_(std::random_device{}()) {
    policy_.retries = static_cast<int>(std::clamp<std::int64_t>(context.config.integer("retries", 5), 0, 1000));
    policy_.backoff = Millis(std::max<std::int64_t>(0, context.config.integer("backoff_ms", 200)));
    policy_.max_backoff = Millis(std::max<std::int64_t>(0, context.config.integer("max_backoff_ms", 10'000)));
    policy_.max_elapsed = Millis(std::max<std::int64_t>(1, context.config.integer("max_elapsed_ms", 120'000)));

    bool user_content_type = false;
    for (const auto& [name, value] : context.config.string_map("headers")) {
      if (strcasecmp(name.c_str(), "Content-Type") == 0) user_content_type = true;
      fixed_headers_.push_back(name + ": " + value);
      remember_secret(value);
    }
    if (!user_content_type)
      fixed_headers_.push_back("Content-Type: " +
                               context.config.string("content_type", "text/x-aton; charset=utf-8"));
    fixed_headers_.push_back("Expect:");  // no 100-continue round trip for large bodies
  }

  void write(const aton_chunk& chunk) override {
    std::string_view body(chunk.data, chunk.size);
    bool gzipped = compress_ && body.size() >= compress_min_bytes_;
    if (gzipped) {
      gzip_compress(body, compressed_);
      body = compressed_;
    }
    headers_ = fixed_headers_;
    headers_.push_back("X-Chunk-Id: " + std::to_string(chunk.chunk_id));
    // An unknown total is left out rather than sent as a word a receiver
    // expecting a number would choke on; the last chunk always knows it.
    if (chunk.total_chunks >= 0) headers_.push_back("X-Total-Chunks: " + std::to_string(chunk.total_chunks));
    headers_.push_back(std::string("X-Is-Last: ") + (chunk.is_last ? "true" : "false"));
    if (chunk.tokens >= 0) headers_.push_back("X-Chunk-Tokens: " + std::to_string(chunk.tokens));
    headers_.push_back(std::string("X-Aton-Table: ") + (chunk.table ? chunk.table : ""));
    if (gzipped) headers_.push_back("Content-Encoding: gzip");
    if (chunk.chunk_id != next_chunk_id_)
      throw std::runtime_error("chunk " + std::to_string(chunk.chunk_id) + " arrived where chunk " +
                               std::to_string(next_chunk_id_) + " was due");
    deliver(chunk.chunk_id, body);
    next_chunk_id_ = chunk.chunk_id + 1;
  }

  std::string save_state() { return "{\"next_chunk_id\":" + std::to_string(next_chunk_id_) + "}"; }

  void restore_state(std::string_view text) {
    rapidjson::Document state;
    state.Parse(text.data(), text.size());
    auto next = state.IsObject() ? state.FindMember("next_chunk_id") : state.MemberEnd();
    if (state.HasParseError() || !state.IsObject() || next == state.MemberEnd() || !next->value.IsUint64())
      throw std::runtime_error("the saved state has no next_chunk_id");
    next_chunk_id_ = next->value.GetUint64();
  }

 private:
  void deliver(std::uint64_t chunk_id, std::string_view body) {
    const auto start = Clock::now();
    const auto deadline = start + policy_.max_elapsed;
    std::string chunk = "chunk " + std::to_string(chunk_id);
    for (int attempt = 1;; ++attempt) {
      if (cancelled()) throw std::runtime_error(chunk + " was not sent: the run is stopping");
      auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
      PostOutcome outcome = poster_.post(body, headers_, std::min(timeout_, left), connect_timeout_);
      Verdict verdict = classify(outcome.transport, outcome.status);
      if (verdict == Verdict::delivered) return;
      if (outcome.transport == Transport::cancelled)
        throw std::runtime_error(chunk + " was not sent: the run is stopping");
      std::string what = describe(outcome);
      if (verdict == Verdict::give_up)
        fail(chunk + " was refused by " + shown_url_ + ": " + what + why_given_up(outcome));
      std::string tried = " after " + std::to_string(attempt) + " attempt" + (attempt > 1 ? "s" : "") +
                          " over " + seconds_text(Clock::now() - start);
      if (attempt > policy_.retries)
        fail(chunk + " could not be delivered to " + shown_url_ + tried + ": last " + what +
             ". Check the server, or raise retries (now " + std::to_string(policy_.retries) + ").");
      Millis wait = outcome.retry_after ? *outcome.retry_after : policy_.wait_before(attempt, random_);
      if (Clock::now() + wait >= deadline)
        fail(chunk + " could not be delivered to " + shown_url_ + tried + ": last " + what +
             (outcome.retry_after ? "; the server asked to retry after " + seconds_text(wait) : "") +
             ", and the next attempt would pass max_elapsed_ms (" +
             std::to_string(policy_.max_elapsed.count()) + ")");
      log(ATON_LOG_WARNING, scrub(chunk + " attempt " + std::to_string(attempt) + " of " +
                                  std::to_string(policy_.retries + 1) + " failed (" + what +
                                  "); retrying in " + std::to_string(wait.count()) + " ms"));
      wait_unless_cancelled(wait);
    }
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
    if (!outcome.body_start.empty())
      text += "; response body starts: \"" + printable_start(outcome.body_start) + "\"";
    return text;
  }

  [[noreturn]] void fail(const std::string& message) const { throw std::runtime_error(scrub(message)); }

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
  std::string scrub(std::string text) const {
    for (const auto& secret : secrets_)
      for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
        text.replace(at, secret.size(), "***");
    return text;
  }

  void wait_unless_cancelled(Millis wait) const {
    const auto until = Clock::now() + wait;
    while (Clock::now() < until) {
      if (cancelled()) throw std::runtime_error("stopped waiting to retry: the run is stopping");
      std::this_thread::sleep_for(std::min<Clock::duration>(Millis(50), until - Clock::now()));
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
  RetryPolicy policy_;
  std::vector<std::string> fixed_headers_;
  std::vector<std::string> secrets_;
  std::vector<std::string> headers_;  // this chunk's, reused
  std::string compressed_;            // this chunk's gzip body, reused
  HttpPoster poster_;
  std::mt19937_64 random_;
  std::uint64_t next_chunk_id_ = 0;
};

const aton_option kOptions[] = {
    {"url", "string", nullptr, 1, "Where each chunk is POSTed (http:// or https://).", nullptr},
    {"headers", "object", "{}", 0,
     "Extra request headers; use ${NAME} for tokens from the environment. Never logged.",
     "{\"additionalProperties\":{\"type\":\"string\"}}"},
    {"timeout_ms", "integer", "30000", 0, "Time limit of one request, connection included.",
     "{\"minimum\":1}"},
    {"connect_timeout_ms", "integer", "10000", 0, "Time limit for opening the connection.",
     "{\"minimum\":1}"},
    {"retries", "integer", "5", 0,
     "Retries per chunk after the first attempt, on connection errors, timeouts, 5xx, 408 and 429.",
     "{\"minimum\":0,\"maximum\":1000}"},
    {"backoff_ms", "integer", "200", 0, "The wait before the first retry; doubles each retry, with jitter.",
     "{\"minimum\":0}"},
    {"max_backoff_ms", "integer", "10000", 0, "The longest wait between two attempts.", "{\"minimum\":0}"},
    {"max_elapsed_ms", "integer", "120000", 0,
     "The most time spent on one chunk, attempts and waits included; then the run fails.",
     "{\"minimum\":1}"},
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
