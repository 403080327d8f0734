// A bounded blocking queue between two pipeline stages.
//
// Contract:
// - push() blocks while the queue holds `capacity` items; pop() blocks while
//   it is empty and still open. This is the pipeline's backpressure: a slow
//   consumer holds its producer back, so a queue never holds more than
//   `capacity` items, whatever the input size.
// - close() ends the stream: pop() drains what is left, then returns nothing.
//   Pushing after close() is refused (returns false).
// - cancel() stops both sides at once: blocked and future push() return
//   false, pop() returns nothing, queued items are dropped. Idempotent.
// - Any number of threads may push and pop; every method is thread-safe.
// - stats() are counters a test or a progress report can read at any time;
//   wait_until() blocks until the counters satisfy a predicate, so tests
//   wait on events instead of sleeping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

namespace aton::host {

struct QueueStats {
  std::size_t capacity = 0;
  std::size_t size = 0;            // items queued now
  std::size_t max_occupancy = 0;   // the most items ever queued at once
  std::size_t pushed = 0;          // items accepted
  std::size_t popped = 0;          // items handed out
  std::size_t producer_waits = 0;  // times a push() found the queue full and waited
  std::size_t consumer_waits = 0;  // times a pop() found it empty and waited
  std::size_t waiting_producers = 0;  // threads blocked in push() now
  std::size_t waiting_consumers = 0;  // threads blocked in pop() now
  bool closed = false;
  bool cancelled = false;
};

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) {
    if (capacity == 0) throw std::invalid_argument("a queue's capacity must be at least 1");
    stats_.capacity = capacity;
  }
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  // Adds `item`, waiting while the queue is full. False when the queue was
  // closed or cancelled (the item is dropped).
  bool push(T item) {
    std::unique_lock lock(mutex_);
    if (items_.size() >= stats_.capacity && !stats_.closed && !stats_.cancelled) {
      ++stats_.producer_waits;
      ++stats_.waiting_producers;
      changed_.notify_all();
      not_full_.wait(lock, [&] {
        return items_.size() < stats_.capacity || stats_.closed || stats_.cancelled;
      });
      --stats_.waiting_producers;
    }
    if (stats_.closed || stats_.cancelled) return false;
    items_.push_back(std::move(item));
    ++stats_.pushed;
    if (items_.size() > stats_.max_occupancy) stats_.max_occupancy = items_.size();
    not_empty_.notify_one();
    changed_.notify_all();
    return true;
  }

  // The oldest item, waiting while the queue is empty and open. Nothing at
  // the end of the stream (closed and drained) or when cancelled.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    if (items_.empty() && !stats_.closed && !stats_.cancelled) {
      ++stats_.consumer_waits;
      ++stats_.waiting_consumers;
      changed_.notify_all();
      not_empty_.wait(lock, [&] { return !items_.empty() || stats_.closed || stats_.cancelled; });
      --stats_.waiting_consumers;
    }
    if (stats_.cancelled || items_.empty()) return std::nullopt;
    return take(lock);
  }

  // pop(), waiting no later than `deadline`. Nothing then too, with
  // *timed_out set (the queue still open and empty), so that a consumer can
  // act on time passing (the encoder's flush interval).
  std::optional<T> pop_until(std::chrono::steady_clock::time_point deadline, bool& timed_out) {
    std::unique_lock lock(mutex_);
    timed_out = false;
    if (items_.empty() && !stats_.closed && !stats_.cancelled) {
      ++stats_.consumer_waits;
      ++stats_.waiting_consumers;
      changed_.notify_all();
      timed_out = !not_empty_.wait_until(lock, deadline,
                                         [&] { return !items_.empty() || stats_.closed || stats_.cancelled; });
      --stats_.waiting_consumers;
    }
    if (stats_.cancelled || items_.empty()) return std::nullopt;
    return take(lock);
  }

  // No more items will come; consumers drain what is queued.
  void close() {
    std::lock_guard lock(mutex_);
    stats_.closed = true;
    wake_all();
  }

  // Stops both sides now and drops what is queued.
  void cancel() {
    std::deque<T> dropped;
    {
      std::lock_guard lock(mutex_);
      stats_.cancelled = true;
      dropped.swap(items_);
      wake_all();
    }
    // `dropped` is destroyed outside the lock: items may be large.
  }

  bool cancelled() const {
    std::lock_guard lock(mutex_);
    return stats_.cancelled;
  }

  QueueStats stats() const {
    std::lock_guard lock(mutex_);
    QueueStats s = stats_;
    s.size = items_.size();
    return s;
  }

  // Waits until pred(stats()) holds or `timeout` passes; returns pred's last
  // value. For tests and watchers: no polling, no sleeps.
  template <class Pred>
  bool wait_until(Pred pred, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      QueueStats s = stats_;
      s.size = items_.size();
      return pred(s);
    });
  }

 private:
  std::optional<T> take(std::unique_lock<std::mutex>&) {
    std::optional<T> item(std::move(items_.front()));
    items_.pop_front();
    ++stats_.popped;
    not_full_.notify_one();
    changed_.notify_all();
    return item;
  }

  void wake_all() {
    not_full_.notify_all();
    not_empty_.notify_all();
    changed_.notify_all();
  }

  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  mutable std::condition_variable changed_;
  std::deque<T> items_;
  QueueStats stats_;
};

}  // namespace aton::host
