// The bounded queue between pipeline stages: blocking, close, cancel, and
// many threads at once. No sleeps: tests wait on the queue's own counters.
// Catch2 v2 is not thread-safe: the worker threads only record what they
// saw, and the test asserts on it from its own thread once they are joined.
// A REQUIRE that fails while they run cancels the queue (so none stays
// blocked) before std::jthread joins them.
#include <aton/host/bounded_queue.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <thread>
#include <tuple>
#include <vector>

using aton::host::BoundedQueue;
using aton::host::QueueStats;
using namespace std::chrono_literals;

namespace {

// Cancels the queues when the test's scope ends, however it ends; declared
// after the threads, so it runs before they are joined.
template <typename... Queue>
struct CancelAtEnd {
  explicit CancelAtEnd(Queue&... queues) : queues_(queues...) {}
  ~CancelAtEnd() {
    std::apply([](auto&... q) { (q.cancel(), ...); }, queues_);
  }
  std::tuple<Queue&...> queues_;
};

}  // namespace

TEST_CASE("a full queue blocks the producer until a consumer pops", "[queue]") {
  BoundedQueue<int> q(2);
  REQUIRE(q.push(1));
  REQUIRE(q.push(2));
  std::atomic<bool> third_pushed{false};
  std::atomic<bool> push_result{false};
  std::jthread producer([&] {
    push_result = q.push(3);
    third_pushed = true;
  });
  CancelAtEnd cancel(q);
  REQUIRE(q.wait_until([](const QueueStats& s) { return s.waiting_producers == 1; }, 10s));
  CHECK_FALSE(third_pushed.load());
  CHECK(q.stats().size == 2);
  CHECK(q.pop() == 1);
  producer.join();
  CHECK(third_pushed.load());
  CHECK(push_result.load());
  QueueStats s = q.stats();
  CHECK(s.producer_waits == 1);
  CHECK(s.max_occupancy == 2);
  CHECK(q.pop() == 2);
  CHECK(q.pop() == 3);
}

TEST_CASE("an empty queue blocks the consumer until an item arrives", "[queue]") {
  BoundedQueue<std::string> q(1);
  std::optional<std::string> got;
  std::jthread consumer([&] { got = q.pop(); });
  CancelAtEnd cancel(q);
  REQUIRE(q.wait_until([](const QueueStats& s) { return s.waiting_consumers == 1; }, 10s));
  REQUIRE(q.push("hello"));
  consumer.join();
  CHECK(got == "hello");
  CHECK(q.stats().consumer_waits == 1);
}

TEST_CASE("close lets consumers drain what is queued then ends the stream", "[queue]") {
  BoundedQueue<int> q(3);
  REQUIRE(q.push(1));
  REQUIRE(q.push(2));
  q.close();
  CHECK_FALSE(q.push(3));
  CHECK(q.pop() == 1);
  CHECK(q.pop() == 2);
  CHECK_FALSE(q.pop().has_value());
  CHECK_FALSE(q.pop().has_value());

  SECTION("a consumer blocked on an empty queue wakes at close") {
    BoundedQueue<int> empty(1);
    std::optional<int> got = 7;
    std::jthread consumer([&] { got = empty.pop(); });
    CancelAtEnd cancel(empty);
    REQUIRE(empty.wait_until([](const QueueStats& s) { return s.waiting_consumers == 1; }, 10s));
    empty.close();
    consumer.join();
    CHECK_FALSE(got.has_value());
  }
}

TEST_CASE("cancel wakes blocked producers and consumers at once and drops the items", "[queue]") {
  BoundedQueue<int> full(1), empty(1);
  REQUIRE(full.push(1));
  std::atomic<int> push_result{-1};
  std::atomic<int> pop_empty{-1};
  std::jthread producer([&] { push_result = full.push(2) ? 1 : 0; });
  std::jthread consumer([&] { pop_empty = empty.pop().has_value() ? 1 : 0; });
  CancelAtEnd cancel(full, empty);
  REQUIRE(full.wait_until([](const QueueStats& s) { return s.waiting_producers == 1; }, 10s));
  REQUIRE(empty.wait_until([](const QueueStats& s) { return s.waiting_consumers == 1; }, 10s));
  full.cancel();
  empty.cancel();
  producer.join();
  consumer.join();
  CHECK(push_result == 0);
  CHECK(pop_empty == 0);
  CHECK(full.cancelled());
  CHECK_FALSE(full.pop().has_value());  // the queued item was dropped
  CHECK_FALSE(full.push(3));
  full.cancel();  // idempotent
}

TEST_CASE("many producers and consumers pass every item exactly once within capacity", "[queue]") {
  constexpr int kProducers = 4, kConsumers = 3, kPerProducer = 2000;
  BoundedQueue<int> q(3);
  std::vector<std::vector<int>> received(kConsumers);
  std::atomic<int> refused_pushes{0};
  std::vector<std::jthread> threads;
  for (int c = 0; c < kConsumers; ++c)
    threads.emplace_back([&, c] {
      while (auto v = q.pop()) received[c].push_back(*v);
    });
  std::vector<std::jthread> producers;
  for (int p = 0; p < kProducers; ++p)
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i)
        if (!q.push(p * kPerProducer + i)) ++refused_pushes;
    });
  CancelAtEnd cancel(q);
  for (auto& t : producers) t.join();
  q.close();
  for (auto& t : threads) t.join();
  CHECK(refused_pushes == 0);

  std::vector<int> all;
  for (const auto& r : received) {
    // Each consumer sees each producer's items in the order they were pushed.
    for (int p = 0; p < kProducers; ++p) {
      std::vector<int> mine;
      for (int v : r)
        if (v / kPerProducer == p) mine.push_back(v);
      CHECK(std::is_sorted(mine.begin(), mine.end()));
    }
    all.insert(all.end(), r.begin(), r.end());
  }
  std::sort(all.begin(), all.end());
  REQUIRE(all.size() == static_cast<std::size_t>(kProducers * kPerProducer));
  for (int i = 0; i < kProducers * kPerProducer; ++i) REQUIRE(all[static_cast<std::size_t>(i)] == i);
  QueueStats s = q.stats();
  CHECK(s.max_occupancy <= 3);
  CHECK(s.pushed == s.popped);
}

TEST_CASE("producers with no consumer complete exactly capacity pushes then one per pop", "[queue]") {
  // The oracle is what the producers observe (pushes that returned), not
  // the queue's own counters; those only tell when everyone is blocked.
  constexpr int kProducers = 3, kCapacity = 4;
  BoundedQueue<int> q(kCapacity);
  std::atomic<int> returned{0};
  std::vector<std::jthread> producers;
  for (int p = 0; p < kProducers; ++p)
    producers.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (!q.push(i)) return;
        ++returned;
      }
    });
  CancelAtEnd cancel(q);
  // Every producer blocked again after the n-th push: the one that made
  // it has counted it and come back for the next.
  auto blocked_after = [](std::size_t n) {
    return [n](const QueueStats& s) { return s.pushed == n && s.waiting_producers == std::size_t{kProducers}; };
  };
  REQUIRE(q.wait_until(blocked_after(std::size_t{kCapacity}), 10s));
  CHECK(returned == kCapacity);
  for (int popped = 1; popped <= 5; ++popped) {
    REQUIRE(q.pop().has_value());
    REQUIRE(q.wait_until(blocked_after(std::size_t{kCapacity} + static_cast<std::size_t>(popped)), 10s));
    CHECK(returned == kCapacity + popped);
  }
}

TEST_CASE("a queue of capacity zero is refused", "[queue]") {
  CHECK_THROWS_AS(BoundedQueue<int>(0), std::invalid_argument);
}
