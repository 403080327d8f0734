// Issue 12 item 10: a mapped JSON input truncated while it is read (log
// rotation by copytruncate) is a clear error naming the file, never SIGBUS,
// and nothing half-written is left as the output.
#include "edges/edge_inputs.hpp"
#include "sources/source_pipeline.hpp"
#include "support/child_run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using namespace aton::test;

namespace {

// About 32 MB of records in a bare array.
std::filesystem::path big_array(const TempDir& dir) {
  auto path = dir / "log.json";
  std::ofstream out(path, std::ios::binary);
  out << "[";
  std::size_t written = 1;
  for (std::size_t i = 0; written < (32u << 20); ++i) {
    std::string record = (i ? ",\n" : "") + edges::record_json(i);
    out << record;
    written += record.size();
  }
  out << "]";
  return path;
}

}  // namespace

// Both commands write to a pipe this test does not read at first, so they
// stall early in the file; the file is then cut to 1 MB and the pipe drained.
TEST_CASE("a JSON file truncated while aton run maps it fails naming the file and leaves no output",
          "[edges][truncated]") {
  TempDir dir;
  auto input = big_array(dir);
  auto out = dir / "out.aton";
  auto config = dir.write("p.json", R"({"source": {"plugin": "json", "path": )" + json_quoted(input) +
                                        R"(}, "encoder": {"chunk_size": 100}, "sinks": [{"plugin": "file", "path": )" +
                                        json_quoted(out) + R"(}, {"plugin": "stdout"}]})");
  Child child({"run", config.string(), "--progress", "json"}, dir / "err.txt");
  REQUIRE_FALSE(child.read_stdout(4096, std::chrono::seconds(20)).empty());
  std::filesystem::resize_file(input, 1u << 20);
  child.drain_stdout();
  auto exit = child.wait(std::chrono::seconds(30));
  INFO(child.err());
  REQUIRE(exit.has_value());
  CHECK(*exit == 1);
  CHECK_THAT(child.err(), Catch::Contains(input.string()) && Catch::Contains("truncated while"));
  CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("a JSON file truncated while aton encode maps it fails naming the file", "[edges][truncated]") {
  TempDir dir;
  auto input = big_array(dir);
  Child child({"encode", input.string()}, dir / "err.txt");
  REQUIRE_FALSE(child.read_stdout(4096, std::chrono::seconds(20)).empty());
  std::filesystem::resize_file(input, 1u << 20);
  child.drain_stdout();
  auto exit = child.wait(std::chrono::seconds(30));
  INFO(child.err());
  REQUIRE(exit.has_value());
  CHECK(*exit == 4);
  CHECK_THAT(child.err(), Catch::Contains(input.string()) && Catch::Contains("truncated while"));
}
