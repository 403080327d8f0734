// Issue 13 items 1 and 4, through the real `aton run`: a run following a
// file ends within a second of SIGTERM with a checkpoint it resumes from,
// and `aton run -` reads its config from standard input.
#include "sources/source_pipeline.hpp"
#include "support/background_run.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <aton/decoder.hpp>
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

using namespace aton::test;
namespace fs = std::filesystem;

namespace {

std::string lines(int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += "{\"id\": " + std::to_string(i) + ", \"name\": \"n" + std::to_string(i) + "\"}\n";
  return out;
}

// Appends with one write, so that a batch reads the records whole.
void append(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

// SIGTERM, then the exit code and the seconds from the signal to the exit.
std::pair<std::optional<int>, double> terminate(resume::BackgroundRun& run) {
  auto sent = std::chrono::steady_clock::now();
  REQUIRE(run.send(SIGTERM));
  auto code = run.wait(std::chrono::seconds(10));
  return {code, std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count()};
}

}  // namespace

TEST_CASE("a run following a file ends within a second of SIGTERM and resumes from its checkpoint",
          "[sources][flow]") {
  TempDir dir;
  auto input = dir / "app.jsonl";
  append(input, lines(1, 4));
  auto config = dir.write("follow.json", R"({"source": {"plugin": "json", "path": )" + json_quoted(input) +
                                             R"(, "follow": true},
  "encoder": {"chunk_size": 2, "sample_size": 1}, "checkpoint": {"interval": 0},
  "sinks": [{"plugin": "file", "path": )" + json_quoted(dir / "out.aton") + "}]}");
  // sample_size 1: the encoder fixes its schema on the first record, not
  // on the hundredth, which a file that grows by four never reaches.
  auto checkpoint = config.string() + ".checkpoint";
  {
    resume::BackgroundRun run({"run", config.string()}, dir / "first");
    // The first chunk reached the sink: the run waits at the file's end.
    REQUIRE(resume::wait_for_checkpoint(checkpoint, 1, run));
    auto [code, seconds] = terminate(run);
    INFO(run.err());
    CHECK(code == 143);
    CHECK(seconds < 1.5);  // one second, and a margin for a loaded machine
  }
  REQUIRE(fs::exists(checkpoint));
  CHECK_THAT(read_file(checkpoint), Catch::Contains("inode"));

  append(input, lines(5, 8));
  resume::BackgroundRun run({"run", config.string(), "--resume"}, dir / "second");
  // Records 3 to 8 after the checkpoint: two more chunks out, each sent
  // once the next record shows it is not the last.
  REQUIRE(resume::wait_for_checkpoint(checkpoint, 3, run));
  auto [code, seconds] = terminate(run);
  INFO(run.err());
  CHECK(code == 143);
  CHECK(seconds < 1.5);
  CHECK_THAT(run.err(), !Catch::Contains("cannot resume"));
}

TEST_CASE("aton run - reads the config from standard input with paths from the working directory",
          "[sources][flow][cli]") {
  TempDir dir;
  dir.write("in.jsonl", lines(1, 3));
  ProcessOptions options;
  options.working_dir = dir.path().string();
  options.input = R"({"source": {"plugin": "json", "path": "in.jsonl"},
                      "sinks": [{"plugin": "file", "path": "out.aton"}]})";
  auto result = run_aton({"run", "-"}, options);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(fs::exists(dir / "out.aton"));
  aton::Decoder decoder;
  decoder.feed(read_file(dir / "out.aton"));
  CHECK_THAT(decoder.to_json(), Catch::Contains("\"n3\""));
  CHECK_FALSE(fs::exists(dir / "stdin.checkpoint"));  // a finished run removes its checkpoint
}
