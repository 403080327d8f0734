// The file sink's `compress`, run by the real `aton run` with the real json
// source; the output is read back by zcat and zstd -dc, and by the
// libraries member by member.
#include "sinks/sink_test_helpers.hpp"
#include "support/compression.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

using namespace aton::test;
using namespace aton::test::sinks;
namespace fs = std::filesystem;

TEST_CASE("compress gzip and zstd write one member or frame a chunk that zcat and zstd -dc read as the plain output",
          "[sinks][file][compression]") {
  TempDir dir;
  std::string input = users_json(250);  // 3 chunks of 100
  dir.write("users.json", input);
  for (std::string kind : {"gzip", "zstd"}) {
    SECTION(kind) {
      std::string name = kind == "gzip" ? "users.aton.gz" : "users.aton.zst";
      auto config = dir.write("pipeline.json", pipeline_json(R"([{"plugin": "file", "path": ")" + name +
                                                             R"(", "compress": ")" + kind +
                                                             R"(", "level": 9}, {"plugin": "stdout"}])"));
      auto run = run_aton({"run", config.string()});
      INFO(run.err);
      REQUIRE(run.exit_code == 0);
      std::string written = read_file(dir / name);
      CHECK(written.size() < run.out.size() / 2);
      auto unpacked = kind == "gzip" ? gunzip_text(written) : unzstd_text(written);
      REQUIRE(unpacked.ok);
      CHECK(unpacked.parts == 3);
      CHECK(unpacked.text == run.out);
      std::vector<std::string> tool = kind == "gzip" ? std::vector<std::string>{"zcat", (dir / name).string()}
                                                     : std::vector<std::string>{"zstd", "-dc", (dir / name).string()};
      auto decompressed = run_process(tool);
      INFO(decompressed.err);
      REQUIRE(decompressed.exit_code == 0);
      CHECK(decompressed.out == run.out);
      require_decodes_to(decompressed.out, input);
    }
  }
}

TEST_CASE("compress with per_chunk and with a body compresses each file and each line", "[sinks][file][compression]") {
  TempDir dir;
  dir.write("users.json", users_json(250));
  auto config = dir.write("pipeline.json", pipeline_json(
      R"([{"plugin": "file", "per_chunk": "parts/part-{chunk_id}.aton.gz", "compress": "gzip"},
          {"plugin": "file", "path": "lines.jsonl.zst", "compress": "zstd", "body": {"id": "{{chunk_id}}"}},
          {"plugin": "file", "path": "whole.aton"}])"));
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::string joined;
  for (std::string id : {"0", "1", "2"}) {
    auto part = gunzip_text(read_file(dir / ("parts/part-00000" + id + ".aton.gz")));
    REQUIRE(part.ok);
    joined += (id == "0" ? "" : "\n") + part.text;
  }
  CHECK(joined == read_file(dir / "whole.aton"));
  auto lines = unzstd_text(read_file(dir / "lines.jsonl.zst"));
  REQUIRE(lines.ok);
  CHECK(lines.text == "{\"id\":0}\n{\"id\":1}\n{\"id\":2}\n");
}

TEST_CASE("compress with mode append adds members to a file of the same compression and refuses another",
          "[sinks][file][compression]") {
  TempDir dir;
  dir.write("users.json", users_json(150));
  auto config = dir.write("pipeline.json", pipeline_json(
      R"([{"plugin": "file", "path": "users.aton.gz", "mode": "append", "compress": "gzip"}, {"plugin": "stdout"}])"));
  SECTION("a gzip file: one stream, the old text, a newline, the new chunks") {
    dir.write("users.aton.gz", gzip_text("old text"));
    auto run = run_aton({"run", config.string()});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    auto all = gunzip_text(read_file(dir / "users.aton.gz"));
    REQUIRE(all.ok);
    CHECK(all.text == "old text\n" + run.out);
  }
  SECTION("a zstd or plain file is refused and left as it was") {
    dir.write("users.aton.gz", "plain text");
    auto run = run_aton({"run", config.string()});
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.err, Catch::Contains("users.aton.gz is not a gzip file") && Catch::Contains("mode overwrite"));
    CHECK(read_file(dir / "users.aton.gz") == "plain text");
  }
}

TEST_CASE("compress and level are checked before the run starts", "[sinks][file][compression]") {
  TempDir dir;
  dir.write("users.json", users_json(5));
  auto check = [&](const std::string& sink) {
    return run_aton({"run", dir.write("pipeline.json", pipeline_json("[" + sink + "]")).string()});
  };
  auto too_high = check(R"({"plugin": "file", "path": "u.gz", "compress": "gzip", "level": 12})");
  CHECK(too_high.exit_code != 0);
  CHECK_THAT(too_high.err, Catch::Contains("gzip levels go from 1 to 9"));
  auto without = check(R"({"plugin": "file", "path": "u.aton", "level": 3})");
  CHECK(without.exit_code != 0);
  CHECK_THAT(without.err, Catch::Contains("set \"compress\" to gzip or zstd"));
  auto unknown = check(R"({"plugin": "file", "path": "u.aton", "compress": "brotli"})");
  CHECK(unknown.exit_code != 0);
  CHECK_THAT(unknown.err, Catch::Contains("compress"));
  CHECK_FALSE(fs::exists(dir / "u.gz"));
}
