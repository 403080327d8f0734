#include <aton/host/flush_clock.hpp>

namespace aton::host {

void FlushClock::first_batch(const aton_source_position& at) {
  if (configured_) {
    if (configured_->count() > 0) interval_ = configured_;
    return;
  }
  if (at.total_records < 0 && at.total_bytes < 0) interval_ = kDefaultFlushInterval;
}

void FlushClock::after_batch(std::size_t pending, bool emitted, Clock::time_point now) {
  if (!interval_ || pending == 0) {
    deadline_.reset();
    return;
  }
  if (!deadline_ || emitted) deadline_ = now + *interval_;
}

}  // namespace aton::host
