// Replays every input kept under tests/fuzz/regressions/<target>/ (crashes
// the fuzzers found, and fixed) through the same code the fuzzers run.
#include "fuzz/core_targets.hpp"
#include "fuzz/replay.hpp"

#include <catch2/catch.hpp>

using aton::fuzz::replay;

TEST_CASE("kept fuzz inputs for the decoder decode or fail cleanly and what decodes round-trips",
          "[fuzz][decoder]") {
  CHECK(replay("regressions/decode", aton::fuzz::decode_one) + replay("corpus/decode", aton::fuzz::decode_one) > 0);
}

TEST_CASE("kept fuzz inputs for JSON records round-trip through ATON", "[fuzz][roundtrip]") {
  CHECK(replay("regressions/roundtrip", aton::fuzz::roundtrip_one) + replay("corpus/roundtrip", aton::fuzz::roundtrip_one) > 0);
}
