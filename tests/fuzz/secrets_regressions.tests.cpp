// Replays the seed corpus and the kept inputs of the fuzz target for secrets
// through the same code the fuzzer runs (secrets_target.hpp).
#include "fuzz/replay.hpp"
#include "fuzz/secrets_target.hpp"

#include <catch2/catch.hpp>

using aton::fuzz::replay;

TEST_CASE("kept fuzz inputs for secrets show no value from the environment in any message", "[fuzz][secrets]") {
  CHECK(replay("regressions/secrets", aton::fuzz::secrets_one) + replay("corpus/secrets", aton::fuzz::secrets_one) > 0);
}
