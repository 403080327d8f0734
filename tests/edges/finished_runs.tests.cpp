// A finished run is recognisable (issue 12, item 6): a stop between the
// file sink's final rename and the checkpoint's removal leaves a finishing
// checkpoint; --resume of it completes nothing more and exits 0, and
// `mode: append` never appends twice.
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

// The file sink renames its output into place while the test sink holds its
// finish() (it waits while the file "gate" exists): the run is then killed,
// or signalled, in the window between the final rename and the checkpoint's
// removal, observed through the file system, not guessed with a delay.
TEST_CASE("a run stopped after its output was renamed into place resumes to exit 0 without appending twice",
          "[edges][resume]") {
  const std::string existing = "the file's earlier content";
  const std::string sinks = R"({"plugin": "file", "path": "out/users.aton", "mode": "append"},
                               {"plugin": "test_sink", "log": "test_sink.log", "hold_while": "gate"})";
  const std::string expected = uninterrupted_output(sinks, existing);
  REQUIRE(expected.rfind(existing + "\n", 0) == 0);

  TempDir dir;
  dir.write("users.json", records_json(kRecords));
  dir.write("out/users.aton", existing);
  dir.write("gate", "");
  auto config = dir.write("pipeline.json", config_json(sinks));
  auto checkpoint = dir / "pipeline.json.checkpoint";
  BackgroundRun run({"run", config.string(), "--progress=none"}, dir / "first");
  auto renamed_and_holding = [&] {
    bool holding = fs::exists(dir / "test_sink.log") &&
                   read_file(dir / "test_sink.log").find("finishing") != std::string::npos;
    return holding && names_in(dir / "out") == std::vector<std::string>{"users.aton"} &&
           read_file(dir / "out/users.aton") == expected;
  };
  REQUIRE(wait_until(renamed_and_holding, run));
  REQUIRE(fs::exists(checkpoint));

  SECTION("killed: --resume completes nothing more and exits 0") {
    REQUIRE(run.send(SIGKILL));
    REQUIRE(run.wait() == 128 + SIGKILL);
    fs::remove(dir / "gate");
    auto resumed = run_aton({"run", config.string(), "--resume", "--progress=none"});
    INFO(resumed.err);
    CHECK(resumed.exit_code == 0);
    CHECK(read_file(dir / "out/users.aton") == expected);
    CHECK_FALSE(fs::exists(checkpoint));
  }
  SECTION("killed, and the output found back under its temporary name: --resume renames it") {
    REQUIRE(run.send(SIGKILL));
    REQUIRE(run.wait() == 128 + SIGKILL);
    fs::remove(dir / "gate");
    // The state a kill just before the rename leaves: the same file, not yet renamed.
    fs::path temp = sink_state(checkpoint, 0)["temp"].GetString();
    fs::rename(dir / "out/users.aton", temp);
    auto resumed = run_aton({"run", config.string(), "--resume", "--progress=none"});
    INFO(resumed.err);
    CHECK(resumed.exit_code == 0);
    CHECK(read_file(dir / "out/users.aton") == expected);
    CHECK(names_in(dir / "out") == std::vector<std::string>{"users.aton"});
    CHECK_FALSE(fs::exists(checkpoint));
  }
  SECTION("SIGTERM: the output is complete and the run says so") {
    REQUIRE(run.send(SIGTERM));
    auto code = run.wait();
    INFO(run.err());
    CHECK(code == 0);
    CHECK_THAT(run.err(), !Catch::Contains("--resume"));
    CHECK(read_file(dir / "out/users.aton") == expected);
    CHECK_FALSE(fs::exists(checkpoint));
  }
}
