// The json source end to end: real `aton run`, real plugin, file sink.
#include "sources/source_pipeline.hpp"

#include <aton/json.hpp>
#include <catch2/catch.hpp>

#include <string>

using aton::test::json_quoted;
using aton::test::run_source;
using aton::test::TempDir;

TEST_CASE("json: an array of records comes back with numbers exactly as written", "[sources][json]") {
  TempDir dir;
  auto input = dir.write("users.json", R"([
  {"id": 1, "name": "Ann", "score": 1.5, "big": 123456789012345678901234567890, "tags": ["a", "b"], "ok": true},
  {"id": 2, "name": "Bob \u00e9", "score": 0.1, "big": -1, "tags": [], "ok": false, "extra": {"x": null}},
  {"id": 3, "name": "Cy", "score": 2.5e3, "big": 0, "tags": ["c"], "ok": null}
])");
  auto run = run_source(dir, R"({"plugin": "json", "table": "users", "path": )" + json_quoted(input) + "}");
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json ==
        R"({"users":[{"id":1,"name":"Ann","score":1.5,"big":123456789012345678901234567890,"tags":["a","b"],"ok":true},)"
        R"({"id":2,"name":"Bob é","score":0.1,"big":-1,"tags":[],"ok":false,"extra":{"x":null}},)"
        R"({"id":3,"name":"Cy","score":2500.0,"big":0,"tags":["c"],"ok":null}]})");
  // count defaults to true: every chunk knows the total (3 records, 2 a chunk).
  CHECK(run.total_chunks == std::vector<std::int64_t>{2, 2});
}

TEST_CASE("json: an object of tables streams the table chosen with table", "[sources][json]") {
  TempDir dir;
  auto input = dir.write("shop.json", R"({"users": [{"id": 1}, {"id": 2}], "orders": [{"o": 10}, {"o": 11}, {"o": 12}]})");
  auto run = run_source(dir, R"({"plugin": "json", "table": "orders", "path": )" + json_quoted(input) + "}");
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == R"({"orders":[{"o":10},{"o":11},{"o":12}]})");
  CHECK(run.total_chunks == std::vector<std::int64_t>{2, 2});
}

TEST_CASE("json: several tables and none chosen is an error listing them", "[sources][json]") {
  TempDir dir;
  auto input = dir.write("shop.json", R"({"users": [{"id": 1}], "orders": [{"o": 10}]})");
  auto run = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}");
  CHECK(run.process.exit_code == 1);
  CHECK_THAT(run.process.err, Catch::Contains("several tables (users, orders)"));
  CHECK_THAT(run.process.err, Catch::Contains("\"table\""));

  SECTION("the same from stdin, which cannot be looked at first") {
    aton::test::ProcessOptions stdin_input;
    stdin_input.input = R"({"users": [{"id": 1}], "orders": [{"o": 10}]})";
    auto piped = run_source(dir, R"({"plugin": "json"})", 2, stdin_input);
    CHECK(piped.process.exit_code == 1);
    CHECK_THAT(piped.process.err, Catch::Contains("several tables (users, orders)"));
    CHECK_FALSE(piped.output_exists);
  }
  SECTION("a table that is not there is named, with the ones that are") {
    auto missing = run_source(dir, R"({"plugin": "json", "table": "items", "path": )" + json_quoted(input) + "}");
    CHECK(missing.process.exit_code == 1);
    CHECK_THAT(missing.process.err, Catch::Contains("no table \"items\"") && Catch::Contains("users, orders"));
  }
}

TEST_CASE("json: a single table needs no table option and names the output", "[sources][json]") {
  TempDir dir;
  auto input = dir.write("one.json", R"({"people": [{"n": 1}]})");
  auto run = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}");
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == R"({"people":[{"n":1}]})");
}

TEST_CASE("json: JSON Lines detected from the name or given as format", "[sources][json]") {
  TempDir dir;
  std::string lines = "{\"a\": 1}\n\n{\"a\": 2.50, \"b\": [1]}\r\n{\"a\": \"x\"}\n";
  auto by_name = dir.write("events.ndjson", lines);
  auto run = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(by_name) + "}");
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == R"({"records":[{"a":1},{"a":2.5,"b":[1]},{"a":"x"}]})");
  CHECK(run.total_chunks == std::vector<std::int64_t>{2, 2});

  auto by_format = dir.write("events.txt", lines);
  auto run2 = run_source(dir, R"({"plugin": "json", "format": "jsonl", "path": )" + json_quoted(by_format) + "}");
  REQUIRE(run2.process.exit_code == 0);
  CHECK(run2.json == run.json);
}

TEST_CASE("json: stdin streams without a total - count false skips the first pass", "[sources][json]") {
  TempDir dir;
  std::string text = R"([{"a": 1}, {"a": 2}, {"a": 3}])";
  aton::test::ProcessOptions stdin_input;
  stdin_input.input = text;
  auto run = run_source(dir, R"({"plugin": "json", "path": "-"})", 2, stdin_input);
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == R"({"records":[{"a":1},{"a":2},{"a":3}]})");
  REQUIRE(run.total_chunks.size() == 2);
  CHECK(run.total_chunks.back() == 2);  // known once the input ends

  auto file = dir.write("a.json", text);
  auto uncounted = run_source(dir, R"({"plugin": "json", "count": false, "path": )" + json_quoted(file) + "}", 1);
  REQUIRE(uncounted.process.exit_code == 0);
  REQUIRE(uncounted.total_chunks.size() == 3);
  CHECK(uncounted.total_chunks.front() == -1);
  CHECK(uncounted.total_chunks.back() == 3);
}

TEST_CASE("json: duplicate keys are kept both in order", "[sources][json]") {
  TempDir dir;
  auto input = dir.write("dup.json", R"([{"a": 1, "a": 2, "o": {"x": 1, "x": "y"}}])");
  auto run = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}");
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == R"({"records":[{"a":1,"a":2,"o":{"x":1,"x":"y"}}]})");
}

TEST_CASE("json: malformed JSON fails with the file byte line and column and no output", "[sources][json]") {
  TempDir dir;
  struct Case {
    const char* text;
    const char* where;
    const char* what;
  };
  const Case cases[] = {
      {"[{\"a\": 1},\n {\"a\": 2 \"b\": 3}]", "byte 20 (line 2, column 10)", "Missing a comma or '}'"},
      {"[{\"a\": 1},\n {\"a\": 2} {\"a\": 3}]", "byte 21 (line 2, column 11)", "expected ',' or ']' after record 2"},
      {"[{\"a\": 1},]", "byte 10 (line 1, column 11)", "trailing commas"},
      {"[{\"a\": 1}, 2]", "line 1, column 12", "record 2 is not an object but a number"},
      {"[{\"a\": \"\xff\"}]", "line 1", "invalid UTF-8"},
      {"[{\"a\": 1}] x", "byte 11 (line 1, column 12)", "unexpected data after the end"},
      {"[{\"a\": 1}", "line 1", "expected ',' or ']' after record 1, found the end of the input"},
      {"\"text\"", "line 1, column 1", "expected an array of records or an object of tables"},
  };
  for (const auto& c : cases) {
    auto input = dir.write("bad.json", c.text);
    auto run = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}");
    INFO(c.text);
    INFO(run.process.err);
    CHECK(run.process.exit_code == 1);
    CHECK_THAT(run.process.err, Catch::Contains("bad.json") && Catch::Contains(c.where) && Catch::Contains(c.what));
    CHECK_FALSE(run.output_exists);
  }
}

TEST_CASE("json: deep nesting is refused cleanly never a stack overflow", "[sources][json]") {
  TempDir dir;
  std::string deep = "[{\"a\": " + std::string(100000, '[') + std::string(100000, ']') + "}]";
  auto input = dir.write("deep.json", deep);
  auto run = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}");
  CHECK(run.process.exit_code == 1);  // the host's nesting limit, reported as an error
  CHECK(run.process.exit_code < 128);  // not a crash
}

TEST_CASE("json: only arrays are tables - other members of the object are skipped", "[sources][json]") {
  TempDir dir;
  std::string text = R"({"meta": {"version": 2, "tags": ["x"]}, "users": [{"id": 1}, {"id": 2}], "count": 2})";
  auto input = dir.write("with_meta.json", text);
  auto run = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}");
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == R"({"users":[{"id":1},{"id":2}]})");

  aton::test::ProcessOptions stdin_input;
  stdin_input.input = text;
  auto piped = run_source(dir, R"({"plugin": "json"})", 2, stdin_input);
  REQUIRE(piped.process.exit_code == 0);
  CHECK(piped.json == run.json);

  auto single = dir.write("single.json", R"({"id": 1, "name": "a lone record"})");
  auto lone = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(single) + "}");
  CHECK(lone.process.exit_code == 1);
  CHECK_THAT(lone.process.err, Catch::Contains("holds no array of records"));
}

TEST_CASE("json: a mapped file many times the release lag reads back whole, from stdin too", "[sources][json]") {
  // 23 MB in batches of 40,000 records (5 MB): the source hands pages more
  // than 4 MB behind it back to the system while the batches queued for
  // the encoder still view them, so those are read in again (a test that
  // fails when released pages are made unreadable instead). Each record
  // differs, so a record read from the wrong bytes shows.
  TempDir dir;
  std::string text = "[";
  for (int i = 0; i < 180000; ++i) {
    std::string n = std::to_string(i);
    text += (i ? ",\n" : "\n");
    text += "{\"id\": " + n + ", \"name\": \"name-" + n + "\", \"note\": \"a note \\\"" + n +
            "\\\" \u00e9t\u00e9 of some length\", \"v\": " + n + ".5, \"tags\": [\"t" + std::to_string(i % 7) +
            "\"], \"ok\": " + (i % 3 ? "true" : "false") + "}";
  }
  text += "\n]\n";
  REQUIRE(text.size() > 20'000'000);
  auto input = dir.write("big.json", text);
  // The expectation is written out by hand (each record from its index),
  // not read by the JsonReader the source uses; RapidJSON reads the output.
  auto check_records = [](const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.c_str(), json.size());
    REQUIRE(doc.IsObject());
    REQUIRE(doc.MemberCount() == 1);
    const auto& records = doc["records"];
    REQUIRE(records.Size() == 180000);
    std::size_t wrong = 0;
    for (rapidjson::SizeType i = 0; i < records.Size(); ++i) {
      const auto& r = records[i];
      std::string n = std::to_string(i);
      auto is_string = [&](const char* key, const std::string& want) {
        auto m = r.FindMember(key);
        return m != r.MemberEnd() && m->value.IsString() && m->value.GetString() == want;
      };
      auto member = [&](const char* key) -> const rapidjson::Value& {
        static const rapidjson::Value kNull;
        auto m = r.FindMember(key);
        return m == r.MemberEnd() ? kNull : m->value;
      };
      bool ok = r.IsObject() && r.MemberCount() == 6 && member("id").IsUint() && member("id").GetUint() == i &&
                is_string("name", "name-" + n) &&
                is_string("note", "a note \"" + n + "\" \u00e9t\u00e9 of some length") &&
                member("v").IsDouble() && member("v").GetDouble() == i + 0.5 && member("tags").IsArray() &&
                member("tags").Size() == 1 && member("tags")[0].IsString() &&
                member("tags")[0].GetString() == "t" + std::to_string(i % 7) && member("ok").IsBool() &&
                member("ok").GetBool() == (i % 3 != 0);
      if (!ok && wrong++ == 0) FAIL_CHECK("record " << i << " differs from what its index says");
    }
    CHECK(wrong == 0);
  };

  auto run = run_source(dir, R"({"plugin": "json", "count": false, "path": )" + json_quoted(input) + "}", 40000);
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  check_records(run.json);

  aton::test::ProcessOptions stdin_input;
  stdin_input.input = text;
  auto piped = run_source(dir, R"({"plugin": "json"})", 10000, stdin_input);
  REQUIRE(piped.process.exit_code == 0);
  CHECK(piped.json == run.json);
}
