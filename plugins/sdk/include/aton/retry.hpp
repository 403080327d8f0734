// Retries for network sinks: one policy, one set of defaults, one engine.
// Header-only (it needs only the standard library), so any sink that talks
// to a server gets the same behaviour without linking the core.
//
// The model (docs/sinks.md, "Retries"):
// - An attempt ends delivered, retry or give_up. Retried: transport failures
//   that may pass (refused or dropped connections, timeouts), 5xx, 408 and
//   429. Anything else that is not a success fails at once: the request
//   itself is wrong and sending it again cannot help.
// - Waits grow exponentially with "equal jitter" (half fixed, half random)
//   so that many senders do not retry in step; a server's Retry-After
//   replaces the computed wait.
// - Both the number of retries and the total time per item are bounded; a
//   wait that would pass the time bound fails at once instead of waiting.
// - Every wait polls the host's cancellation every 50 ms, so a stopping run
//   ends a wait promptly.
//
// The defaults are stated once, here: ATON_RETRY_OPTIONS puts them in a
// sink's options table (what `aton plugins --describe` shows and the host
// fills in) and RetryPolicy's members start from the same numbers.
#pragma once

#include <aton/plugin.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#define ATON_RETRY_DEFAULT_RETRIES 5
#define ATON_RETRY_DEFAULT_BACKOFF_MS 200
#define ATON_RETRY_DEFAULT_MAX_BACKOFF_MS 10000
#define ATON_RETRY_DEFAULT_MAX_ELAPSED_MS 120000

#define ATON_RETRY_TEXT2_(x) #x
#define ATON_RETRY_TEXT_(x) ATON_RETRY_TEXT2_(x)

// The retry options, for a sink's aton_option table:
//   const aton_option kOptions[] = {{"url", ...}, ATON_RETRY_OPTIONS, ...};
#define ATON_RETRY_OPTIONS                                                                                \
  {"retries", "integer", ATON_RETRY_TEXT_(ATON_RETRY_DEFAULT_RETRIES), 0,                                \
   "Retries per chunk after the first attempt, on connection errors, timeouts, 5xx, 408 and 429.",       \
   "{\"minimum\":0,\"maximum\":1000}"},                                                                   \
      {"backoff_ms", "integer", ATON_RETRY_TEXT_(ATON_RETRY_DEFAULT_BACKOFF_MS), 0,                      \
       "The wait before the first retry; doubles each retry, with jitter.", "{\"minimum\":0}"},          \
      {"max_backoff_ms", "integer", ATON_RETRY_TEXT_(ATON_RETRY_DEFAULT_MAX_BACKOFF_MS), 0,              \
       "The longest wait between two attempts.", "{\"minimum\":0}"},                                     \
      {"max_elapsed_ms", "integer", ATON_RETRY_TEXT_(ATON_RETRY_DEFAULT_MAX_ELAPSED_MS), 0,              \
       "The most time spent on one chunk, attempts and waits included; then the run fails.",             \
       "{\"minimum\":1}"}

namespace aton::sdk {

using Millis = std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

enum class Verdict { delivered, retry, give_up };

// Whether a retry can help an HTTP answer `status` (the transport was fine).
inline Verdict classify_status(long status) {
  if (status >= 200 && status < 300) return Verdict::delivered;
  if (status >= 500 || status == 429 || status == 408) return Verdict::retry;
  return Verdict::give_up;
}

struct RetryPolicy {
  int retries = ATON_RETRY_DEFAULT_RETRIES;  // attempts after the first
  Millis backoff{ATON_RETRY_DEFAULT_BACKOFF_MS};  // the first wait; doubles each retry
  Millis max_backoff{ATON_RETRY_DEFAULT_MAX_BACKOFF_MS};
  Millis max_elapsed{ATON_RETRY_DEFAULT_MAX_ELAPSED_MS};  // per item, first attempt to last

  // The policy ATON_RETRY_OPTIONS configures (the host filled in defaults).
  static RetryPolicy from(const Config& config) {
    RetryPolicy p;
    p.retries = static_cast<int>(std::clamp<std::int64_t>(config.integer("retries", p.retries), 0, 1000));
    p.backoff = Millis(std::max<std::int64_t>(0, config.integer("backoff_ms", p.backoff.count())));
    p.max_backoff = Millis(std::max<std::int64_t>(0, config.integer("max_backoff_ms", p.max_backoff.count())));
    p.max_elapsed = Millis(std::max<std::int64_t>(1, config.integer("max_elapsed_ms", p.max_elapsed.count())));
    return p;
  }

  // The wait before retry number `retry` (1 for the first retry).
  Millis wait_before(int retry, std::mt19937_64& random) const {
    // backoff * 2^(retry-1), capped; the shift is bounded so it cannot overflow.
    long long base = std::max<long long>(0, backoff.count());
    int doublings = std::clamp(retry - 1, 0, 30);
    long long full = std::min(base << doublings, static_cast<long long>(max_backoff.count()));
    full = std::max(full, 0LL);
    std::uniform_int_distribution<long long> jitter(0, full / 2);
    return Millis(full - full / 2 + jitter(random));
  }
};

namespace retry_detail {
inline std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
}  // namespace retry_detail

// A Retry-After value: delta-seconds or an HTTP date (RFC 9110's
// IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"). `now_epoch`: the current
// time in seconds since the epoch (a parameter, for tests). At most a day.
inline std::optional<Millis> parse_retry_after(std::string_view value, long long now_epoch) {
  value = retry_detail::trimmed(value);
  if (value.empty()) return std::nullopt;
  long long seconds = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc() && end == value.data() + value.size() && seconds >= 0)
    return Millis(std::min(seconds, 86'400LL) * 1000);
  std::string date(value);
  std::tm tm{};
  const char* rest = strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!rest || *rest != '\0') return std::nullopt;
  long long when = static_cast<long long>(timegm(&tm));
  return Millis(std::clamp(when - now_epoch, 0LL, 86'400LL) * 1000);
}

// A duration as rate-limit headers give it (x-ratelimit-reset-requests:
// "1s", "6m0s", "20ms", "1m30.5s"; or plain seconds "2.5"). At most a day.
inline std::optional<Millis> parse_duration(std::string_view value) {
  value = retry_detail::trimmed(value);
  if (value.empty()) return std::nullopt;
  double total_ms = 0;
  bool any = false;
  while (!value.empty()) {
    std::size_t digits = 0;
    while (digits < value.size() && (std::isdigit(static_cast<unsigned char>(value[digits])) || value[digits] == '.'))
      ++digits;
    if (digits == 0) return std::nullopt;
    double number = 0;
    try {
      number = std::stod(std::string(value.substr(0, digits)));
    } catch (...) {
      return std::nullopt;
    }
    value.remove_prefix(digits);
    double unit_ms = 1000;  // bare number: seconds
    if (value.rfind("ms", 0) == 0) unit_ms = 1, value.remove_prefix(2);
    else if (value.rfind("s", 0) == 0) unit_ms = 1000, value.remove_prefix(1);
    else if (value.rfind("m", 0) == 0) unit_ms = 60'000, value.remove_prefix(1);
    else if (value.rfind("h", 0) == 0) unit_ms = 3'600'000, value.remove_prefix(1);
    else if (!value.empty()) return std::nullopt;
    total_ms += number * unit_ms;
    any = true;
  }
  if (!any) return std::nullopt;
  return Millis(static_cast<long long>(std::min(total_ms, 86'400'000.0) + 0.5));
}

// Sleeps `wait`, polling `cancelled` every 50 ms; false when it said stop.
inline bool sleep_unless_cancelled(Millis wait, const std::function<bool()>& cancelled) {
  const auto until = SteadyClock::now() + wait;
  for (;;) {
    if (cancelled && cancelled()) return false;
    auto now = SteadyClock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<SteadyClock::duration>(Millis(50), until - now));
  }
}

// What one attempt came to, in the words a message shows.
struct AttemptOutcome {
  Verdict verdict = Verdict::delivered;
  bool cancelled = false;          // the attempt gave up because the run is stopping
  std::string what;                // "HTTP 503; response body starts: ..." or the transport's error
  std::string why_given_up;        // appended to a give_up message: " (not retried: ...)"
  std::optional<Millis> retry_after;  // the server's own wait
};

// The engine: runs attempts until one is delivered, and throws
// std::runtime_error (its text passed through `scrub`) when they are
// exhausted, the time bound would pass, an answer cannot be retried, or the
// run is stopping. Thread-safe as far as its hooks are: each call keeps its
// own state; give each thread its own random generator.
struct Retrier {
  RetryPolicy policy;
  std::function<bool()> cancelled;                           // the host's is_cancelled, and the sink's own stop
  std::function<void(const std::string&)> warn;              // a retry is logged here
  std::function<std::string(std::string)> scrub = [](std::string s) { return s; };

  static std::string seconds_text(SteadyClock::duration d) {
    auto ms = std::chrono::duration_cast<Millis>(d).count();
    return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
  }

  // subject: "chunk 3"; target: where it goes, fit to print. attempt(deadline)
  // makes one attempt that must end by `deadline`.
  template <class Attempt>
  void run(const std::string& subject, const std::string& target, std::mt19937_64& random, Attempt&& attempt) const {
    const auto start = SteadyClock::now();
    const auto deadline = start + policy.max_elapsed;
    for (int n = 1;; ++n) {
      if (cancelled && cancelled()) fail(subject + " was not sent: the run is stopping");
      AttemptOutcome outcome = attempt(deadline);
      if (outcome.verdict == Verdict::delivered) return;
      if (outcome.cancelled) fail(subject + " was not sent: the run is stopping");
      if (outcome.verdict == Verdict::give_up)
        fail(subject + " was refused by " + target + ": " + outcome.what + outcome.why_given_up);
      std::string tried = " after " + std::to_string(n) + " attempt" + (n > 1 ? "s" : "") + " over " +
                          seconds_text(SteadyClock::now() - start);
      if (n > policy.retries)
        fail(subject + " could not be delivered to " + target + tried + ": last " + outcome.what +
             ". Check the server, or raise retries (now " + std::to_string(policy.retries) + ").");
      Millis wait = outcome.retry_after ? *outcome.retry_after : policy.wait_before(n, random);
      if (SteadyClock::now() + wait >= deadline)
        fail(subject + " could not be delivered to " + target + tried + ": last " + outcome.what +
             (outcome.retry_after ? "; the server asked to retry after " + seconds_text(wait) : "") +
             ", and the next attempt would pass max_elapsed_ms (" + std::to_string(policy.max_elapsed.count()) +
             ")");
      if (warn)
        warn(scrub(subject + " attempt " + std::to_string(n) + " of " + std::to_string(policy.retries + 1) +
                   " failed (" + outcome.what + "); retrying in " + std::to_string(wait.count()) + " ms"));
      if (!sleep_unless_cancelled(wait, cancelled))
        fail(subject + " was not sent: stopped waiting to retry, the run is stopping");
    }
  }

 private:
  [[noreturn]] void fail(const std::string& message) const { throw std::runtime_error(scrub(message)); }
};

}  // namespace aton::sdk
