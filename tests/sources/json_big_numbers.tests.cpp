// Numbers beyond the range of a double through the json source: the
// record reader keeps every number as its text, so they come back exactly.
#include "sources/source_pipeline.hpp"

#include <catch2/catch.hpp>

using aton::test::json_quoted;
using aton::test::run_source;
using aton::test::TempDir;

TEST_CASE("json: numbers beyond the range of a double come back exactly", "[sources][json][numbers]") {
  TempDir dir;
  std::string digits400 = "1" + std::string(399, '7');
  auto input = dir.write("big.json", "[{\"a\": 1e400, \"b\": -1E+999, \"c\": " + digits400 +
                                         ", \"d\": [1, {\"x\": -" + digits400 + ".5e-3}, 2.5e+400], \"e\": \"after\"},\n"
                                         " {\"a\": 1.5, \"b\": 1e-400, \"c\": 0}]");
  auto run = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}", 1);
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == "{\"records\":[{\"a\":1e400,\"b\":-1E+999,\"c\":" + digits400 + ",\"d\":[1,{\"x\":-" + digits400 +
                        ".5e-3},2.5e+400],\"e\":\"after\"},{\"a\":1.5,\"b\":1e-400,\"c\":0}]}");
}

TEST_CASE("json: a big number in a member that is skipped and one across a read block are read",
          "[sources][json][numbers]") {
  TempDir dir;
  std::string digits500(500, '9');
  // The number starts 300 bytes before the reader's first 64 KiB block ends.
  std::string pad(65536 - 300 - 30, 'p');
  auto input = dir.write("tables.json", "{\"meta\": {\"max\": [1e999]}, \"t\": [{\"pad\": \"" + pad + "\", \"n\": " +
                                            digits500 + "}, {\"n\": -1e400}]}");
  auto run = run_source(dir, R"({"plugin": "json", "table": "t", "path": )" + json_quoted(input) + "}", 1);
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == "{\"t\":[{\"pad\":\"" + pad + "\",\"n\":" + digits500 + "},{\"n\":-1e400}]}");
}

TEST_CASE("json: a malformed big number is an error at its byte not a crash", "[sources][json][numbers]") {
  TempDir dir;
  auto input = dir.write("bad.json", "[{\"a\": 1e400.5}]");
  auto run = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}");
  aton::test::check_failed(run, "byte 12 (line 1, column 13): malformed JSON in record 1: Missing a comma or '}'");
}
