// The json source's record reader over tiny read blocks, in-process: every
// record, string, escape, UTF-8 sequence and number straddles a block
// boundary at some block size, and what the reader hands the host must be
// what the core's JSON reader makes of the whole text.
#include "fuzz/plugin_targets.hpp"
#include "json/input_stream.hpp"
#include "json/json_records.hpp"
#include "support/json_oracle.hpp"

#include <aton/json.hpp>
#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using aton::fuzz::BytesFile;
using aton::fuzz::CheckingBuilder;
using aton::json_source::InputStream;
using aton::json_source::Layout;
using aton::json_source::RecordReader;

// Block size 0: the file mapped whole, as the json source reads files.
constexpr std::size_t kMapped = 0;

InputStream open_input(const BytesFile& file, std::size_t block) {
  return block == kMapped ? InputStream(file.path(), InputStream::kBlockSize, InputStream::Access::MapFiles)
                          : InputStream(file.path(), block);
}

// Every record `text` holds, read three at a time over blocks of `block`
// bytes (or mapped), as JSON text.
std::vector<std::string> read_records(const std::string& text, Layout layout, std::size_t block,
                                      std::optional<std::string> table = std::nullopt) {
  BytesFile file(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  InputStream in = open_input(file, block);
  REQUIRE(in.stable() == (block == kMapped));
  RecordReader reader(in, layout, table, "test");
  CheckingBuilder records;
  auto out = records.builder();
  while (reader.read(out, 3) == 3) {
  }
  REQUIRE(records.complete());
  // Mapped, keys and plain strings are handed over in place, and stay put.
  CHECK((records.stable_texts() > 0) == (block == kMapped && !records.records().empty()));
  CHECK(records.stable_texts_unchanged());
  std::vector<std::string> json;
  for (const auto& r : records.records()) json.push_back(aton::to_json(r));
  return json;
}

// The records of a JSON array text as the core's whole-text parser reads
// them, each as JSON. That parser shares the JsonReader the source uses, so
// what it reads is first held against Python's json (support/json_oracle.hpp).
std::vector<std::string> parsed_whole(const std::string& array_text) {
  aton::Arena arena;
  aton::Value whole = aton::parse_json(array_text, arena);
  std::vector<std::string> json;
  for (const auto& r : whole.items()) json.push_back(aton::to_json(r));
  std::string joined = "[";
  for (std::size_t i = 0; i < json.size(); ++i) joined += (i ? "," : "") + json[i];
  auto difference = aton::test::json_difference(array_text, joined + "]");
  INFO(difference.value_or(""));
  REQUIRE_FALSE(difference.has_value());
  return json;
}

// The error message reading `text` gives, or "" when it reads.
std::string read_error(const std::string& text, std::size_t block, Layout layout = Layout::Json) {
  try {
    read_records(text, layout, block);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

// Records with everything that can be cut: escapes (a surrogate pair too),
// raw 2-, 3- and 4-byte UTF-8, numbers of any size, literals, nesting and a
// duplicate key.
const std::vector<std::string> kRecords = {
    R"({"s": "a\"b\\c\n\u00e9\ud83d\ude00/\/", "n": 123456789012345678901234567890, "f": -1.5e-300})",
    "{\"u\": \"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\", \"big\": 1e400, \"t\": true, \"x\": false, \"z\": null}",
    R"({"deep": [1, [2.50, {"k": "v"}], {}], "a": 1, "a": 2, "e": [], "empty": ""})",
    R"({"\u006bey with escape": 0, "last": -0.0})",
};

std::string join(const std::vector<std::string>& parts, const std::string& between) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? between : "") + parts[i];
  return out;
}

}  // namespace

TEST_CASE("json blocks: an array of records reads the same at every block size as a whole-text parse",
          "[sources][json][blocks]") {
  std::string text = "\xEF\xBB\xBF[\n  " + join(kRecords, ",\n  ") + "\n]\n";
  auto expected = parsed_whole("[" + join(kRecords, ",") + "]");
  REQUIRE(expected.size() == kRecords.size());
  for (std::size_t block = kMapped; block <= text.size() + 1; ++block) {
    INFO("block " << block);
    CHECK(read_records(text, Layout::Json, block) == expected);
  }
}

TEST_CASE("json blocks: an object of tables reads the same at every block size with skipped members cut too",
          "[sources][json][blocks]") {
  std::string text = R"({"meta": {"max": [1e999, "x\"y", -12345678901234567890]}, "n": 123456, "t": [)" +
                     join(kRecords, ", ") + R"(], "other": "\u00e9tc"})";
  auto expected = parsed_whole("[" + join(kRecords, ",") + "]");
  for (std::size_t block = kMapped; block <= text.size() + 1; ++block) {
    INFO("block " << block);
    CHECK(read_records(text, Layout::Json, block, "t") == expected);
    CHECK(read_records(text, Layout::Json, block) == expected);  // the only array: the table
  }
}

TEST_CASE("json blocks: JSON Lines read the same at every block size", "[sources][json][blocks]") {
  std::string text = join(kRecords, "\n") + "\r\n\n" + kRecords.front();  // no final newline
  auto expected = parsed_whole("[" + join(kRecords, ",") + "," + kRecords.front() + "]");
  for (std::size_t block = kMapped; block <= text.size() + 1; ++block) {
    INFO("block " << block);
    CHECK(read_records(text, Layout::Lines, block) == expected);
  }
}

TEST_CASE("json blocks: a string with escapes cut at each of its bytes", "[sources][json][blocks]") {
  // Block b cuts after byte b: every byte of the string, the escapes'
  // backslashes and \u digits included, ends a block once.
  std::string text = R"([{"s": "\"\\\/\b\f\n\r\t\u0041\u00e9\ud83d\ude00 end"}])";
  auto expected = parsed_whole(text);
  REQUIRE_THAT(expected.front(), Catch::Contains("A\xC3\xA9\xF0\x9F\x98\x80 end"));
  for (std::size_t block = kMapped; block < text.size(); ++block) {
    INFO("block " << block);
    CHECK(read_records(text, Layout::Json, block) == expected);
  }
}

TEST_CASE("json blocks: a multi-byte UTF-8 character cut between its bytes", "[sources][json][blocks]") {
  // "k": then a 4-byte, a 3-byte and a 2-byte character.
  std::string text = "[{\"k\": \"\xF0\x9F\x98\x80\xE2\x82\xAC\xC3\xA9\"}]";
  for (std::size_t block = kMapped; block < text.size(); ++block) {
    INFO("block " << block);
    CHECK(read_records(text, Layout::Json, block) ==
          std::vector<std::string>{"{\"k\":\"\xF0\x9F\x98\x80\xE2\x82\xAC\xC3\xA9\"}"});
  }
  // Cut or not, an invalid sequence is refused at its first byte.
  std::string bad = "[{\"k\": \"ok\"},\n {\"k\": \"\xE2\x82\x28\"}]";
  for (std::size_t block = kMapped; block < bad.size(); ++block) {
    INFO("block " << block);
    std::string error = read_error(bad, block);
    CHECK_THAT(error, Catch::Contains("byte 22 (line 2, column 9): invalid UTF-8 in record 2"));
  }
}

TEST_CASE("json blocks: a number cut at each of its digits is read whole", "[sources][json][blocks]") {
  std::string digits = "-123456789012345678901234567890.125e+400";
  std::string array = "[{\"n\": " + digits + "}, {\"n\": 7}]";
  std::string lines = "{\"n\": " + digits + "}\n{\"n\": 7}";
  // A number as the value of a skipped member, directly before the table.
  std::string tables = "{\"skip\": " + digits + ", \"t\": [{\"n\": 7}]}";
  for (std::size_t block = kMapped; block <= array.size(); ++block) {
    INFO("block " << block);
    std::vector<std::string> both{"{\"n\":" + digits + "}", "{\"n\":7}"};
    CHECK(read_records(array, Layout::Json, block) == both);
    CHECK(read_records(lines, Layout::Lines, block) == both);
    CHECK(read_records(tables, Layout::Json, block, "t") == std::vector<std::string>{"{\"n\":7}"});
  }
}

TEST_CASE("json blocks: a skipped member is checked without recursion however deep", "[sources][json][blocks]") {
  std::string deep = std::string(200000, '[') + "{\"k\": [1, {}]}" + std::string(200000, ']');
  std::string text = "{\"meta\": " + deep + ", \"t\": [{\"id\": 1}]}";
  CHECK(read_records(text, Layout::Json, 1000, "t") == std::vector<std::string>{"{\"id\":1}"});
  // Still checked: a missing comma deep inside is an error at its byte.
  std::string bad = "{\"meta\": {\"x\": [{\"a\": 1 \"b\": 2}]}, \"t\": []}";
  for (std::size_t block = kMapped; block <= bad.size(); ++block) {
    INFO("block " << block);
    CHECK_THAT(read_error(bad, block), Catch::Contains("byte 24 (line 1, column 25): malformed JSON: Missing a comma or '}'"));
  }
}

TEST_CASE("json blocks: a record larger than the block grows the buffer", "[sources][json][blocks]") {
  std::string big(100000, 'x');
  std::string text = "[{\"a\": 1}, {\"big\": \"" + big + "\"}, {\"a\": 2}]";
  auto records = read_records(text, Layout::Json, 64);
  REQUIRE(records.size() == 3);
  CHECK(records[1] == "{\"big\":\"" + big + "\"}");
  CHECK(records[2] == "{\"a\":2}");
}

TEST_CASE("json blocks: errors name the same byte line and column at every block size", "[sources][json][blocks]") {
  struct Case {
    std::string text, message;
  };
  const Case cases[] = {
      {"[{\"a\": 1},\n {\"a\": 2 \"b\": 3}]", "byte 20 (line 2, column 10): malformed JSON in record 2: Missing a comma or '}'"},
      {"[{\"a\": 1},\n\n {\"a\": \"abc", "byte 23 (line 3, column 12): the input ends early in record 2"},
      {"[{\"a\": 1},\n {\"a\": tru }]", "byte 18 (line 2, column 8): malformed JSON in record 2: Invalid value."},
      {"[{\"a\": 1}\n, 2]", "byte 12 (line 2, column 3): record 2 is not an object but a number"},
      {"[{\"a\": \"x\\q\"}]", "byte 9 (line 1, column 10): malformed JSON in record 1: Invalid escape"},
  };
  for (const auto& c : cases) {
    for (std::size_t block = kMapped; block <= c.text.size() + 1; ++block) {
      INFO(c.text << " - block " << block);
      CHECK_THAT(read_error(c.text, block), Catch::Contains(c.message));
    }
  }
}

TEST_CASE("json blocks: resuming at a saved point with tiny blocks reads the rest and keeps line numbers",
          "[sources][json][blocks]") {
  std::string text = "[\n" + join(kRecords, ",\n") + ",\n {\"bad\": x}]";
  BytesFile file(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  // Saved over blocks (with the line count) or mapped (without: counted
  // again when needed), resumed either way.
  for (std::size_t saved_with : {std::size_t{5}, kMapped}) {
    RecordReader::Resume at;
    {
      InputStream in = open_input(file, saved_with);
      RecordReader reader(in, Layout::Json, std::nullopt, "test");
      CheckingBuilder records;
      auto out = records.builder();
      REQUIRE(reader.read(out, 2) == 2);
      at = reader.resume_point();
    }
    CHECK(at.line == (saved_with == kMapped ? 0u : 3u));
    CHECK(at.records == 2);
    for (std::size_t block : {std::size_t{3}, kMapped}) {
      INFO("saved with block " << saved_with << ", resumed with block " << block);
      InputStream in = open_input(file, block);
      RecordReader reader(in, Layout::Json, std::nullopt, "test");
      reader.resume_at(at);
      CheckingBuilder records;
      auto out = records.builder();
      CHECK_THROWS_WITH(reader.read(out, 10), Catch::Contains("(line 6, column 10): malformed JSON in record 5"));
      REQUIRE(records.records().size() == 2);
      CHECK(aton::to_json(records.records()[0]) == parsed_whole("[" + kRecords[2] + "]").front());
    }
  }
}
