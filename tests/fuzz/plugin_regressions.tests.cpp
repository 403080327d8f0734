// Replays the seed corpus and the kept crash inputs of the fuzz targets for
// the csv reader, the json source's record reader and the config loader
// through the same code the fuzzers run (plugin_targets.hpp).
#include "fuzz/plugin_targets.hpp"
#include "fuzz/replay.hpp"

#include <catch2/catch.hpp>

using aton::fuzz::replay;

TEST_CASE("kept fuzz inputs for the csv reader read or fail cleanly", "[fuzz][csv]") {
  CHECK(replay("regressions/csv", aton::fuzz::csv_one) + replay("corpus/csv", aton::fuzz::csv_one) > 0);
}

TEST_CASE("kept fuzz inputs for the json record reader read as the core reads them or fail cleanly",
          "[fuzz][json]") {
  CHECK(replay("regressions/json_records", aton::fuzz::json_records_one) +
            replay("corpus/json_records", aton::fuzz::json_records_one) >
        0);
}

TEST_CASE("kept fuzz inputs for the config loader load or are refused cleanly", "[fuzz][config]") {
  CHECK(replay("regressions/config", aton::fuzz::config_one) + replay("corpus/config", aton::fuzz::config_one) > 0);
}
