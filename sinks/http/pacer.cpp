#include "pacer.hpp"

#include <algorithm>
#include <thread>

namespace aton::sinks {

Pacer::Pacer(double requests_per_minute, double tokens_per_minute) {
  auto now = Clock::now();
  if (requests_per_minute > 0)
    interval_ = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(60.0 / requests_per_minute));
  if (tokens_per_minute > 0) {
    tokens_per_ms_ = tokens_per_minute / 60'000.0;
    capacity_ = tokens_per_minute;
    bucket_ = capacity_;
  }
  bucket_at_ = next_start_ = paused_until_ = now;
}

Pacer::Clock::duration Pacer::try_take(std::int64_t tokens, Clock::time_point now) {
  Clock::duration wait{0};
  if (paused_until_ > now) wait = paused_until_ - now;
  if (interval_.count() > 0 && next_start_ > now) wait = std::max(wait, next_start_ - now);
  double need = 0;
  if (tokens_per_ms_ > 0) {
    double elapsed_ms = std::chrono::duration<double, std::milli>(now - bucket_at_).count();
    bucket_ = std::min(capacity_, bucket_ + elapsed_ms * tokens_per_ms_);
    bucket_at_ = now;
    need = std::min<double>(static_cast<double>(std::max<std::int64_t>(tokens, 0)), capacity_);
    if (bucket_ < need)
      wait = std::max(wait, std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double, std::milli>((need - bucket_) / tokens_per_ms_)));
  }
  if (wait.count() > 0) return wait;
  if (interval_.count() > 0) {
    // On schedule unless the pipe ran dry for a whole interval (or this is
    // the first request): then now.
    Clock::time_point slot = started_ && now - next_start_ < interval_ ? next_start_ : now;
    started_ = true;
    next_start_ = slot + interval_;
  }
  if (tokens_per_ms_ > 0) bucket_ -= static_cast<double>(std::max<std::int64_t>(tokens, 0));
  return Clock::duration{0};
}

bool Pacer::wait_turn(std::int64_t tokens, const std::function<bool()>& cancelled) {
  for (;;) {
    if (cancelled && cancelled()) return false;
    Clock::duration wait;
    {
      std::lock_guard lock(mutex_);
      wait = try_take(tokens, Clock::now());
    }
    if (wait.count() == 0) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(wait, aton::sdk::Millis(50)));
  }
}

void Pacer::pause_for(aton::sdk::Millis wait) {
  std::lock_guard lock(mutex_);
  paused_until_ = std::max(paused_until_, Clock::now() + wait);
}

}  // namespace aton::sinks
