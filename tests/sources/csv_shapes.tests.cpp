// The csv source on the shapes real exports take: null and boolean words, a
// decimal comma, a header read with the wrong delimiter, columns of codes
// with leading zeros. Real `aton run` (and `aton validate`), real plugin.
#include "sources/source_pipeline.hpp"

#include <catch2/catch.hpp>

using aton::test::json_quoted;
using aton::test::run_source;
using aton::test::check_failed;
using aton::test::TempDir;

TEST_CASE("csv: null_values true_values false_values and decimal read their words and keep other text exact",
          "[sources][csv]") {
  TempDir dir;
  auto input = dir.write("de.csv",
                         "id;score;ok;note\n"
                         "1;3,14;yes;NA\n"
                         "2;NULL;no;-\n"
                         "3;1.234,5;Yes;\"NA\"\n"
                         "4;2;maybe;x\n"
                         "5;,5;;NaN\n"
                         "6;-0,5e3;no;1,5\n");
  const std::string words =
      R"("delimiter": ";", "decimal": ",", "null_values": ["", "NA", "NULL"], "true_values": ["yes"], )"
      R"("false_values": ["no"], )";
  SECTION("inferred columns") {
    auto run = run_source(dir, R"({"plugin": "csv", )" + words + R"("path": )" + json_quoted(input) + "}");
    INFO(run.process.err);
    REQUIRE(run.process.exit_code == 0);
    CHECK(run.json == R"({"records":[{"id":1,"score":3.14,"ok":true,"note":null},)"
                      R"({"id":2,"score":null,"ok":false,"note":"-"},)"
                      R"({"id":3,"score":"1.234,5","ok":"Yes","note":"NA"},)"
                      R"({"id":4,"score":2,"ok":"maybe","note":"x"},)"
                      R"({"id":5,"score":",5","ok":null,"note":"NaN"},)"
                      R"({"id":6,"score":-500.0,"ok":false,"note":1.5}]})");
  }
  SECTION("float and bool overrides take the same words (bool in any case)") {
    auto fitting = dir.write("fit.csv", "score;ok\n3,14;yes\nNA;YES\n2;No\n");
    auto run = run_source(dir, R"({"plugin": "csv", )" + words + R"("types": {"score": "float", "ok": "bool"}, )" +
                                   R"("path": )" + json_quoted(fitting) + "}");
    INFO(run.process.err);
    REQUIRE(run.process.exit_code == 0);
    CHECK(run.json == R"({"records":[{"score":3.14,"ok":true},{"score":null,"ok":true},{"score":2.0,"ok":false}]})");

    auto refused = run_source(dir, R"({"plugin": "csv", )" + words + R"("types": {"score": "float"}, "path": )" +
                                       json_quoted(input) + "}");
    check_failed(refused, "de.csv: line 4, column 2 (\"score\"): \"1.234,5\" is not of type float");
  }
  SECTION("the defaults are the rules from before: only an empty field is null") {
    auto run = run_source(dir, R"({"plugin": "csv", "delimiter": ";", "path": )" + json_quoted(input) + "}");
    INFO(run.process.err);
    REQUIRE(run.process.exit_code == 0);
    CHECK_THAT(run.json, Catch::Contains(R"({"id":1,"score":"3,14","ok":"yes","note":"NA"})") &&
                             Catch::Contains(R"({"id":5,"score":",5","ok":null,"note":"NaN"})"));
  }
}

TEST_CASE("csv: a decimal comma with the comma delimiter a word with two meanings and an unknown encoding are refused before the run",
          "[sources][csv]") {
  TempDir dir;
  auto input = dir.write("t.csv", "a\n1\n");
  auto validate = [&](const std::string& source) {
    auto config = dir.write("pipeline.json", "{\"source\": " + source +
                                                 ", \"sinks\": [{\"plugin\": \"file\", \"path\": \"" +
                                                 (dir / "out.aton").string() + "\"}]}");
    return aton::test::run_aton({"validate", config.string()});
  };
  auto comma = validate(R"({"plugin": "csv", "decimal": ",", "path": )" + json_quoted(input) + "}");
  CHECK(comma.exit_code == 3);
  CHECK_THAT(comma.err, Catch::Contains("/source/decimal: a decimal comma needs another field separator"));

  auto both = validate(R"({"plugin": "csv", "true_values": ["1", "y"], "false_values": ["0", "y"], "path": )" +
                       json_quoted(input) + "}");
  CHECK(both.exit_code == 3);
  CHECK_THAT(both.err, Catch::Contains("/source/false_values: \"y\" is in true_values too"));

  auto unknown = validate(R"({"plugin": "csv", "encoding": "latin1", "path": )" + json_quoted(input) + "}");
  CHECK(unknown.exit_code == 3);
  CHECK_THAT(unknown.err, Catch::Contains("/source/encoding: expected one of \"utf-8\", \"utf-16\""));

  auto followed = validate(R"({"plugin": "csv", "encoding": "utf-16", "follow": true, "path": )" +
                           json_quoted(input) + "}");
  CHECK(followed.exit_code == 3);
  CHECK_THAT(followed.err, Catch::Contains("/source/follow: follows UTF-8 files only"));

  auto fine = validate(R"({"plugin": "csv", "decimal": ",", "delimiter": ";", "null_values": ["", "NA"], "path": )" +
                       json_quoted(input) + "}");
  INFO(fine.err);
  CHECK(fine.exit_code == 0);
}

TEST_CASE("csv: a header of one field holding a semicolon or tab or bar runs as one column and warns with the delimiter to set",
          "[sources][csv]") {
  TempDir dir;
  auto semicolons = dir.write("semi.csv", "id;name\n1;Ann\n");
  auto run = run_source(dir, R"({"plugin": "csv", "path": )" + json_quoted(semicolons) + "}");
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json == R"({"records":[{"id;name":"1;Ann"}]})");
  CHECK_THAT(run.process.err, Catch::Contains("semi.csv: the header row is one field, \"id;name\", holding ';'") &&
                                  Catch::Contains("set \"delimiter\": \";\""));

  auto tabs = dir.write("tabs.csv", "id\tname\n1\tAnn\n");
  auto tab_run = run_source(dir, R"({"plugin": "csv", "path": )" + json_quoted(tabs) + "}");
  REQUIRE(tab_run.process.exit_code == 0);
  CHECK_THAT(tab_run.process.err, Catch::Contains("separated by tabs, set \"delimiter\": \"\\t\""));

  auto plain = dir.write("plain.csv", "id,name\n1,Ann\n");
  auto plain_run = run_source(dir, R"({"plugin": "csv", "path": )" + json_quoted(plain) + "}");
  REQUIRE(plain_run.process.exit_code == 0);
  CHECK_THAT(plain_run.process.err, !Catch::Contains("header row is one field"));
}

TEST_CASE("csv: a column of codes with leading zeros stays text for the whole column", "[sources][csv]") {
  TempDir dir;
  const std::string text =
      "zip,n,code\n"
      "01234,1,7\n"
      "10115,2,08\n"
      "20095,3,abc\n"
      ",4,x\n";
  const std::string expected = R"({"records":[{"zip":"01234","n":1,"code":7},)"
                               R"({"zip":"10115","n":2,"code":"08"},)"
                               R"({"zip":"20095","n":3,"code":"abc"},)"
                               R"({"zip":null,"n":4,"code":"x"}]})";
  SECTION("from a file") {
    auto input = dir.write("zips.csv", text);
    auto run = run_source(dir, R"({"plugin": "csv", "path": )" + json_quoted(input) + "}");
    INFO(run.process.err);
    REQUIRE(run.process.exit_code == 0);
    CHECK(run.json == expected);
    CHECK(run.total_chunks == std::vector<std::int64_t>{2, 2});
  }
  SECTION("from standard input (the sample's rows are kept and given in order)") {
    aton::test::ProcessOptions stdin_input;
    stdin_input.input = text;
    auto run = run_source(dir, R"({"plugin": "csv"})", 2, stdin_input);
    INFO(run.process.err);
    REQUIRE(run.process.exit_code == 0);
    CHECK(run.json == expected);
  }
  SECTION("a types override still wins") {
    auto input = dir.write("zips.csv", text);
    auto run = run_source(dir, R"({"plugin": "csv", "types": {"zip": "int"}, "path": )" + json_quoted(input) + "}");
    REQUIRE(run.process.exit_code == 0);
    CHECK_THAT(run.json, Catch::StartsWith(R"({"records":[{"zip":1234,"n":1,"code":7},)"));
  }
  SECTION("the rule looks at the first 1000 rows only") {
    std::string late = "zip\n";
    for (int i = 0; i < 1000; ++i) late += "10115\n";
    late += "01234\n";
    auto input = dir.write("late.csv", late);
    auto run = run_source(dir, R"({"plugin": "csv", "path": )" + json_quoted(input) + "}", 1000);
    REQUIRE(run.process.exit_code == 0);
    CHECK_THAT(run.json, Catch::StartsWith(R"({"records":[{"zip":10115},)") &&
                             Catch::EndsWith(R"({"zip":10115},{"zip":"01234"}]})"));
  }
}

namespace {

// `text` (ASCII and characters of the Basic Multilingual Plane, as UTF-8)
// as UTF-16 with a byte order mark, little- or big-endian.
std::string utf16(const std::u16string& text, bool little) {
  std::string out = little ? "\xFF\xFE" : "\xFE\xFF";
  for (char16_t c : text) {
    char lo = static_cast<char>(c & 0xFF), hi = static_cast<char>(c >> 8);
    out += little ? std::string{lo, hi} : std::string{hi, lo};
  }
  return out;
}

}  // namespace

TEST_CASE("csv: encoding converts Windows-1252 ISO-8859-1/15 and UTF-16 to UTF-8 exactly", "[sources][csv]") {
  TempDir dir;
  auto run_encoded = [&](const std::string& bytes, const std::string& encoding) {
    auto input = dir.write("in.csv", bytes);
    return run_source(dir, R"({"plugin": "csv", "delimiter": ";", "encoding": ")" + encoding + R"(", "path": )" +
                               json_quoted(input) + "}");
  };
  SECTION("windows-1252: 0x80 is the euro sign, 0x93 0x94 are curly quotes") {
    auto run = run_encoded("id;name;price\n1;caf\xE9;\x80 5\n2;\x93q\x94;x\n", "windows-1252");
    INFO(run.process.err);
    REQUIRE(run.process.exit_code == 0);
    CHECK(run.json == "{\"records\":[{\"id\":1,\"name\":\"caf\xC3\xA9\",\"price\":\"\xE2\x82\xAC 5\"},"
                      "{\"id\":2,\"name\":\"\xE2\x80\x9Cq\xE2\x80\x9D\",\"price\":\"x\"}]}");
  }
  SECTION("iso-8859-1: every byte is the code point of its value; iso-8859-15: 0xA4 is the euro sign") {
    auto latin1 = run_encoded("a;b\n\xE9;\xA4\n", "iso-8859-1");
    REQUIRE(latin1.process.exit_code == 0);
    CHECK(latin1.json == "{\"records\":[{\"a\":\"\xC3\xA9\",\"b\":\"\xC2\xA4\"}]}");
    auto latin9 = run_encoded("a;b\n\xE9;\xA4\n", "iso-8859-15");
    REQUIRE(latin9.process.exit_code == 0);
    CHECK(latin9.json == "{\"records\":[{\"a\":\"\xC3\xA9\",\"b\":\"\xE2\x82\xAC\"}]}");
  }
  SECTION("utf-16 with a byte order mark, either byte order") {
    const std::u16string text = u"id;name\r\n1;caf\u00E9 \u20AC\r\n2;\"x;y\"\r\n";
    const std::string expected =
        "{\"records\":[{\"id\":1,\"name\":\"caf\xC3\xA9 \xE2\x82\xAC\"},{\"id\":2,\"name\":\"x;y\"}]}";
    for (bool little : {true, false}) {
      auto run = run_encoded(utf16(text, little), "utf-16");
      INFO(run.process.err);
      REQUIRE(run.process.exit_code == 0);
      CHECK(run.json == expected);
    }
  }
  SECTION("a byte that is no character of the encoding is an error with its line and byte") {
    auto run = run_encoded("a;b\n1;x\n2;\x81\n", "windows-1252");
    check_failed(run, "in.csv: line 3, byte 10: 0x81 is not a windows-1252 character");
    auto unmarked = run_encoded(std::string("a\0\n\0", 4), "utf-16");
    check_failed(unmarked, "in.csv: line 1, byte 0: no UTF-16 byte order mark");
    auto odd = run_encoded(utf16(u"a\n1\n", true) + "x", "utf-16");
    check_failed(odd, "in.csv: line 3, byte 10: the input ends inside a utf-16 character");
  }
  SECTION("without encoding, such a file is refused with the option to set") {
    auto input = dir.write("in.csv", "a;b\n1;caf\xE9\n");
    auto run = run_source(dir, R"({"plugin": "csv", "delimiter": ";", "path": )" + json_quoted(input) + "}");
    check_failed(run, "not UTF-8: set the source's \"encoding\" (e.g. \"windows-1252\")");
  }
}
