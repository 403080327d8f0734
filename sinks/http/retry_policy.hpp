// When to retry a POST and how long to wait first.
//
// Retried: transport failures that may pass (refused or dropped connections,
// timeouts), 5xx, 408 and 429. Anything else that is not 2xx fails at once:
// the request itself is wrong and sending it again cannot help. Waits grow
// exponentially with "equal jitter" (half fixed, half random) so that many
// senders do not retry in step; a server's Retry-After replaces the computed
// wait. Both the number of retries and the total time per chunk are bounded.
#pragma once

#include <chrono>
#include <optional>
#include <random>

namespace aton::sinks {

using Millis = std::chrono::milliseconds;

enum class Transport { ok, retryable_failure, fatal_failure, cancelled };

enum class Verdict { delivered, retry, give_up };

// Whether a retry can help, from the transport outcome and the HTTP status
// (meaningful only when the transport is ok).
Verdict classify(Transport transport, long status);

struct RetryPolicy {
  int retries = 5;           // attempts after the first
  Millis backoff{200};       // the first wait; doubles each retry
  Millis max_backoff{10'000};
  Millis max_elapsed{60'000};  // per chunk, from the first attempt to the last

  // The wait before retry number `retry` (1 for the first retry).
  Millis wait_before(int retry, std::mt19937_64& random) const;
};

// Parses a Retry-After value: delta-seconds or an HTTP date. `now_epoch` is
// the current time in seconds since the epoch (a parameter, for tests).
std::optional<Millis> parse_retry_after(const char* value, long long now_epoch);

}  // namespace aton::sinks
