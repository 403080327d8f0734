// Hostile and broken input through the real `aton`: each is a clear error
// (what, where, what to do), nothing is presented as complete, nothing hangs
// and nothing crashes.
#include "faults/fault_run.hpp"

#include <aton/decoder.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <string>

using namespace aton::test;
using namespace aton::test::faults;

TEST_CASE("a truncated JSON file fails naming the byte the record and a likely cause", "[faults][json]") {
  TempDir dir;
  auto input = dir.write("users.json", "[{\"id\": 1}, {\"id\": 2}, {\"id\": 3, \"name\": \"Cy");
  auto run = run_pipeline(dir, json_source(input));
  check_failed_run(run, {"users.json", "byte 44", "record 3", "truncated", "chunk 2"});
}

TEST_CASE("a truncated CSV file fails at the quoted field left open", "[faults][csv]") {
  TempDir dir;
  auto input = dir.write("users.csv", "id,name\n1,Ann\n2,\"Bo");
  auto run = run_pipeline(dir, csv_source(input));
  check_failed_run(run, {"users.csv", "line 3", "never closed"});
}

TEST_CASE("a malformed record midway fails after earlier chunks were sent and none is kept", "[faults][json]") {
  TempDir dir;
  auto input = dir.write("users.json", "[{\"id\": 1},\n {\"id\": 2},\n {\"id\" 3},\n {\"id\": 4}]");
  auto run = run_pipeline(dir, json_source(input));
  // Two chunks reached the file sink before the source failed on the third.
  check_failed_run(run, {"users.json", "line 3", "record 3", "malformed JSON", "chunk 2"});
}

TEST_CASE("a CSV row with the wrong number of fields fails naming its line and the way out", "[faults][csv]") {
  TempDir dir;
  auto input = dir.write("users.csv", "id,name\n1,Ann\n2\n3,Cy\n");
  auto run = run_pipeline(dir, csv_source(input));
  check_failed_run(run, {"users.csv", "line 3", "1 fields where the header has 2", "on_error"});
}

TEST_CASE("invalid UTF-8 fails naming where and how to convert", "[faults][json][csv]") {
  TempDir dir;
  SECTION("json") {
    auto input = dir.write("latin1.json", "[{\"name\": \"Zo\xeb\"}]");
    auto run = run_pipeline(dir, json_source(input));
    check_failed_run(run, {"latin1.json", "byte 13", "UTF-8", "iconv"});
  }
  SECTION("csv") {
    auto input = dir.write("latin1.csv", "id,name\n1,Zo\xeb\n");
    auto run = run_pipeline(dir, csv_source(input));
    check_failed_run(run, {"latin1.csv", "line 2, column 2", "UTF-8", "set the source's \"encoding\""});
  }
}

TEST_CASE("a NUL byte fails named as such in JSON and in CSV", "[faults][json][csv]") {
  TempDir dir;
  using namespace std::string_literals;
  SECTION("inside a JSON string") {
    auto input = dir.write("nul.json", "[{\"name\": \"a\0b\"}]"s);
    auto run = run_pipeline(dir, json_source(input));
    check_failed_run(run, {"nul.json", "byte 12", "a NUL byte", "\\u0000"});
  }
  SECTION("between JSON records") {
    auto input = dir.write("nul.json", "[{\"id\": 1}\0, {\"id\": 2}]"s);
    auto run = run_pipeline(dir, json_source(input));
    check_failed_run(run, {"nul.json", "byte 10", "found a NUL byte"});
  }
  SECTION("in a CSV field") {
    auto input = dir.write("nul.csv", "id,name\n1,a\0b\n"s);
    auto run = run_pipeline(dir, csv_source(input));
    check_failed_run(run, {"nul.csv", "line 2, column 2", "a NUL byte", "\"encoding\": \"utf-16\""});
  }
}

TEST_CASE("a 100 MB single string encodes and decodes back whole", "[faults][json][large]") {
  TempDir dir;
  constexpr std::size_t kSize = 100'000'000;
  auto input = dir / "huge.json";
  {
    std::ofstream out(input, std::ios::binary);
    out << "[{\"id\": 1, \"text\": \"";
    std::string block(1 << 20, 'x');
    for (std::size_t left = kSize; left > 0; left -= std::min(left, block.size()))
      out.write(block.data(), static_cast<std::streamsize>(std::min(left, block.size())));
    out << "\"}, {\"id\": 2, \"text\": \"short\"}]";
  }
  auto run = run_pipeline(dir, json_source(input), 1, {}, "", std::chrono::milliseconds(600'000));
  INFO(run.process.err);
  REQUIRE_FALSE(run.process.timed_out);
  REQUIRE(run.process.exit_code == 0);
  REQUIRE(run.output_exists);
  aton::Decoder decoder;
  decoder.feed(read_file(run.output));
  const auto& records = decoder.tables().at(0).records;
  REQUIRE(records.size() == 2);
  const aton::Value* text = records[0].find("text");
  REQUIRE(text != nullptr);
  CHECK(text->as_string().size() == kSize);
  CHECK(text->as_string().find_first_not_of('x') == std::string_view::npos);
  CHECK(records[1].find("text")->as_string() == "short");
}

TEST_CASE("10000-deep nesting meets a depth limit not a stack overflow", "[faults][json]") {
  TempDir dir;
  std::string deep = std::string(10'000, '[') + std::string(10'000, ']');
  SECTION("the json source") {
    auto input = dir.write("deep.json", "[{\"id\": 1}, {\"deep\": " + deep + "}]");
    auto run = run_pipeline(dir, json_source(input));
    check_failed_run(run, {"source 'json'", "record 2", "nesting deeper than 512 levels", "flatten"});
  }
  SECTION("aton encode") {
    auto input = dir.write("deep.json", "{\"t\": [{\"deep\": " + deep + "}]}");
    auto result = run_aton({"encode", input.string(), "-o", (dir / "deep.aton").string()});
    check_error(result, 4, {"deep.json", "line 1", "nesting deeper than 512 levels"});
    CHECK_FALSE(std::filesystem::exists(dir / "deep.aton"));
  }
  SECTION("deep nesting in a member the json source skips is read, not refused") {
    auto input = dir.write("skip.json", "{\"meta\": " + deep + ", \"t\": [{\"id\": 1}]}");
    auto run = run_pipeline(dir, "{\"plugin\": \"json\", \"table\": \"t\", \"path\": " + quoted(input.string()) + "}");
    INFO(run.process.err);
    CHECK(run.process.exit_code == 0);
    CHECK(run.output_exists);
  }
}
