// A source `path` that names several files (a glob or a list), json and csv
// end to end: real `aton run`, real plugins, file sink.
#include "sources/source_pipeline.hpp"
#include "support/background_run.hpp"
#include "support/compression.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

using aton::test::check_failed;
using aton::test::json_quoted;
using aton::test::run_source;
using aton::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string lines(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) out += "{\"id\": " + std::to_string(i) + ", \"name\": \"n" + std::to_string(i) + "\"}\n";
  return out;
}

// Waits (bounded: 20 s) until `file` holds `text`.
bool wait_for_text(const fs::path& file, const std::string& text) {
  for (int i = 0; i < 20000; ++i) {
    if (fs::exists(file) && aton::test::read_file(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace

TEST_CASE("a glob reads its files sorted by name as one table and counts them first", "[sources][many_files]") {
  TempDir dir;
  // Written out of order; a folder and a file the glob does not match are left out.
  dir.write("logs/b.jsonl", lines(3, 6));
  dir.write("logs/a.jsonl", lines(0, 3));
  dir.write("logs/c.jsonl", lines(6, 7));
  dir.write("logs/skip.txt", lines(100, 101));
  fs::create_directories(dir / "logs/d.jsonl");
  auto whole = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(dir.write("all.jsonl", lines(0, 7))) + "}");
  REQUIRE(whole.process.exit_code == 0);

  auto run = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(dir / "logs/*.jsonl") + "}");
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == whole.json);
  CHECK(run.total_chunks == std::vector<std::int64_t>{4, 4, 4, 4});  // 7 records, 2 a chunk, known from the start

  SECTION("relative to the config file, as a single path is") {
    auto relative = run_source(dir, R"({"plugin": "json", "path": "logs/*.jsonl"})");
    INFO(relative.process.err);
    REQUIRE(relative.process.exit_code == 0);
    CHECK(relative.json == whole.json);
  }
}

TEST_CASE("a list reads its files in the order given with globs sorted within and plain and compressed alike",
          "[sources][many_files]") {
  TempDir dir;
  dir.write("p/2.jsonl", lines(5, 7));
  dir.write("p/1.jsonl", lines(3, 5));
  dir.write("first.jsonl.gz", aton::test::gzip_text(lines(0, 3)));
  dir.write("last.jsonl.zst", aton::test::zstd_text(lines(7, 9)));
  auto whole = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(dir.write("all.jsonl", lines(0, 9))) + "}");
  REQUIRE(whole.process.exit_code == 0);
  auto run = run_source(dir, R"({"plugin": "json", "path": ["first.jsonl.gz", "p/*.jsonl", "last.jsonl.zst"]})");
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == whole.json);
  CHECK(run.total_chunks.front() == -1);  // compressed files are not counted first

  SECTION("json arrays, one a file") {
    dir.write("arrays/a.json", R"([{"id": 0}, {"id": 1}])");
    dir.write("arrays/b.json", R"([{"id": 2}])");
    auto arrays = run_source(dir, R"({"plugin": "json", "path": "arrays/*.json"})");
    INFO(arrays.process.err);
    REQUIRE(arrays.process.exit_code == 0);
    CHECK(arrays.json == R"({"records":[{"id":0},{"id":1},{"id":2}]})");
  }
}

TEST_CASE("csv files of a list share the first file's header and a different header is an error naming the file",
          "[sources][many_files]") {
  TempDir dir;
  dir.write("x/1.csv", "id,name\r\n1,a\r\n2,\"b, c\"\r\n");
  dir.write("x/2.csv", "id,name\n3,d\n");
  dir.write("x/3.csv", "");  // an empty file adds nothing
  dir.write("x/4.csv", "id,name\n4,e\n");
  auto run = run_source(dir, R"({"plugin": "csv", "path": "x/*.csv"})");
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == R"({"records":[{"id":1,"name":"a"},{"id":2,"name":"b, c"},{"id":3,"name":"d"},{"id":4,"name":"e"}]})");
  CHECK(run.total_chunks.front() == 2);

  dir.write("x/5.csv", "id,title\n5,f\n");
  check_failed(run_source(dir, R"({"plugin": "csv", "path": "x/*.csv"})"),
               "csv: " + (dir / "x/5.csv").string() + ": line 1: the header row (id, title) is not the first file's (id, name");
}

TEST_CASE("a glob that matches nothing or a file listed twice is refused before the run", "[sources][many_files]") {
  TempDir dir;
  dir.write("a.jsonl", lines(0, 1));
  auto none = run_source(dir, R"({"plugin": "json", "path": "logs/*.jsonl"})");
  CHECK(none.process.exit_code == 3);
  CHECK_THAT(none.process.err, Catch::Contains("/source/path: no file matches " + (dir / "logs/*.jsonl").string()));
  auto twice = run_source(dir, R"({"plugin": "json", "path": ["a.jsonl", "*.jsonl"]})");
  CHECK(twice.process.exit_code == 3);
  CHECK_THAT(twice.process.err, Catch::Contains("a.jsonl is listed twice"));
  auto followed = run_source(dir, R"({"plugin": "json", "path": ["a.jsonl"], "follow": true})");
  CHECK(followed.process.exit_code == 3);
  CHECK_THAT(followed.process.err, Catch::Contains("a glob or a list of files cannot be followed"));
}

TEST_CASE("a file that vanishes or changes between listing and reading fails the run naming it",
          "[sources][many_files]") {
  TempDir dir;
  dir.write("logs/a.jsonl", lines(0, 2000));  // 50 chunks: the source is still in it while the sink holds
  dir.write("logs/b.jsonl", lines(2000, 2010));
  dir.write("hold", "");
  auto config = dir.write("pipeline.json", R"({"source": {"plugin": "json", "path": "logs/*.jsonl"},
    "encoder": {"chunk_size": 40}, "queue": {"capacity": 2}, "checkpoint": {"enabled": false},
    "sinks": [{"plugin": "test_sink", "log": "chunks.log", "hold_while": "hold", "hold_at": 1},
              {"plugin": "file", "path": "out.aton"}],
    "plugin_dirs": [")" ATON_TEST_PLUGIN_DIR R"("]})");
  for (bool remove : {true, false}) {
    SECTION(remove ? "removed" : "written to") {
      aton::test::resume::BackgroundRun run({"run", config.string(), "--progress=none"}, dir / "run");
      REQUIRE(wait_for_text(dir / "chunks.log", "holding"));
      if (remove) fs::remove(dir / "logs/b.jsonl");
      else dir.write("logs/b.jsonl", lines(2000, 2011));
      fs::remove(dir / "hold");
      REQUIRE(run.wait() == 1);
      std::string expected = remove ? "was listed (from " + (dir / "logs/*.jsonl").string() + ") but cannot be read now"
                                    : "changed between listing and reading";
      CHECK_THAT(run.err(), Catch::Contains("json: " + (dir / "logs/b.jsonl").string()) && Catch::Contains(expected));
    }
  }
  CHECK_FALSE(fs::exists(dir / "out.aton"));
}
