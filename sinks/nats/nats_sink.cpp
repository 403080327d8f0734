// The nats sink: each chunk one JetStream message on `subject`, carrying
// the guide's chunk metadata in headers (X-Chunk-Id, X-Total-Chunks,
// X-Is-Last, X-Chunk-Records, X-Chunk-Tokens, X-Aton-Table, as the http
// sink names them) and Nats-Msg-Id = "<run id>:<chunk id>", so the
// stream's duplicate window drops a chunk sent again after a retry or a
// resume: exactly-once publication while the window lasts.
//
// Flow: up to max_in_flight chunks are published without waiting; write()
// returns once fewer than max_in_flight wait for their acknowledgement.
// The oldest waits first, under the SDK's retry engine (aton/retry.hpp):
// when its acknowledgement does not come in ack_timeout_ms, or the stream
// refuses it with an error that may pass (JetStream starting, no
// responders, a dropped connection), it and every chunk after it not yet
// stored are published again, in order (go-back-N): the oldest first and
// alone, the others once it is stored; the duplicate window drops the
// copies already stored. Retries and time per chunk are bounded;
// every wait polls the host's cancellation at least every 50 ms.
//
// Resumable runs: the state is the run id, the next chunk id and every
// chunk published but not yet acknowledged (text and metadata: no
// credential). A resume publishes those again, then goes on: the run id is
// the interrupted run's, so the duplicate window drops what it had stored.
// `run_id` in the config fixes the id for runs that start over from
// scratch instead (a redone partition).
//
// Secrets: user, password, token (from ${NAME}) go to nats.c only; every
// message the sink makes is scrubbed of them and names servers without
// their user and password.
#include <aton/chunk_job.hpp>
#include "jetstream_link.hpp"
#include "nats_settings.hpp"

#include <aton/plugin.hpp>
#include <aton/retry.hpp>
#include <aton/scrub.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

namespace aton::sinks::nats {
namespace {

using sdk::ChunkJob;

using aton::sdk::Millis;
using aton::sdk::SteadyClock;
using aton::sdk::Verdict;

// A chunk between its publication and its acknowledgement.
struct InFlight {
  ChunkJob job;
  bool sent = false;
  int attempt = 0;  // of the latest publication; older attempts' errors are stale
  SteadyClock::time_point sent_at{};
  bool stored = false;
  bool duplicate = false;
  std::uint64_t sequence = 0;
  std::optional<std::string> error;  // the latest attempt's failure
  bool retryable = false;
};

InFlight in_flight(ChunkJob job) {
  InFlight entry;
  entry.job = std::move(job);
  return entry;
}

std::string random_run_id() {
  std::random_device device;
  std::uint64_t bits = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  static const char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (auto& c : out) c = digits[bits & 15], bits >>= 4;
  return out;
}

// "1,048,576"
std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

class NatsSink : public aton::sdk::Sink {
 public:
  static void check(const aton::sdk::Config& config, aton::sdk::Problems& problems) {
    NatsSettings::check(config, problems);
  }

  explicit NatsSink(const aton::sdk::Context& context)
      : host_(context.host),
        settings_(NatsSettings::from(context.config)),
        run_id_(context.config.has("run_id") ? context.config.string("run_id") : random_run_id()),
        secrets_(settings_.secrets()),
        random_(std::random_device{}()) {
    retrier_.policy = aton::sdk::RetryPolicy::from(context.config);
    retrier_.cancelled = [this] { return cancelled(); };
    retrier_.warn = [this](const std::string& message) { log(ATON_LOG_WARNING, message); };
    retrier_.scrub = [this](std::string text) { return scrub(std::move(text)); };
  }

  void write(const aton_chunk& chunk) override {
    if (chunk.chunk_id != next_chunk_id_)
      throw std::runtime_error("chunk " + std::to_string(chunk.chunk_id) + " arrived where chunk " +
                               std::to_string(next_chunk_id_) + " was due");
    next_chunk_id_ = chunk.chunk_id + 1;
    window_.push_back(in_flight(ChunkJob::of(chunk)));
    if (link_) {
      try {
        send_unsent();
        take_acks(Millis(0));
      } catch (const LinkError& e) {
        if (!e.retryable) throw std::runtime_error(scrub("chunk " + std::to_string(chunk.chunk_id) + ": " + e.what()));
        link_.reset();  // the oldest chunk's retries connect again
      }
    }
    if (!link_) settle(window_.front());  // connects (with retries), sends what waits
    while (!window_.empty() && (window_.front().stored || window_.size() >= settings_.max_in_flight)) settle_front();
  }

  void finish() override {
    while (!window_.empty()) settle_front();
    link_.reset();
    if (resent_ > 0)
      log(ATON_LOG_INFO, std::to_string(resent_) + " chunk" + (resent_ > 1 ? "s were" : " was") +
                             " published again and dropped by the duplicate window of " + settings_.shown_urls);
  }

  void abort() noexcept override { link_.reset(); }
  void suspend() noexcept { link_.reset(); }  // the unacknowledged chunks are in the state

  std::string save_state() {
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    w.StartObject();
    w.Key("run_id");
    w.String(run_id_.c_str());
    w.Key("next_chunk_id");
    w.Uint64(next_chunk_id_);
    w.Key("pending");
    w.StartArray();
    for (const auto& entry : window_)
      if (!entry.stored) entry.job.save(w);
    w.EndArray();
    w.EndObject();
    return {out.GetString(), out.GetSize()};
  }

  void restore_state(std::string_view text) {
    rapidjson::Document state;
    state.Parse(text.data(), text.size());
    if (state.HasParseError() || !state.IsObject() || !state.HasMember("run_id") || !state["run_id"].IsString() ||
        !state.HasMember("next_chunk_id") || !state["next_chunk_id"].IsUint64())
      throw std::runtime_error("the saved state has no run_id or next_chunk_id; run again without --resume");
    run_id_ = state["run_id"].GetString();
    next_chunk_id_ = state["next_chunk_id"].GetUint64();
    window_.clear();
    if (auto pending = state.FindMember("pending"); pending != state.MemberEnd() && pending->value.IsArray())
      for (const auto& item : pending->value.GetArray()) window_.push_back(in_flight(ChunkJob::load(item)));
  }

 private:
  // Waits until the oldest chunk is stored, with retries; then lets it go.
  void settle_front() {
    settle(window_.front());
    InFlight& done = window_.front();
    if (have_sequence_ && done.sequence < last_sequence_ && !order_warned_) {
      order_warned_ = true;
      log(ATON_LOG_WARNING, "chunk " + std::to_string(done.job.chunk_id) +
                                " was stored after a later chunk (a failure hit it and not the chunks published "
                                "after it): readers that need chunk order sort by X-Chunk-Id, or set max_in_flight 1");
    }
    last_sequence_ = std::max(last_sequence_, done.sequence);
    have_sequence_ = true;
    if (done.duplicate) ++resent_;
    window_.pop_front();
  }

  void settle(InFlight& entry) {
    std::string subject = "chunk " + std::to_string(entry.job.chunk_id);
    bool first = true;
    retrier_.run(subject, settings_.shown_urls, random_, [&](SteadyClock::time_point deadline) {
      aton::sdk::AttemptOutcome outcome;
      try {
        if (!link_) link_ = std::make_unique<JetStreamLink>(settings_, [this](const std::string& m) {
                      log(ATON_LOG_INFO, m);
                    });
        if (!first || !entry.sent) publish_again();
        first = false;
        for (;;) {
          if (entry.stored) return outcome;
          if (entry.error) {
            outcome.verdict = entry.retryable ? Verdict::retry : Verdict::give_up;
            outcome.what = *entry.error;
            return outcome;
          }
          if (cancelled()) {
            outcome.cancelled = true;
            outcome.verdict = Verdict::retry;
            outcome.what = "the run is stopping";
            return outcome;
          }
          auto until = std::min(deadline, entry.sent_at + settings_.ack_timeout);
          auto now = SteadyClock::now();
          if (!entry.sent || now >= until) {
            outcome.verdict = Verdict::retry;
            outcome.what = "no acknowledgement within " + std::to_string(settings_.ack_timeout.count()) + " ms";
            if (std::string trouble = link_->connection_trouble(); !trouble.empty()) outcome.what += " (" + trouble + ")";
            return outcome;
          }
          take_acks(std::min<Millis>(Millis(50), std::chrono::duration_cast<Millis>(until - now) + Millis(1)));
        }
      } catch (const LinkError& e) {
        if (!e.retryable) {
          outcome.verdict = Verdict::give_up;
          outcome.what = e.what();
          outcome.why_given_up = " (not retried: this does not pass by itself)";
          return outcome;
        }
        outcome.verdict = Verdict::retry;
        outcome.what = e.what();
        link_.reset();  // connect afresh next attempt
        return outcome;
      }
    });
  }

  // Go-back-N: every chunk of the window not yet stored, in order.
  // Only the oldest goes at once; the others follow once it is stored (the
  // next write() sends them), so a failure that hit it and passed cannot
  // let a later chunk be stored before it.
  void publish_again() {
    ++attempt_;
    for (auto& entry : window_) {
      if (entry.stored) continue;
      entry.sent = false;
      entry.error.reset();
    }
    send_unsent(1);
  }

  // Publishes up to `most` chunks not yet sent, in order, until the
  // connection cannot take one (it then waits for the retry of the oldest).
  void send_unsent(std::size_t most = SIZE_MAX) {
    for (auto& entry : window_) {
      if (most == 0) return;
      if (entry.stored || entry.sent) continue;
      --most;
      if (entry.error) return;  // it goes first, at its retry: order is kept
      Headers headers = headers_for(entry.job);
      check_size(entry.job, headers);
      entry.attempt = attempt_;
      if (auto trouble = link_->publish(entry.job.data, headers, entry.job.chunk_id, attempt_)) {
        entry.error = *trouble;
        entry.retryable = true;
        return;
      }
      entry.sent = true;
      entry.sent_at = SteadyClock::now();
    }
  }

  // Reads the acknowledgements that have come (the first within `wait`).
  void take_acks(Millis wait) {
    while (auto ack = link_->next_ack(wait)) {
      wait = Millis(0);
      // Ids ascend, with gaps after a resume (stored chunks are not saved).
      auto it = std::lower_bound(window_.begin(), window_.end(), ack->chunk_id,
                                 [](const InFlight& e, std::uint64_t id) { return e.job.chunk_id < id; });
      if (it == window_.end() || it->job.chunk_id != ack->chunk_id) continue;  // settled already
      InFlight& entry = *it;
      if (ack->stored) {
        entry.stored = true;
        entry.error.reset();
        entry.duplicate = ack->duplicate;
        entry.sequence = ack->sequence;
      } else if (!entry.stored && ack->attempt == entry.attempt) {
        entry.error = ack->error;
        entry.retryable = ack->retryable;
      }
    }
  }

  Headers headers_for(const ChunkJob& job) const {
    std::string table = job.table;
    std::replace_if(table.begin(), table.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
    Headers headers{{"Nats-Msg-Id", run_id_ + ":" + std::to_string(job.chunk_id)},
                    {"X-Chunk-Id", std::to_string(job.chunk_id)}};
    // An unknown total is left out; the last chunk always knows it.
    if (job.total_chunks >= 0) headers.emplace_back("X-Total-Chunks", std::to_string(job.total_chunks));
    headers.emplace_back("X-Is-Last", job.is_last ? "true" : "false");
    headers.emplace_back("X-Chunk-Records", std::to_string(job.records));
    if (job.tokens >= 0) headers.emplace_back("X-Chunk-Tokens", std::to_string(job.tokens));
    headers.emplace_back("X-Aton-Table", table);
    headers.emplace_back("X-Aton-Run", run_id_);
    return headers;
  }

  // A message over the server's limit would close the connection: refuse
  // the chunk first, saying how to make chunks that fit.
  void check_size(const ChunkJob& job, const Headers& headers) const {
    std::uint64_t size = job.data.size() + header_bytes(headers);
    std::int64_t limit = link_->max_message_bytes();
    if (limit <= 0 || size <= static_cast<std::uint64_t>(limit)) return;
    throw std::runtime_error(
        "chunk " + std::to_string(job.chunk_id) + " is " + grouped(job.data.size()) + " bytes (" + grouped(size) +
        " with its headers), more than the " + grouped(static_cast<std::uint64_t>(limit)) + " bytes of " +
        link_->max_message_limit() + " at " + settings_.shown_urls + ": set encoder.max_bytes (say " +
        grouped(static_cast<std::uint64_t>(limit) * 9 / 10) +
        ") or encoder.max_tokens so that every chunk fits, or raise the server's limit");
  }

  std::string scrub(std::string text) const { return sdk::scrub(std::move(text), secrets_); }

  bool cancelled() const { return host_ && host_->is_cancelled && host_->is_cancelled(host_->host); }
  void log(aton_log_level level, const std::string& message) const {
    if (host_ && host_->log) host_->log(host_->host, level, scrub(message).c_str());
  }

  const aton_host_api* host_;
  NatsSettings settings_;
  std::string run_id_;
  std::vector<std::string> secrets_;
  aton::sdk::Retrier retrier_;
  std::mt19937_64 random_;
  std::unique_ptr<JetStreamLink> link_;
  std::deque<InFlight> window_;  // in chunk order
  std::uint64_t next_chunk_id_ = 0;
  int attempt_ = 0;
  std::uint64_t last_sequence_ = 0;
  bool have_sequence_ = false;
  bool order_warned_ = false;
  std::uint64_t resent_ = 0;
};

const aton_option kOptions[] = {
    {"url", "string", nullptr, 1,
     "The NATS server, nats://host:port; several separated by commas, tried in order (a cluster).", nullptr},
    {"subject", "string", nullptr, 1, "The subject each chunk is published on.", nullptr},
    {"stream", "string", nullptr, 0,
     "The JetStream stream for the subject, created (file storage, the subject only) when missing. Without it a "
     "stream must already take the subject.",
     nullptr},
    {"run_id", "string", nullptr, 0,
     "The run's name in each Nats-Msg-Id (<run_id>:<chunk id>). Default: random per run, kept by --resume. Fix it "
     "for runs redone from the start, so the duplicate window drops what an earlier try stored.",
     nullptr},
    {"user", "string", nullptr, 0, "User name, with password; from the environment: \"${NATS_USER}\".", nullptr},
    {"password", "string", nullptr, 0, "Password, with user; from the environment: \"${NATS_PASSWORD}\".", nullptr},
    {"token", "string", nullptr, 0, "Authentication token; from the environment: \"${NATS_TOKEN}\".", nullptr},
    {"creds_file", "path", nullptr, 0, "A NATS .creds file (JWT and NKey seed).", nullptr},
    {"max_in_flight", "integer", "16", 0,
     "Chunks published and awaiting their acknowledgement at once; each is kept in memory until acknowledged.",
     "{\"minimum\":1,\"maximum\":4096}"},
    {"ack_timeout_ms", "integer", "5000", 0,
     "How long to wait for a chunk's acknowledgement before publishing it (and those after it) again.",
     "{\"minimum\":1}"},
    {"connect_timeout_ms", "integer", "1000", 0, "Time limit of one connection attempt to one server.",
     "{\"minimum\":1,\"maximum\":60000}"},
    {"duplicate_window_ms", "integer", "120000", 0,
     "The duplicate window of a stream the sink creates: how long JetStream remembers message ids. A resume later "
     "than this after a kill may store chunks twice.",
     "{\"minimum\":1000}"},
    {"replicas", "integer", "1", 0,
     "The replicas of a stream the sink creates (a cluster's nodes that hold each message; 3 survives one down).",
     "{\"minimum\":1,\"maximum\":5}"},
    ATON_RETRY_OPTIONS,
};

}  // namespace
}  // namespace aton::sinks::nats

ATON_SINK_PLUGIN(aton::sinks::nats::NatsSink, "nats", "1.0.0",
                 "Publishes each chunk as one JetStream message, exactly once through the duplicate window.",
                 aton::sinks::nats::kOptions)
