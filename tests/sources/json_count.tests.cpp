// The json source's first pass (count: true), which counts records without
// parsing them: the total every chunk carries must be the real count.
#include "sources/source_pipeline.hpp"

#include <catch2/catch.hpp>

using aton::test::json_quoted;
using aton::test::run_source;
using aton::test::TempDir;

TEST_CASE("json count: JSON Lines count lines with content across read blocks", "[sources][json][count]") {
  TempDir dir;
  // The pass reads 64 KiB blocks: a blank line and a line of leading spaces
  // run across block ends; the last line has no newline.
  std::string text = "{\"a\": 1}\n" + std::string(100000, ' ') + "\n" + std::string(31100, ' ') +
                     "{\"a\": 2}\r\n \t \n\n{\"a\": 3}";
  auto input = dir.write("lines.jsonl", text);
  auto run = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}", 1);
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == R"({"records":[{"a":1},{"a":2},{"a":3}]})");
  CHECK(run.total_chunks == std::vector<std::int64_t>{3, 3, 3});
}

TEST_CASE("json count: brackets commas and escaped quotes inside strings are not structure",
          "[sources][json][count]") {
  TempDir dir;
  std::string tricky = R"("\"],[{,\\\"}" )";
  std::string text = "[{\"s\": " + tricky + ", \"n\": [1, [2, 3], {\"k\": []}]},\n" + std::string(70000, ' ') +
                     "{\"" + std::string(70000, 'k') + "\": 1.5},{\"e\": \"\\\\\"} , {}]";
  auto input = dir.write("tricky.json", text);
  auto run = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}", 1);
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.total_chunks == std::vector<std::int64_t>{4, 4, 4, 4});

  auto tables = dir.write("tables.json", "{\"meta\": {\"s\": " + tricky + "}, \"t\": " + text + "}");
  auto from_table = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(tables) + "}", 2);
  INFO(from_table.process.err);
  REQUIRE(from_table.process.exit_code == 0);
  CHECK(from_table.total_chunks == std::vector<std::int64_t>{2, 2});
}
