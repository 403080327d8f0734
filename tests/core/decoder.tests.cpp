#include <aton/decoder.hpp>
#include <aton/errors.hpp>
#include <aton/json.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace {

std::string decode_to_json(std::string_view text) {
  aton::Decoder decoder;
  decoder.feed(text);
  return decoder.to_json();
}

// Decoding `text` fails at (line, column) with a message containing `part`.
void check_error(std::string_view text, std::size_t line, std::size_t column, const std::string& part) {
  INFO(text);
  try {
    aton::Decoder decoder;
    decoder.feed(text);
    FAIL("no DecodingError");
  } catch (const aton::DecodingError& e) {
    INFO(e.what());
    CHECK(e.line() == line);
    CHECK(e.column() == column);
    CHECK(std::string(e.what()).find(part) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("the guide's first and continuation chunks decode into one table", "[decoder]") {
  aton::Decoder decoder;
  decoder.feed("@schema[id:int, name:str, value:float]\n@defaults[value:0.0]\nrecords(2):\n1, \"First\", 10.5\n2, \"Second\"");
  decoder.feed("records+(2):\n101, \"Next\", 30.7\n102, \"Another\", 40.2");
  CHECK(decoder.to_json() ==
        R"({"records":[{"id":1,"name":"First","value":10.5},{"id":2,"name":"Second","value":0.0},)"
        R"({"id":101,"name":"Next","value":30.7},{"id":102,"name":"Another","value":40.2}]})");
}

TEST_CASE("empty slots take the default a tilde marks an absent key trailing slots may be left out",
          "[decoder]") {
  std::string text =
      "@schema[a:int, b:bool, c:str, d:float]\n@defaults[b:true, d:1.5]\nt(4):\n"
      "1,, \"x\"\n"
      "2, ~, ~, 2.5\n"
      ", false\n"
      "~";
  CHECK(decode_to_json(text) ==
        R"({"t":[{"a":1,"b":true,"c":"x","d":1.5},{"a":2,"d":2.5},{"b":false,"d":1.5},{"b":true,"d":1.5}]})");
}

TEST_CASE("dictionary references resolve - quoted strings that start with '#' stay strings", "[decoder]") {
  std::string text = "@schema[s:str]\n@dict[#0:\"Engineering\", #1:\"a \\\"q\\\" b\"]\nt(4):\n#0\n\"#0\"\n#1\n[#0, \"#1\"]";
  CHECK(decode_to_json(text) ==
        R"({"t":[{"s":"Engineering"},{"s":"#0"},{"s":"a \"q\" b"},{"s":["Engineering","#1"]}]})");
}

TEST_CASE("bare values: keywords exact numbers and bare strings", "[decoder]") {
  std::string text =
      "@schema[v:any]\nt(8):\ntrue\nnull\n-12\n1e+20\n1e400\n123456789012345678901234567890\nNew York\n1.50";
  CHECK(decode_to_json(text) ==
        R"({"t":[{"v":true},{"v":null},{"v":-12},{"v":1e+20},{"v":1e400},{"v":123456789012345678901234567890},{"v":"New York"},{"v":1.5}]})");
}

TEST_CASE("literal rows nested values and schema extensions", "[decoder]") {
  std::string text =
      "@schema[a:int, b:str]\nt(2):\n!{b:\"x\",a:1}\n1, \"y\"\n"
      "@schema+[c:object]\nt+(1):\n2,, {k:[1,{\"q r\":null}],\"e\":\"\\u00e9\\ud83d\\ude00\"}";
  CHECK(decode_to_json(text) ==
        R"({"t":[{"b":"x","a":1},{"a":1,"b":"y"},{"a":2,"c":{"k":[1,{"q r":null}],"e":"é😀"}}]})");
}

TEST_CASE("the reference implementations' indented output decodes", "[decoder]") {
  std::string text =
      "@dict[#0:\"Engineering\", #1:\"Marketing\"]\n\n@schema[id:int, name:str, dept:str, active:bool]\n"
      "@defaults[active:true]\n\nemployees(3):\n  1, \"Alice\", #0\n  2, \"Bob\", #1\n  3, \"Carol\", #0, false\n";
  CHECK(decode_to_json(text) ==
        R"({"employees":[{"id":1,"name":"Alice","dept":"Engineering","active":true},)"
        R"({"id":2,"name":"Bob","dept":"Marketing","active":true},{"id":3,"name":"Carol","dept":"Engineering","active":false}]})");
}

TEST_CASE("several tables stand in one document", "[decoder]") {
  std::string text = "@schema[id:int]\nusers(1):\n1\n@schema[\"order id\":int]\n\"my orders\"(1):\n7";
  CHECK(decode_to_json(text) == R"({"users":[{"id":1}],"my orders":[{"order id":7}]})");
}

TEST_CASE("malformed ATON is reported with its line and column", "[decoder][errors]") {
  check_error("records(1):\n1", 1, 1, "no @schema");
  check_error("@schema[a:int]\nt(2):\n1", 4, 1, "rows short");
  check_error("@schema[a:int]\nt(1):\n1, 2", 3, 4, "more values than the 1 columns");
  check_error("@schema[a:str]\nt(1):\n\"abc", 3, 1, "unterminated string");
  check_error("@schema[a:str]\nt(1):\n#3", 3, 1, "unknown dictionary reference #3");
  check_error("@schema[a:str]\nt(1):\n\"a\\x\"", 3, 3, "Invalid escape");
  check_error("@schema[a:str]\nt(1):\n\"a\xff\"", 3, 3, "invalid UTF-8");
  check_error("@schema[a:str]\nt(1):\na\xff" "b", 3, 2, "invalid UTF-8");  // bare text too
  check_error("@schema[a:str]\nt(1):\n\"a\\ud800\"", 3, 3, "surrogate");
  check_error("@schema[a:int]\nt(1):\n[1, 2", 3, 6, "expected ',' or ']'");
  check_error("@schema[a:int]\nt(1):\n01", 3, 1, "invalid number");
  check_error("@schema[a:int]\nt(1):\n1 2", 3, 1, "invalid number");
  check_error("@schema[a:int]\nt(x):", 2, 3, "row count");
  check_error("@bogus[a:int]", 1, 1, "unknown directive");
  check_error("@schema[a:int]\nt(1):\n0\nt+(1):\n1\nu+(1):\n2", 6, 1, "has not started");
  check_error("@schema[a:int]\nt(0):\nt+(1):\n1", 3, 1, "more than the 0 rows of the first chunk");
  check_error("@schema[a:int]\nt(2):\n1\n2\nt+(1):\n3\nt+(1):\n4", 7, 1, "out of order");
  check_error("@schema[a:str]\n@dict[#0:\"x\"]\nt(1):\n#0\n@dict[#0:\"y\"]\nt+(1):\n#0", 5, 7, "already declared");
  check_error(std::string_view("@schema[a:str]\nt(1):\nab\0", 24), 3, 3, "NUL");
  check_error("@schema[a int]\nt(0):", 1, 14, "':' and a type");
  check_error("@schema[a:int]\n@defaults[b:1]\nt(0):", 3, 1, "not in @schema");
  check_error("@schema[a:int]\nt(1):\n!5", 3, 3, "must hold an object");
}

TEST_CASE("a malformed @chunk line is refused with its line and column", "[decoder][self_contained][errors]") {
  check_error("@chunk[id:-1, stream:\"a\"]\n@schema[a:int]\nt(0):", 1, 11, "a chunk id is an integer, 0 or more");
  check_error("@chunk[id:1.0, stream:\"a\"]\n@schema[a:int]\nt(0):", 1, 11, "a chunk id is an integer");
  check_error("@chunk[id:1]\n@schema[a:int]\nt(0):", 1, 1, "@chunk needs both its id and its stream");
  check_error("@chunk[id:1, stream:\"\"]\n@schema[a:int]\nt(0):", 1, 21, "a chunk's stream is a non-empty string");
  check_error("@chunk[id:1, stream:\"a\", last:true]\n@schema[a:int]\nt(0):", 1, 26, "unknown @chunk item");
  check_error("@chunk[id:1, id:2, stream:\"a\"]\n@schema[a:int]\nt(0):", 1, 14, "@chunk names its id twice");
  check_error("@chunk[id:1, stream:\"a\"]\n@chunk[id:2, stream:\"a\"]\n@schema[a:int]\nt(0):", 2, 1,
              "a second @chunk before one table line");
  // Any order of header lines and items.
  CHECK(decode_to_json("@schema[a:int]\n@chunk[stream:\"x\", id:7]\nt(1):\n1") == R"({"t":[{"a":1}]})");
}
