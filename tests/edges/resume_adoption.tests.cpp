// A resumed run continues only the very file the interrupted run wrote
// (issue 12, item 3): a symlink or another file put in place of the file
// sink's temporary file is refused and left alone.
#include "edges/checkpoint_runs.hpp"
#include "support/background_run.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace aton::test;
using namespace aton::test::edges;
using namespace aton::test::resume;
namespace fs = std::filesystem;

TEST_CASE("resume refuses a symlink planted in place of the file sink's temporary file and leaves its victim untouched",
          "[edges][resume][security]") {
  TempDir dir;
  dir.write("users.json", records_json(kRecords));
  dir.write("victim.txt", "precious, and much longer than any partial output could be cut back to");
  auto config = dir.write("pipeline.json", config_json(kSlowFileSinks));
  kill_after_checkpoint(config, 5);
  auto state = sink_state(dir / "pipeline.json.checkpoint", 0);
  fs::path temp = state["temp"].GetString();
  REQUIRE(fs::is_regular_file(temp));

  // Called in each section, so that every section asserts (NoAssertions).
  auto check_refused = [&] {
    auto resumed = run_aton({"run", config.string(), "--resume", "--progress=none"});
    INFO(resumed.err);
    CHECK(resumed.exit_code == 3);
    CHECK_THAT(resumed.err, Catch::Contains(temp.string()) && Catch::Contains("not the file"));
    CHECK(read_file(dir / "victim.txt") == "precious, and much longer than any partial output could be cut back to");
    CHECK_FALSE(fs::exists(dir / "out/users.aton"));
    CHECK_FALSE(fs::is_symlink(dir / "out/users.aton"));
  };
  SECTION("a symlink to another file") {
    fs::remove(temp);
    fs::create_symlink(dir / "victim.txt", temp);
    check_refused();
  }
  SECTION("another regular file under the same name") {
    std::string partial = read_file(temp);
    fs::remove(temp);
    dir.write(fs::relative(temp, dir.path()).string(), partial + "and more");
    check_refused();
  }
}
