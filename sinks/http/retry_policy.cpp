#include "retry_policy.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace aton::sinks {

Verdict classify(Transport transport, long status) {
  switch (transport) {
    case Transport::ok:
      break;
    case Transport::retryable_failure:
      return Verdict::retry;
    case Transport::fatal_failure:
    case Transport::cancelled:
      return Verdict::give_up;
  }
  if (status >= 200 && status < 300) return Verdict::delivered;
  if (status >= 500 || status == 429 || status == 408) return Verdict::retry;
  return Verdict::give_up;
}

Millis RetryPolicy::wait_before(int retry, std::mt19937_64& random) const {
  // backoff * 2^(retry-1), capped; the shift is bounded so it cannot overflow.
  long long base = backoff.count();
  int doublings = std::clamp(retry - 1, 0, 30);
  long long full = std::min(base << doublings, static_cast<long long>(max_backoff.count()));
  full = std::max(full, 0LL);
  std::uniform_int_distribution<long long> jitter(0, full / 2);
  return Millis(full - full / 2 + jitter(random));
}

std::optional<Millis> parse_retry_after(const char* value, long long now_epoch) {
  while (*value == ' ' || *value == '\t') ++value;
  std::size_t length = std::strlen(value);
  while (length > 0 && std::isspace(static_cast<unsigned char>(value[length - 1]))) --length;
  if (length == 0) return std::nullopt;
  long long seconds = 0;
  auto [end, error] = std::from_chars(value, value + length, seconds);
  if (error == std::errc() && end == value + length && seconds >= 0)
    return Millis(std::min(seconds, 86'400LL) * 1000);
  std::string date(value, length);
  time_t when = curl_getdate(date.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  return Millis(std::max(0LL, static_cast<long long>(when) - now_epoch) * 1000);
}

}  // namespace aton::sinks
