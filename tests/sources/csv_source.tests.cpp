// The csv source end to end: real `aton run`, real plugin, file sink.
#include "sources/source_pipeline.hpp"

#include <catch2/catch.hpp>

using aton::test::json_quoted;
using aton::test::run_source;
using aton::test::check_failed;
using aton::test::TempDir;

TEST_CASE("csv: values are typed from unquoted text quoted ones stay strings", "[sources][csv]") {
  TempDir dir;
  auto input = dir.write("t.csv",
                         "\xEF\xBB\xBFid,zip,price,ok,note,empty\r\n"
                         "1,08123,1.50,true,\"a, \"\"quoted\"\"\r\nline\",\r\n"
                         "2,\"12\",1e3,false,+1,\"\"\r\n"
                         "12345678901234567890123,-0.5,7,TRUE,NaN,x\r\n");
  SECTION("infer_types (the default)") {
    auto run = run_source(dir, R"({"plugin": "csv", "path": )" + json_quoted(input) + "}");
    INFO(run.process.err);
    REQUIRE(run.process.exit_code == 0);
    CHECK(run.json ==
          R"({"records":[{"id":1,"zip":"08123","price":1.5,"ok":true,"note":"a, \"quoted\"\r\nline","empty":null},)"
          R"({"id":2,"zip":"12","price":1000.0,"ok":false,"note":"+1","empty":""},)"
          R"({"id":12345678901234567890123,"zip":-0.5,"price":7,"ok":"TRUE","note":"NaN","empty":"x"}]})");
    CHECK(run.total_chunks == std::vector<std::int64_t>{2, 2});
  }
  SECTION("infer_types false: every value a string, an empty field \"\"") {
    auto run = run_source(dir, R"({"plugin": "csv", "infer_types": false, "path": )" + json_quoted(input) + "}");
    REQUIRE(run.process.exit_code == 0);
    CHECK(run.json ==
          R"({"records":[{"id":"1","zip":"08123","price":"1.50","ok":"true","note":"a, \"quoted\"\r\nline","empty":""},)"
          R"({"id":"2","zip":"12","price":"1e3","ok":"false","note":"+1","empty":""},)"
          R"({"id":"12345678901234567890123","zip":"-0.5","price":"7","ok":"TRUE","note":"NaN","empty":"x"}]})");
  }
  SECTION("types overrides per column") {
    auto run = run_source(dir, R"({"plugin": "csv", "types": {"id": "str", "zip": "str", "price": "float", "ok": "bool"}, "path": )" +
                                   json_quoted(input) + "}");
    INFO(run.process.err);
    REQUIRE(run.process.exit_code == 0);
    CHECK(run.json ==
          R"({"records":[{"id":"1","zip":"08123","price":1.5,"ok":true,"note":"a, \"quoted\"\r\nline","empty":null},)"
          R"({"id":"2","zip":"12","price":1000.0,"ok":false,"note":"+1","empty":""},)"
          R"({"id":"12345678901234567890123","zip":"-0.5","price":7.0,"ok":true,"note":"NaN","empty":"x"}]})");
  }
}

TEST_CASE("csv: a value that cannot be what types says is an error with line and column", "[sources][csv]") {
  TempDir dir;
  auto input = dir.write("t.csv", "id,zip\n1,08123\n2,AB-12\n");
  auto run = run_source(dir, R"({"plugin": "csv", "types": {"zip": "int"}, "path": )" + json_quoted(input) + "}");
  check_failed(run, "t.csv: line 3, column 2 (\"zip\"): \"AB-12\" is not of type int");

  auto unknown = run_source(dir, R"({"plugin": "csv", "types": {"zipcode": "int"}, "path": )" + json_quoted(input) + "}");
  CHECK(unknown.process.exit_code == 1);
  CHECK_THAT(unknown.process.err, Catch::Contains("\"zipcode\"") && Catch::Contains("columns: id, zip"));
}

TEST_CASE("csv: a row with the wrong number of fields fails or is skipped and counted", "[sources][csv]") {
  TempDir dir;
  auto input = dir.write("t.csv", "a,b\n1,2\n3\n4,5,6\n7,8\n");
  auto run = run_source(dir, R"({"plugin": "csv", "path": )" + json_quoted(input) + "}");
  check_failed(run, "t.csv: line 3: 1 fields where the header has 2");

  auto skipped = run_source(dir, R"({"plugin": "csv", "on_error": "skip", "path": )" + json_quoted(input) + "}");
  INFO(skipped.process.err);
  REQUIRE(skipped.process.exit_code == 0);
  CHECK(skipped.json == R"({"records":[{"a":1,"b":2},{"a":7,"b":8}]})");
  CHECK_THAT(skipped.process.err, Catch::Contains("skipped 2 rows"));
  CHECK(skipped.total_chunks == std::vector<std::int64_t>{1});  // the first pass skips them too
}

TEST_CASE("csv: columns from the config other delimiters stdin", "[sources][csv]") {
  TempDir dir;
  aton::test::ProcessOptions stdin_input;
  stdin_input.input = "1;x\n2;\"y;z\"\n";
  auto run = run_source(dir, R"({"plugin": "csv", "delimiter": ";", "columns": ["n", "s"], "table": "t"})", 2,
                        stdin_input);
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == R"({"t":[{"n":1,"s":"x"},{"n":2,"s":"y;z"}]})");

  auto tabs = dir.write("t.tsv", "a\tb\n1\t'x\ty'\n");
  auto tsv = run_source(dir, R"({"plugin": "csv", "delimiter": "\t", "quote": "'", "path": )" + json_quoted(tabs) + "}");
  REQUIRE(tsv.process.exit_code == 0);
  CHECK(tsv.json == R"({"records":[{"a":1,"b":"x\ty"}]})");
}

TEST_CASE("csv: malformed quoting is an error with its line", "[sources][csv]") {
  TempDir dir;
  auto open = dir.write("open.csv", "a,b\n1,\"never closed\n2,3\n");
  auto run = run_source(dir, R"({"plugin": "csv", "path": )" + json_quoted(open) + "}");
  check_failed(run, "open.csv: line 2: a quoted field starts here and is never closed");

  auto after = dir.write("after.csv", "a,b\n1,\"x\"y\n");
  auto run2 = run_source(dir, R"({"plugin": "csv", "path": )" + json_quoted(after) + "}");
  check_failed(run2, "after.csv: line 2, field 2: 'y' after a closing quote");
}

TEST_CASE("csv: text that is not UTF-8 is an error with line and column", "[sources][csv]") {
  TempDir dir;
  auto input = dir.write("latin1.csv", "id,name\n1,caf\xE9\n");
  auto run = run_source(dir, R"({"plugin": "csv", "path": )" + json_quoted(input) + "}");
  check_failed(run, "latin1.csv: line 2, column 2 (\"name\"): not UTF-8");
}
