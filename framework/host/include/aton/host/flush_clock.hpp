// When the pipeline's encoder stage stops waiting for more records and
// emits what it holds (encoder.flush_interval). One job: keep the deadline;
// the encoder (IncrementalEncoder::release/flush) does the emitting.
//
// - An interval applies when the config gives one (> 0), or, with none
//   given, when the source cannot say how much input there is: its first
//   batch's position has neither total_records nor total_bytes (a pipe,
//   stdin, a socket, a followed file). The default is then
//   kDefaultFlushInterval. A file of known size gets none, so a file run
//   makes exactly the chunks, and runs exactly as fast, as without this.
// - With an interval (streaming()), the encoder stage releases each chunk as
//   it completes rather than holding it back until the next record shows
//   whether it is the last; a stream that then ends gets the empty closing
//   chunk (docs/FORMAT.md).
// - The deadline is the time the oldest record not yet in any emitted chunk
//   arrived, plus the interval: a chunk that has records and has not filled
//   by then is emitted short, and a sample that has not reached sample_size
//   closes. No pending record: no deadline, so an idle stream costs nothing.
// Used by the encoder thread only; not thread-safe.
#pragma once

#include <aton/plugin.h>

#include <chrono>
#include <cstddef>
#include <optional>

namespace aton::host {

inline constexpr std::chrono::milliseconds kDefaultFlushInterval{1000};

class FlushClock {
 public:
  using Clock = std::chrono::steady_clock;

  // `configured`: encoder.flush_interval, nothing when the config gives none.
  explicit FlushClock(std::optional<std::chrono::milliseconds> configured) : configured_(configured) {}

  // The first batch's position decides the default.
  void first_batch(const aton_source_position& at);
  bool streaming() const noexcept { return interval_.has_value(); }
  std::optional<std::chrono::milliseconds> interval() const noexcept { return interval_; }

  // After a batch was encoded at `now`: `pending` records are in no emitted
  // chunk; `emitted` says whether a chunk went out meanwhile (the pending
  // records then began in this batch).
  void after_batch(std::size_t pending, bool emitted, Clock::time_point now);
  // After a flush: nothing is pending.
  void flushed() noexcept { deadline_.reset(); }
  std::optional<Clock::time_point> deadline() const noexcept { return deadline_; }

 private:
  std::optional<std::chrono::milliseconds> configured_;
  std::optional<std::chrono::milliseconds> interval_;
  std::optional<Clock::time_point> deadline_;
};

}  // namespace aton::host
