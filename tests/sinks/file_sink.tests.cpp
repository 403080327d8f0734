// The file sink, run by the real `aton run` with the real json source.
#include "sinks/sink_test_helpers.hpp"
#include "support/process.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

using namespace aton::test;
using namespace aton::test::sinks;
namespace fs = std::filesystem;

TEST_CASE("the file sink writes the chunks joined by newlines into missing folders and the file decodes to the input",
          "[sinks][file]") {
  TempDir dir;
  std::string input = users_json(250);
  dir.write("users.json", input);
  auto config = dir.write("pipeline.json",
                          pipeline_json(R"([{"plugin": "file", "path": "out/deep/users.aton"}, {"plugin": "stdout"}])"));
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::string written = read_file(dir / "out/deep/users.aton");
  CHECK(written == run.out);  // the same "File Writing" shape as stdout
  CHECK(written.back() != '\n');
  require_decodes_to(written, input);
  CHECK(file_names(dir / "out/deep") == std::vector<std::string>{"users.aton"});  // no temporary file left
}

TEST_CASE("a finished run removes the partial files killed runs left beside its target but not a live one's",
          "[sinks][file]") {
  TempDir dir;
  dir.write("users.json", users_json(20));
  // A process that has exited and been reaped: its pid names a killed run's leftover.
  pid_t gone = fork();
  if (gone == 0) _exit(0);
  REQUIRE(gone > 0);
  waitpid(gone, nullptr, 0);
  std::string dead = ".users.aton.tmp-" + std::to_string(gone) + "-0";
  std::string live = ".users.aton.tmp-1-0";  // pid 1 is always running
  std::string other = ".other.aton.tmp-" + std::to_string(gone) + "-0";  // another target's
  for (const auto& name : {dead, live, other}) dir.write(name, "partial");
  auto config = dir.write("pipeline.json", pipeline_json(R"([{"plugin": "file", "path": "users.aton"}])"));
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK_FALSE(fs::exists(dir / dead));
  CHECK(fs::exists(dir / live));
  CHECK(fs::exists(dir / other));
  CHECK(fs::exists(dir / "users.aton"));
}

TEST_CASE("a run whose source fails midway leaves no file at the target path", "[sinks][file]") {
  TempDir dir;
  dir.write("users.aton", "the previous run's output");
  auto config = dir.write("pipeline.json", generated_pipeline_json(
      R"([{"plugin": "file", "path": "out/users.aton"}, {"plugin": "file", "path": "users.aton"}, {"plugin": "stdout"}])",
      5000, 2500));  // chunk 50: with queues of 4, earlier chunks must have been written
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.out, Catch::Contains("users+("));  // chunks did flow before the failure
  CHECK_FALSE(std::filesystem::exists(dir / "out/users.aton"));
  if (std::filesystem::exists(dir / "out")) CHECK(file_names(dir / "out").empty());  // nor a temporary file
  CHECK(read_file(dir / "users.aton") == "the previous run's output");
}

TEST_CASE("mode fail_if_exists refuses an existing file and leaves it untouched", "[sinks][file]") {
  TempDir dir;
  dir.write("users.json", users_json(10));
  dir.write("users.aton", "precious");
  auto config = dir.write("pipeline.json",
                          pipeline_json(R"([{"plugin": "file", "path": "users.aton", "mode": "fail_if_exists"}])"));
  auto run = run_aton({"run", config.string()});
  CHECK(run.exit_code == 3);
  CHECK_THAT(run.err, Catch::Contains((dir / "users.aton").string()) && Catch::Contains("already exists"));
  CHECK(read_file(dir / "users.aton") == "precious");
}

TEST_CASE("mode fail_if_exists writes a file that does not exist yet", "[sinks][file]") {
  TempDir dir;
  std::string input = users_json(10);
  dir.write("users.json", input);
  auto config = dir.write("pipeline.json",
                          pipeline_json(R"([{"plugin": "file", "path": "users.aton", "mode": "fail_if_exists"}])"));
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  require_decodes_to(read_file(dir / "users.aton"), input);
}

TEST_CASE("mode append adds the new chunks after the existing content", "[sinks][file]") {
  TempDir dir;
  dir.write("users.json", users_json(250));
  auto config = dir.write("pipeline.json",
                          pipeline_json(R"([{"plugin": "file", "path": "users.aton", "mode": "append"}, {"plugin": "stdout"}])"));
  SECTION("separated by a newline when the old content does not end with one") {
    dir.write("users.aton", "old text");
    auto run = run_aton({"run", config.string()});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(read_file(dir / "users.aton") == "old text\n" + run.out);
  }
  SECTION("right after the old content when it ends with a newline") {
    dir.write("users.aton", "old text\n");
    auto run = run_aton({"run", config.string()});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(read_file(dir / "users.aton") == "old text\n" + run.out);
  }
  SECTION("as a new file when there is none") {
    auto run = run_aton({"run", config.string()});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(read_file(dir / "users.aton") == run.out);
  }
}

TEST_CASE("mode overwrite replaces the whole file and keeps its permissions", "[sinks][file]") {
  TempDir dir;
  std::string input = users_json(30);
  dir.write("users.json", input);
  dir.write("users.aton", std::string(100'000, 'x'));
  REQUIRE(::chmod((dir / "users.aton").c_str(), 0600) == 0);
  auto config = dir.write("pipeline.json", pipeline_json(R"([{"plugin": "file", "path": "users.aton"}])"));
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  require_decodes_to(read_file(dir / "users.aton"), input);
  struct stat info;
  REQUIRE(::stat((dir / "users.aton").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
}

TEST_CASE("per_chunk writes one file per chunk each holding that chunk", "[sinks][file]") {
  TempDir dir;
  std::string input = users_json(250);
  dir.write("users.json", input);
  auto config = dir.write("pipeline.json", pipeline_json(
      R"([{"plugin": "file", "per_chunk": "parts/part-{chunk_id}.aton"}, {"plugin": "file", "path": "whole.aton"}])"));
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  REQUIRE(file_names(dir / "parts") ==
          std::vector<std::string>{"part-000000.aton", "part-000001.aton", "part-000002.aton"});
  std::string joined = read_file(dir / "parts/part-000000.aton") + "\n" + read_file(dir / "parts/part-000001.aton") +
                       "\n" + read_file(dir / "parts/part-000002.aton");
  CHECK(joined == read_file(dir / "whole.aton"));
  CHECK_THAT(read_file(dir / "parts/part-000001.aton"), Catch::StartsWith("users+("));
  require_decodes_to(joined, input);
}

TEST_CASE("file sink errors name the path and the reason", "[sinks][file]") {
  TempDir dir;
  dir.write("users.json", users_json(10));
  SECTION("a folder where the file should be") {
    fs::create_directories(dir / "users.aton");
    auto config = dir.write("pipeline.json", pipeline_json(R"([{"plugin": "file", "path": "users.aton"}])"));
    auto run = run_aton({"run", config.string()});
    CHECK(run.exit_code == 3);
    CHECK_THAT(run.err, Catch::Contains((dir / "users.aton").string()) && Catch::Contains("folder"));
  }
  SECTION("a file where a parent folder should be") {
    dir.write("out", "a file");
    auto config = dir.write("pipeline.json", pipeline_json(R"([{"plugin": "file", "path": "out/users.aton"}])"));
    auto run = run_aton({"run", config.string()});
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.err, Catch::Contains((dir / "out").string() + " is a file, not a folder"));
  }
  SECTION("a per_chunk pattern without {chunk_id}") {
    auto config = dir.write("pipeline.json", pipeline_json(R"([{"plugin": "file", "per_chunk": "part.aton"}])"));
    auto run = run_aton({"run", config.string()});
    CHECK(run.exit_code == 3);
    CHECK_THAT(run.err, Catch::Contains("{chunk_id}"));
    CHECK_FALSE(fs::exists(dir / "part.aton"));
  }
}
