// The file sink's `fsync: true` promise (issue 12, item 26), observed from
// outside: the real `aton run` with a library preloaded that records every
// fsync() and the path its descriptor names (tests/support/fsync_counter.c).
// Skipping the fsync in the sink makes these tests fail.
#include "sinks/sink_test_helpers.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

using namespace aton::test;
using namespace aton::test::sinks;
namespace fs = std::filesystem;

namespace {

// Runs `config` with the fsync counter preloaded; returns the paths fsynced.
std::vector<std::string> fsynced_paths(const TempDir& dir, const fs::path& config) {
  ProcessOptions options;
  options.env["LD_PRELOAD"] = ATON_TEST_FSYNC_COUNTER;
  options.env["ATON_FSYNC_LOG"] = (dir / "fsync.log").string();
  // A --sanitize build: the counter is loaded before the sanitizer's runtime.
  const char* asan = std::getenv("ASAN_OPTIONS");
  options.env["ASAN_OPTIONS"] = std::string(asan ? asan : "") + (asan && *asan ? ":" : "") + "verify_asan_link_order=0";
  auto run = run_aton({"run", config.string()}, options);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::vector<std::string> paths;
  if (!fs::exists(dir / "fsync.log")) return paths;
  std::istringstream lines(read_file(dir / "fsync.log"));
  for (std::string line; std::getline(lines, line);) paths.push_back(line.substr(line.find(' ') + 1));
  return paths;
}

std::size_t count_if_starts(const std::vector<std::string>& paths, const std::string& prefix) {
  return static_cast<std::size_t>(
      std::count_if(paths.begin(), paths.end(), [&](const std::string& p) { return p.rfind(prefix, 0) == 0; }));
}

}  // namespace

TEST_CASE("the file sink with fsync true syncs its file and folder before the rename and without it syncs nothing",
          "[edges][sinks][file][fsync]") {
  TempDir dir;
  std::string input = users_json(250);
  dir.write("users.json", input);
  const std::string no_checkpoint = R"("checkpoint": {"enabled": false})";
  SECTION("fsync true") {
    auto config = dir.write("pipeline.json", pipeline_json(R"([{"plugin": "file", "path": "out/users.aton", "fsync": true}])",
                                                           100, "users.json", no_checkpoint));
    auto paths = fsynced_paths(dir, config);
    INFO(Catch::rangeToString(paths));
    // The data while it is still the temporary file, then the folder after the rename.
    CHECK(count_if_starts(paths, (dir / "out/.users.aton.tmp-").string()) == 1);
    CHECK(std::count(paths.begin(), paths.end(), (dir / "out").string()) == 1);
    require_decodes_to(read_file(dir / "out/users.aton"), input);
  }
  SECTION("fsync true with per_chunk: every part") {
    auto config = dir.write("pipeline.json", pipeline_json(
        R"([{"plugin": "file", "per_chunk": "parts/p-{chunk_id}.aton", "fsync": true}])", 100, "users.json",
        no_checkpoint));
    auto paths = fsynced_paths(dir, config);
    INFO(Catch::rangeToString(paths));
    CHECK(count_if_starts(paths, (dir / "parts/.p-").string()) == 3);  // 250 records: 3 parts
    CHECK(std::count(paths.begin(), paths.end(), (dir / "parts").string()) == 3);
  }
  SECTION("fsync false") {
    auto config = dir.write("pipeline.json", pipeline_json(R"([{"plugin": "file", "path": "out/users.aton"}])", 100,
                                                           "users.json", no_checkpoint));
    CHECK(fsynced_paths(dir, config).empty());
  }
}
