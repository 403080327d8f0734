// The stdout sink, run by the real `aton run`.
#include "sinks/sink_test_helpers.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

using namespace aton::test;
using namespace aton::test::sinks;

TEST_CASE("the stdout sink writes the chunks joined by newlines and they decode to the input",
          "[sinks][stdout]") {
  TempDir dir;
  std::string input = users_json(250);
  dir.write("users.json", input);
  auto config = dir.write("pipeline.json", pipeline_json(R"([{"plugin": "stdout"}])"));
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.back() != '\n');
  CHECK_THAT(run.out, Catch::Contains("\nusers+("));  // more than one chunk
  require_decodes_to(run.out, input);
}

TEST_CASE("newline_at_end ends the stdout output with a newline", "[sinks][stdout]") {
  TempDir dir;
  std::string input = users_json(20);
  dir.write("users.json", input);
  auto config = dir.write("pipeline.json", pipeline_json(R"([{"plugin": "stdout", "newline_at_end": true}])"));
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  REQUIRE(run.out.back() == '\n');
  require_decodes_to(run.out, input);
}

TEST_CASE("a reader that closes stdout early ends the run with a clear message not a crash",
          "[sinks][stdout]") {
  TempDir dir;
  // Far more output than a pipe holds, so aton is still writing when the
  // reader goes away.
  dir.write("users.json", users_json(30'000));
  auto config = dir.write("pipeline.json", pipeline_json(R"([{"plugin": "stdout"}])", 10));
  auto run = run_process({"bash", "-c", R"("$0" run "$1" | head -c 100 > /dev/null; exit "${PIPESTATUS[0]}")",
                          ATON_BINARY, config.string()});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK(run.exit_code != 128 + 13);  // not killed by SIGPIPE
  CHECK_THAT(run.err, Catch::Contains("stdout closed by the reader"));
}
