// One run at a time per checkpoint (issue 12, item 5): a second run, or a
// --resume while the first run is alive, is refused at once naming the
// holder's pid, and the first run goes on unharmed.
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

TEST_CASE("a second run or a resume while a run holds the checkpoint refuses at once naming the holder's pid",
          "[edges][resume]") {
  TempDir dir;
  dir.write("users.json", records_json(kRecords));
  // The first run waits in the middle (chunk 20) while the file "gate" exists.
  const std::string sinks = R"({"plugin": "file", "path": "out/users.aton"},
                               {"plugin": "test_sink", "log": "test_sink.log", "hold_while": "gate", "hold_at": 20})";
  auto config = dir.write("pipeline.json", config_json(sinks));
  dir.write("gate", "");
  BackgroundRun first({"run", config.string(), "--progress=none"}, dir / "first");
  REQUIRE(wait_until([&] { return fs::exists(dir / "test_sink.log") &&
                                  read_file(dir / "test_sink.log").find("holding") != std::string::npos; },
                     first));
  REQUIRE(checkpoint_next_chunk(dir / "pipeline.json.checkpoint").has_value());

  for (bool resume : {false, true}) {
    std::vector<std::string> args{"run", config.string(), "--progress=none"};
    if (resume) args.push_back("--resume");
    auto second = run_aton(args);
    INFO((resume ? "--resume: " : "second run: ") << second.err);
    CHECK(second.exit_code == 3);
    CHECK_THAT(second.err, Catch::Contains("pid " + std::to_string(first.pid())));
  }
  REQUIRE(first.running());  // held at chunk 20 all along: the refusals were made while it ran
  fs::remove(dir / "gate");
  INFO(first.err());
  REQUIRE(first.wait() == 0);
  CHECK(read_file(dir / "out/users.aton") == uninterrupted_output(R"({"plugin": "file", "path": "out/users.aton"})"));
  CHECK(names_in(dir / "out") == std::vector<std::string>{"users.aton"});
  CHECK_FALSE(fs::exists(dir / "pipeline.json.checkpoint"));
  CHECK_FALSE(fs::exists(dir / "pipeline.json.checkpoint.lock"));
}
