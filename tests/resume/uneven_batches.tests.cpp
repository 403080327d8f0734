// Checkpoints do not rest on batch size == chunk size: a source that returns
// short, uneven batches (the C ABI allows any count from 1 to max_records)
// keeps a checkpoint after every chunk, and kill -9 then --resume gives the
// uninterrupted run's bytes (checkpoint_tracker.hpp).
#include "resume/kill_at_checkpoints.hpp"
#include "support/background_run.hpp"
#include "support/process.hpp"
#include "support/seed.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <string>

using namespace aton::test;
using namespace aton::test::resume;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kRecords = 3000;

// test_uneven (tests/plugins/test_uneven.c) reading users.jsonl in batches
// of 3, 1, 7, 2, 13, 40, 5 records, cycled: no batch end but the odd one
// meets a chunk end (chunks of 40).
std::string uneven_config() {
  return R"({"source": {"plugin": "test_uneven", "path": "users.jsonl", "batches": "3,1,7,2,13,40,5"},
 "encoder": {"chunk_size": 40, "sample_size": 200},
 "queue": {"capacity": 2},
 "checkpoint": {"interval": 0},
 "plugin_dirs": [")" ATON_TEST_PLUGIN_DIR R"("],
 "sinks": [{"plugin": "file", "path": "out/users.aton"}, {"plugin": "test_sink", "delay_ms": 3}]}
)";
}

}  // namespace

TEST_CASE("a source returning short uneven batches keeps a checkpoint after every chunk - kill -9 and --resume give the same bytes",
          "[resume][uneven]") {
  unsigned seed = aton::test::test_seed();  // ATON_TEST_SEED replays one
  INFO("seed " << seed);
  std::mt19937 random(seed);
  TempDir whole, killed;
  std::string input = records_jsonl(kRecords);
  whole.write("users.jsonl", input);
  killed.write("users.jsonl", input);
  auto whole_run = run_aton({"run", whole.write("pipeline.json", uneven_config()).string(), "--progress=none"});
  INFO(whole_run.err);
  REQUIRE(whole_run.exit_code == 0);
  std::string expected = read_file(whole / "out/users.aton");
  REQUIRE(expected.find("+(40):") != std::string::npos);

  auto config = killed.write("pipeline.json", uneven_config());
  // Chunk ends fall inside batches: each one must still get its checkpoint.
  CHECK(kill_at_checkpoints_then_finish(config, random, 4, 12, std::chrono::milliseconds(3)) >= 2);
  CHECK(read_file(killed / "out/users.aton") == expected);
  CHECK_FALSE(fs::exists(killed / "pipeline.json.checkpoint"));
}
