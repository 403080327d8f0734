// One connection to the NATS servers with what the nats sink needs of
// JetStream: its stream made sure of, messages published with a reply
// subject under the link's own inbox (<inbox>.<chunk id>.<attempt>), and
// the acknowledgements the stream sends there read back one at a time.
//
// Nothing here waits longer than it is told: connecting is bounded by
// connect_timeout (per server), reading an acknowledgement by the caller's
// wait. nats.c reconnects by itself in the background (every 100 ms or
// so) for as long as the link lives; the sink's retries bound how long a
// chunk may wait for that. Errors are LinkError: retryable (the server is
// away, JetStream is starting) or not (refused credentials, a stream that
// does not take the subject). Texts never hold a credential.
#pragma once

#include "nats_settings.hpp"

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aton::sinks::nats {

struct LinkError : std::runtime_error {
  LinkError(const std::string& what, bool retry) : std::runtime_error(what), retryable(retry) {}
  bool retryable;
};

// What the stream answered to one published message.
struct Ack {
  std::uint64_t chunk_id = 0;
  int attempt = 0;
  bool stored = false;      // in the stream (now, or already: duplicate)
  bool duplicate = false;   // the duplicate window dropped this copy
  std::uint64_t sequence = 0;
  std::string error;        // !stored: why
  bool retryable = false;   // !stored: whether sending again may help
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class JetStreamLink {
 public:
  // Connects and makes sure of the stream; throws LinkError.
  // warn: for things worth a line in the run's log (any thread).
  JetStreamLink(const NatsSettings& settings, std::function<void(const std::string&)> warn);
  ~JetStreamLink();
  JetStreamLink(const JetStreamLink&) = delete;
  JetStreamLink& operator=(const JetStreamLink&) = delete;

  // The most bytes (headers and data) one message may take: the server's
  // max_payload, or the stream's max_msg_size when smaller; and which.
  std::int64_t max_message_bytes() const noexcept { return max_bytes_; }
  const std::string& max_message_limit() const noexcept { return max_limit_; }

  // Publishes one message; the reason when the connection cannot take it
  // now (reconnecting), nothing when it went out.
  std::optional<std::string> publish(std::string_view data, const Headers& headers, std::uint64_t chunk_id,
                                     int attempt);
  // The next acknowledgement, waiting at most `wait` (0: only one that has come).
  std::optional<Ack> next_ack(std::chrono::milliseconds wait);
  // Why no acknowledgement may come (not connected), or "".
  std::string connection_trouble() const;

 private:
  void ensure_stream();
  void release() noexcept;

  NatsSettings settings_;
  std::function<void(const std::string&)> warn_;
  natsOptions* options_ = nullptr;
  natsConnection* connection_ = nullptr;
  natsSubscription* acks_ = nullptr;
  jsCtx* js_ = nullptr;
  std::string inbox_;
  std::int64_t max_bytes_ = 0;
  std::string max_limit_;
};

// The bytes nats.c sends for `headers` ahead of a message's data
// ("NATS/1.0\r\nName: value\r\n...\r\n"): part of what max_payload bounds.
std::size_t header_bytes(const Headers& headers);

}  // namespace aton::sinks::nats
