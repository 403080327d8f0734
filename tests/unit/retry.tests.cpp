// The SDK's retry engine (aton/retry.hpp), which every network sink uses:
// its defaults, waits, header parsing and bounds, without a network.
#include <aton/retry.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

using namespace aton::sdk;

TEST_CASE("the retry defaults are the ones the options table declares", "[retry]") {
  const aton_option options[] = {ATON_RETRY_OPTIONS};
  RetryPolicy from_empty = RetryPolicy::from(Config("{}"));
  RetryPolicy plain;
  auto default_of = [&](std::string_view name) {
    for (const auto& o : options)
      if (name == o.name) return std::stoll(o.default_json);
    FAIL("no option " << name);
    return 0LL;
  };
  for (const RetryPolicy& p : {from_empty, plain}) {
    CHECK(p.retries == default_of("retries"));
    CHECK(p.backoff.count() == default_of("backoff_ms"));
    CHECK(p.max_backoff.count() == default_of("max_backoff_ms"));
    CHECK(p.max_elapsed.count() == default_of("max_elapsed_ms"));
  }
  CHECK(plain.max_elapsed == std::chrono::seconds(120));
  RetryPolicy given = RetryPolicy::from(Config(R"({"retries": 2, "max_elapsed_ms": 900})"));
  CHECK(given.retries == 2);
  CHECK(given.max_elapsed == Millis(900));
}

TEST_CASE("retry waits double with equal jitter up to the cap", "[retry]") {
  RetryPolicy p;
  p.backoff = Millis(100);
  p.max_backoff = Millis(1000);
  std::mt19937_64 random(7);
  for (int i = 0; i < 50; ++i) {
    Millis first = p.wait_before(1, random), third = p.wait_before(3, random), tenth = p.wait_before(10, random);
    CHECK((first >= Millis(50) && first <= Millis(100)));
    CHECK((third >= Millis(200) && third <= Millis(400)));
    CHECK((tenth >= Millis(500) && tenth <= Millis(1000)));
  }
}

TEST_CASE("Retry-After and rate-limit reset headers are read in their forms", "[retry]") {
  CHECK(parse_retry_after(" 7 ", 0) == Millis(7000));
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111767) == Millis(10'000));
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111787) == Millis(0));  // in the past
  CHECK(parse_retry_after("99999999", 0) == Millis(86'400'000));
  CHECK_FALSE(parse_retry_after("soon", 0));
  CHECK_FALSE(parse_retry_after("-3", 0));
  CHECK(parse_duration("1s") == Millis(1000));
  CHECK(parse_duration("6m0s") == Millis(360'000));
  CHECK(parse_duration("20ms") == Millis(20));
  CHECK(parse_duration("1m30.5s") == Millis(90'500));
  CHECK(parse_duration("2.5") == Millis(2500));
  CHECK_FALSE(parse_duration("x"));
  CHECK_FALSE(parse_duration("5q"));
}

TEST_CASE("the retry engine counts attempts honours Retry-After and gives up within its bounds", "[retry]") {
  Retrier retrier;
  retrier.policy.retries = 3;
  retrier.policy.backoff = Millis(1);
  retrier.policy.max_backoff = Millis(2);
  std::mt19937_64 random(1);
  int attempts = 0;

  SECTION("delivered on the third attempt") {
    retrier.run("chunk 0", "http://h/", random, [&](SteadyClock::time_point) {
      AttemptOutcome o;
      o.verdict = ++attempts < 3 ? Verdict::retry : Verdict::delivered;
      o.what = "HTTP 503";
      return o;
    });
    CHECK(attempts == 3);
  }
  SECTION("exhausted retries name the attempts and the last answer") {
    auto always_503 = [&](SteadyClock::time_point) {
      ++attempts;
      return AttemptOutcome{Verdict::retry, false, "HTTP 503", "", std::nullopt};
    };
    CHECK_THROWS_WITH(retrier.run("chunk 4", "http://h/", random, always_503),
                      Catch::Contains("chunk 4 could not be delivered to http://h/ after 4 attempts") &&
                          Catch::Contains("raise retries (now 3)"));
    CHECK(attempts == 4);
  }
  SECTION("a Retry-After past max_elapsed_ms fails without waiting") {
    retrier.policy.max_elapsed = Millis(5000);
    auto start = SteadyClock::now();
    CHECK_THROWS_WITH(retrier.run("chunk 1", "u", random, [&](SteadyClock::time_point) {
      ++attempts;
      return AttemptOutcome{Verdict::retry, false, "HTTP 429", "", Millis(3'600'000)};
    }), Catch::Contains("retry after 3600") && Catch::Contains("max_elapsed_ms (5000)"));
    CHECK(attempts == 1);
    CHECK(SteadyClock::now() - start < std::chrono::seconds(1));
  }
  SECTION("a give_up answer is not retried and the text is scrubbed") {
    retrier.scrub = [](std::string s) {
      auto at = s.find("tok3n");
      if (at != std::string::npos) s.replace(at, 5, "***");
      return s;
    };
    CHECK_THROWS_WITH(retrier.run("chunk 2", "u", random, [&](SteadyClock::time_point) {
      ++attempts;
      return AttemptOutcome{Verdict::give_up, false, "HTTP 401 tok3n", " (not retried)", std::nullopt};
    }), "chunk 2 was refused by u: HTTP 401 *** (not retried)");
    CHECK(attempts == 1);
  }
  SECTION("a cancelled run ends a long wait within a second") {
    std::atomic<bool> stop{false};
    retrier.cancelled = [&] { return stop.load(); };
    retrier.policy.max_elapsed = Millis(600'000);
    std::thread stopper([&] {
      std::this_thread::sleep_for(Millis(100));
      stop = true;
    });
    auto start = SteadyClock::now();
    CHECK_THROWS_WITH(retrier.run("chunk 3", "u", random, [&](SteadyClock::time_point) {
      return AttemptOutcome{Verdict::retry, false, "HTTP 503", "", Millis(300'000)};
    }), Catch::Contains("the run is stopping"));
    stopper.join();
    CHECK(SteadyClock::now() - start < std::chrono::seconds(2));
  }
}
