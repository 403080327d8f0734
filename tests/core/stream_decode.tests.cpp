// The streaming decoder (aton::Decoder with a RecordHandler) and the
// streaming `aton decode`: the same records as the whole-document decoder
// however the text is split, records handed out before the text ends, the
// output shapes --jsonl, --array and --table, and tables that interleave.
#include "support/process.hpp"
#include "support/random_records.hpp"
#include "support/temp_dir.hpp"

#include <aton/decoder.hpp>
#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/stream_encoder.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

using namespace aton::test;

namespace {

// Every feature a row can use: defaults, `~`, dictionary references in
// slots and nested, literal rows, a @schema+ continuation, two tables that
// interleave, a table opened again with a new header, escapes, CRLF.
const std::string kDocument =
    "@schema[id:int, name:str, city:str, score:float, tags:array, extra:object]\n"
    "@defaults[city:\"Paris\", score:0.5]\n"
    "@dict[#0:\"alpha \\\"q\\\"\", #1:\"beta\"]\n"
    "users(3):\n"
    "1, #0, , 1.5, [1, \"x\", #1], {\"k\": #1}\n"
    "2, \"b\\u00e9\\n\\/\", ~, -0.25, [], {}\r\n"
    "3, bare text, \"Lyon\", 2.0\n"
    "@schema[sku:str, qty:int]\n"
    "orders(2):\n"
    "\"A-1\", 12345678901234567890\n"
    "\"#no\", -0\n"
    "@schema+[age:int]\n"
    "@dict[#2:\"gamma\"]\n"
    "users+(2):\n"
    "4, #2, , 1e+300, [true, null], {\"a\": []}, 40\n"
    "!{\"id\": 5, \"name\": \"lit\", \"nested\": {\"n\": 1.25}}\n"
    "@schema[id:int, note:str]\n"
    "@dict[#0:\"again\"]\n"
    "users(1):\n"
    "6, #0\n"
    "\n"
    "@schema[x:int]\n"
    "empty(0):\n";

// Keeps what a streaming decoder hands out, as JSON: each record by
// append_json() and by value(), with its table.
struct Recorder final : aton::RecordHandler {
  std::vector<std::string> opened;
  std::vector<std::vector<std::string>> fast, typed;  // per table
  void table_opened(std::size_t table, std::string_view name) override {
    CHECK(table == opened.size());
    opened.emplace_back(name);
    fast.emplace_back();
    typed.emplace_back();
  }
  void record(const aton::DecodedRecord& r) override {
    REQUIRE(r.table() < opened.size());
    CHECK(r.table_name() == opened[r.table()]);
    std::string json;
    r.append_json(json);
    fast[r.table()].push_back(json);
    typed[r.table()].push_back(aton::to_json(r.value()));
  }
  // {"t": [...], ...} from the records kept by one of the two ways.
  std::string document(const std::vector<std::vector<std::string>>& records) const {
    std::string out = "{";
    for (std::size_t t = 0; t < opened.size(); ++t) {
      if (t) out += ",";
      aton::append_json_string(opened[t], out);
      out += ":[";
      for (std::size_t i = 0; i < records[t].size(); ++i) out += (i ? "," : "") + records[t][i];
      out += "]";
    }
    return out + "}";
  }
};

std::string whole_json(const std::string& text) {
  aton::Decoder whole;
  whole.feed(text);
  return whole.to_json();
}

}  // namespace

TEST_CASE("the streaming decoder gives the whole-document decoder's records however the text is split",
          "[stream_decode][decoder]") {
  const std::string expected = whole_json(kDocument);
  for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{64},
                            kDocument.size()}) {
    INFO("pieces of " << piece << " bytes");
    Recorder recorder;
    aton::Decoder decoder(recorder);
    for (std::size_t at = 0; at < kDocument.size(); at += piece)
      decoder.push(std::string_view(kDocument).substr(at, piece));
    decoder.finish();
    CHECK(recorder.document(recorder.typed) == expected);
    CHECK(recorder.opened == std::vector<std::string>{"users", "orders", "empty"});
    // The fast JSON writes numbers as the text wrote them: here only the
    // Float 2.0's and the Number's texts, which the record model keeps too.
    CHECK(recorder.document(recorder.fast) == expected);
  }
}

TEST_CASE("append_json passes a number's text through where value() classifies it", "[stream_decode][decoder]") {
  Recorder recorder;
  aton::Decoder decoder(recorder);
  decoder.feed("@schema[a:float, b:float, c:int]\nt(1):\n2.50, 1E3, 7\n");
  REQUIRE(recorder.fast.size() == 1);
  REQUIRE(recorder.fast[0].size() == 1);
  CHECK(recorder.fast[0][0] == R"({"a":2.50,"b":1E3,"c":7})");
  CHECK(recorder.typed[0][0] == R"({"a":2.5,"b":1000.0,"c":7})");
}

TEST_CASE("the streaming decoder hands a record out as soon as its line has come", "[stream_decode][decoder]") {
  Recorder recorder;
  aton::Decoder decoder(recorder);
  decoder.push("@schema[id:int]\nt(3):\n1\n2");
  REQUIRE(recorder.fast.size() == 1);
  CHECK(recorder.fast[0] == std::vector<std::string>{R"({"id":1})"});  // "2" may go on: "23"
  decoder.push("3\n");
  CHECK(recorder.fast[0] == std::vector<std::string>{R"({"id":1})", R"({"id":23})"});
  // The text ends one row short of t(3): the end says so.
  CHECK_THROWS_AS(decoder.finish(), aton::DecodingError);
}

TEST_CASE("the streaming decoder refuses a line longer than its limit without holding it",
          "[stream_decode][decoder][errors]") {
  Recorder recorder;
  aton::DecoderOptions options;
  options.max_line_bytes = 1000;
  aton::Decoder decoder(recorder, options);
  decoder.push("@schema[s:str]\nt(1):\n\"");
  const std::string block(400, 'x');
  decoder.push(block);
  decoder.push(block);
  try {
    decoder.push(block);
    FAIL("no DecodingError");
  } catch (const aton::DecodingError& e) {
    CHECK(e.line() == 3);
    CHECK_THAT(e.what(), Catch::Contains("more than 1000 bytes"));
  }
}

TEST_CASE("the streaming decoder keeps random records lossless in every delivery", "[stream_decode][decoder]") {
  aton::Arena arena;
  RandomRecords random(20261202, arena);
  for (auto shape : {RecordShape::Noise, RecordShape::Table, RecordShape::Drifting}) {
    auto records = random.records(shape, 300);
    aton::EncoderOptions options;
    options.chunk_size = 37;
    std::string text = aton::StreamEncoder(options).encode(as_records(records));
    Recorder recorder;
    aton::Decoder decoder(recorder);
    for (std::size_t at = 0; at < text.size(); at += 4093) decoder.push(std::string_view(text).substr(at, 4093));
    decoder.finish();
    REQUIRE(recorder.typed.size() == 1);
    REQUIRE(recorder.typed[0].size() == records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
      INFO("record " << i);
      CHECK(recorder.typed[0][i] == aton::to_json(records[i]));
      CHECK(recorder.fast[0][i] == recorder.typed[0][i]);  // the encoder writes numbers canonically
    }
  }
}

TEST_CASE("aton decode writes the same JSON as the whole-document decoder when tables interleave",
          "[stream_decode][cli]") {
  auto r = run_aton({"decode", "-"}, with_input(kDocument));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == whole_json(kDocument) + "\n");
}

TEST_CASE("aton decode --table --jsonl and --array write one table", "[stream_decode][cli]") {
  SECTION("--table keeps the default shape with that table alone") {
    auto r = run_aton({"decode", "--table", "orders"}, with_input(kDocument));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == R"({"orders":[{"sku":"A-1","qty":12345678901234567890},{"sku":"#no","qty":-0}]})"
                   "\n");
  }
  SECTION("--jsonl writes a record a line") {
    auto r = run_aton({"decode", "--jsonl", "-t", "users"}, with_input(kDocument));
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < r.out.size();) {
      std::size_t end = r.out.find('\n', at);
      REQUIRE(end != std::string::npos);
      lines.push_back(r.out.substr(at, end - at));
      at = end + 1;
    }
    REQUIRE(lines.size() == 6);
    CHECK(lines[0] == R"({"id":1,"name":"alpha \"q\"","city":"Paris","score":1.5,"tags":[1,"x","beta"],"extra":{"k":"beta"}})");
    CHECK(lines[5] == R"({"id":6,"note":"again"})");
  }
  SECTION("--array writes a bare array and an empty table as []") {
    auto r = run_aton({"decode", "--array", "--table", "empty"}, with_input(kDocument));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "[]\n");
  }
  SECTION("a second table without --table is refused, naming both") {
    for (const char* shape : {"--jsonl", "--array"}) {
      auto r = run_aton({"decode", shape}, with_input(kDocument));
      CHECK(r.exit_code == 4);
      CHECK(r.out.empty());  // less than a block was made: nothing went out
      CHECK_THAT(r.err, Catch::Contains("'users' and 'orders'") && Catch::Contains("--table"));
    }
  }
  SECTION("an unknown table is refused, naming the tables there are") {
    auto r = run_aton({"decode", "--table", "nope"}, with_input(kDocument));
    CHECK(r.exit_code == 4);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("no table 'nope'") && Catch::Contains("'users', 'orders', 'empty'"));
  }
  SECTION("--jsonl and --array together are a usage error") {
    auto r = run_aton({"decode", "--jsonl", "--array"}, with_input(kDocument));
    CHECK(r.exit_code == 2);
  }
}

TEST_CASE("aton encode then aton decode --array gives a top-level array back byte for byte", "[stream_decode][cli]") {
  const std::string input =
      R"([{"id":1,"name":"Ann \"A\"","score":1.5,"tags":["x","y"],"big":123456789012345678901234567890},)"
      R"({"id":2,"name":"Bé","score":-0.25,"tags":[],"extra":{"deep":[null,true,{"k":1e+300}]}},)"
      R"({"id":3,"score":2.0,"tags":["x"],"big":-0}])";
  auto encoded = run_aton({"encode", "-", "--chunk-size", "2"}, with_input(input));
  REQUIRE(encoded.exit_code == 0);
  auto decoded = run_aton({"decode", "--array"}, with_input(encoded.out));
  INFO(encoded.out << decoded.err);
  REQUIRE(decoded.exit_code == 0);
  CHECK(decoded.out == input + "\n");
  auto lines = run_aton({"decode", "--jsonl"}, with_input(encoded.out));
  REQUIRE(lines.exit_code == 0);
  CHECK(lines.out.substr(0, lines.out.find('\n')) == input.substr(1, input.find("},{")));
  // And an empty array.
  auto empty = run_aton({"encode", "-"}, with_input("[]"));
  REQUIRE(empty.exit_code == 0);
  auto back = run_aton({"decode", "--array"}, with_input(empty.out));
  REQUIRE(back.exit_code == 0);
  CHECK(back.out == "[]\n");
}

TEST_CASE("aton decode joins three interleaved tables as the whole-document decoder does",
          "[stream_decode][cli]") {
  // Chunks of a, b, c in turn: b's and c's records wait on disk in many
  // runs, read back in order; the output is more than one 1 MiB block.
  std::string text;
  const char* names[] = {"a", "b", "c"};
  for (std::size_t k = 0; k < 60; ++k) {
    std::string name = names[k % 3];
    text += k < 3 ? "@schema[id:int, table:str, pad:str]\n" + name + "(500):\n" : name + "+(500):\n";
    for (std::size_t i = 0; i < 500; ++i)
      text += std::to_string(k * 500 + i) + ", \"" + name + "\", \"padding to make megabytes of JSON\"\n";
  }
  auto r = run_aton({"decode", "-"}, with_input(text));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.size() > (std::size_t{3} << 19));
  CHECK(r.out == whole_json(text) + "\n");
  auto b = run_aton({"decode", "--jsonl", "--table", "b"}, with_input(text));
  REQUIRE(b.exit_code == 0);
  CHECK(std::count(b.out.begin(), b.out.end(), '\n') == 20 * 500);
  CHECK(b.out.rfind(R"({"id":500,"table":"b",)", 0) == 0);
}

TEST_CASE("aton decode -o FILE leaves the file as it was when the input fails after blocks went out",
          "[stream_decode][cli][errors]") {
  // Two megabytes of output made, then a row the schema has no column for.
  std::string text = "@schema[id:int, pad:str]\nt(40001):\n";
  for (std::size_t i = 0; i < 40000; ++i) text += std::to_string(i) + ", \"padding to make megabytes of JSON\"\n";
  text += "1, 2, 3\n";
  TempDir dir;
  auto out = dir.write("out.json", "old\n");
  auto r = run_aton({"decode", "-", "-o", out.string()}, with_input(text));
  CHECK(r.exit_code == 4);
  CHECK_THAT(r.err, Catch::Contains("line 40003") && Catch::Contains("more values than the 2 columns"));
  CHECK(read_file(out) == "old\n");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 1);  // no temporary file left beside it
  // To stdout the blocks before the error went out: the output says so by
  // the exit code, and is not valid JSON.
  auto piped = run_aton({"decode", "-"}, with_input(text));
  CHECK(piped.exit_code == 4);
  CHECK(piped.out.size() >= (std::size_t{1} << 20));
  CHECK(piped.out.rfind(R"({"t":[{"id":0,)", 0) == 0);
}
