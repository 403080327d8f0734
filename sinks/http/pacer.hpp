// Pacing for the whole http sink: every request of every worker asks the
// one Pacer for its turn, so the limits hold across `concurrency`.
//
// - requests_per_minute: request starts are spaced 60 s / rpm apart. A
//   start a little late (the sleep overshot) keeps the schedule, so the
//   long-run rate is the configured one, not a little less.
// - tokens_per_minute: a bucket holding one minute of tokens, refilled
//   continuously; a request takes its chunk's tokens (one bigger than the
//   bucket waits for a full bucket and leaves it in debt).
// - pause_for(): a server's 429 (Retry-After, x-ratelimit-reset-*) holds
//   back every worker's next request, not only the one that was told.
// Waits poll `cancelled` every 50 ms at most. Thread-safe.
#pragma once

#include <aton/retry.hpp>

#include <cstdint>
#include <functional>
#include <mutex>

namespace aton::sinks {

class Pacer {
 public:
  // 0 for a limit: none.
  Pacer(double requests_per_minute, double tokens_per_minute);

  // Waits for the turn of a request of `tokens` tokens; false when
  // `cancelled` said stop first.
  bool wait_turn(std::int64_t tokens, const std::function<bool()>& cancelled);
  // No request starts before `wait` from now.
  void pause_for(aton::sdk::Millis wait);

 private:
  using Clock = aton::sdk::SteadyClock;
  // How long until a request of `tokens` may start (0: now, and it is
  // booked). Under the lock.
  Clock::duration try_take(std::int64_t tokens, Clock::time_point now);

  std::mutex mutex_;
  Clock::duration interval_{0};  // between request starts; 0: no limit
  double tokens_per_ms_ = 0;     // refill; 0: no limit
  double capacity_ = 0;          // a minute of tokens
  double bucket_ = 0;
  Clock::time_point bucket_at_;
  Clock::time_point next_start_;
  bool started_ = false;
  Clock::time_point paused_until_;
};

}  // namespace aton::sinks
