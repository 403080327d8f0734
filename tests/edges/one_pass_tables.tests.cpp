// Issue 12 items 9, 19 and 20: an object of tables is read in one pass with
// flat memory whether or not the table is named; a second table met later
// fails the command with nothing written; `{}` gets one rule in `aton run`
// and `aton encode`; a JSON Lines line that is not JSON says where.
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

// `{"t": [...]}` of about `bytes` bytes, written in pieces.
std::filesystem::path big_table(const TempDir& dir, std::size_t bytes) {
  auto path = dir / "big.json";
  std::ofstream out(path, std::ios::binary);
  out << "{\"t\": [";
  std::size_t written = 7;
  for (std::size_t i = 0; written < bytes; ++i) {
    std::string record = (i ? ",\n" : "") + edges::record_json(i);
    out << record;
    written += record.size();
  }
  out << "]}";
  return path;
}

std::string file_sink_config(const TempDir& dir, const std::string& source) {
  return dir.write("pipeline.json", "{\"source\": " + source +
                                        R"(, "encoder": {"chunk_size": 100}, "sinks": [{"plugin": "file", "path": )" +
                                        json_quoted(dir / "out.aton") + "}]}")
      .string();
}

}  // namespace

TEST_CASE("aton encode reads an object of tables without --table in one pass with flat memory",
          "[edges][one_pass][memory]") {
  TempDir dir;
  auto input = big_table(dir, 96u << 20);
  auto out = dir / "out.aton";
  Child child({"encode", input.string(), "-o", out.string()}, dir / "err.txt");
  auto exit = child.wait(std::chrono::seconds(120));
  INFO(child.err());
  REQUIRE(exit.has_value());
  CHECK(*exit == 0);
  // The input is 96 MB: a pass that keeps it resident peaks above that.
  CHECK(child.max_rss_kb() < 48 * 1024);
  auto decoded = edges::decode_file(out);
  CHECK(decoded.table == "t");
  CHECK(decoded.ids_in_order);
}

TEST_CASE("a second table met after the first one fails aton encode and writes nothing", "[edges][one_pass]") {
  TempDir dir;
  auto input = dir.write("two.json", "{\"users\": " + edges::array_of(500) + ", \"meta\": {\"n\": 1}, \"orders\": [{\"id\": 1}]}");
  auto out = dir / "out.aton";
  auto r = run_aton({"encode", input.string(), "-o", out.string()});
  INFO(r.err);
  CHECK(r.exit_code == 4);
  CHECK_THAT(r.err, Catch::Contains("several tables (users, orders)") && Catch::Contains("--table"));
  CHECK_FALSE(std::filesystem::exists(out));
  auto chosen = run_aton({"encode", input.string(), "--table", "orders", "-o", out.string()});
  CHECK(chosen.exit_code == 0);
}

TEST_CASE("a second table met after the first one fails aton run and leaves no output", "[edges][one_pass]") {
  TempDir dir;
  auto input = dir.write("two.json", "{\"users\": " + edges::array_of(500) + ", \"orders\": [{\"id\": 1}]}");
  for (bool count : {false, true}) {
    SECTION(count ? "counted" : "not counted") {
      auto run = run_aton({"run", file_sink_config(dir, R"({"plugin": "json", "count": )" +
                                                             std::string(count ? "true" : "false") +
                                                             R"(, "path": )" + json_quoted(input) + "}")});
      INFO(run.err);
      CHECK(run.exit_code == 1);
      CHECK_THAT(run.err, Catch::Contains("several tables (users, orders)") && Catch::Contains("\"table\""));
      CHECK_FALSE(std::filesystem::exists(dir / "out.aton"));
    }
  }
}

TEST_CASE("an empty object is refused alike by aton run and aton encode", "[edges][one_pass]") {
  TempDir dir;
  for (std::string text : {"{}", "{\"meta\": {\"n\": 1}}"}) {
    SECTION(text) {
      auto input = dir.write("empty.json", text);
      auto run = run_aton({"run", file_sink_config(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}")});
      INFO(run.err);
      CHECK(run.exit_code == 1);
      CHECK_THAT(run.err, Catch::Contains("no array of records"));
      CHECK_FALSE(std::filesystem::exists(dir / "out.aton"));
      auto encode = run_aton({"encode", input.string(), "-o", (dir / "e.aton").string()});
      INFO(encode.err);
      CHECK(encode.exit_code == 4);
      CHECK_THAT(encode.err, Catch::Contains("no array of records"));
      CHECK_FALSE(std::filesystem::exists(dir / "e.aton"));
    }
  }
  SECTION("an empty array is an empty table for both") {
    auto input = dir.write("none.json", "[]");
    auto run = run_aton({"run", file_sink_config(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}")});
    CHECK(run.exit_code == 0);
    auto encode = run_aton({"encode", input.string()});
    CHECK(encode.exit_code == 0);
  }
}

TEST_CASE("a JSON Lines line that is not JSON is reported by line and column", "[edges][one_pass]") {
  TempDir dir;
  auto input = dir.write("events.jsonl", "{\"a\": 1}\n{\"a\": 2}\nthis is not json\n{\"a\": 4}\n");
  auto run = run_aton({"run", file_sink_config(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}")});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("(line 3, column 1): malformed JSON in record 3"));
  CHECK_THAT(run.err, !Catch::Contains("is not an object"));
  SECTION("a JSON value that is not an object is still named as such") {
    auto other = dir.write("b.jsonl", "{\"a\": 1}\ntrue\n");
    auto r = run_aton({"run", file_sink_config(dir, R"({"plugin": "json", "path": )" + json_quoted(other) + "}")});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("(line 2, column 1): record 2 is not an object but a boolean"));
  }
}
