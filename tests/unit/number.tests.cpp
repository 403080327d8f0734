#include <aton/number.hpp>

#include <catch2/catch.hpp>

#include <string>

using aton::Value;

namespace {
std::string canonical(std::string_view text) {
  std::string out;
  aton::append_number(aton::classify_number(text), out);
  return out;
}
}  // namespace

TEST_CASE("integers that fit int64 become Int others keep their digits", "[number]") {
  CHECK(aton::classify_number("12").kind() == Value::Kind::Int);
  CHECK(aton::classify_number("9223372036854775807").as_int() == INT64_MAX);
  CHECK(aton::classify_number("-9223372036854775808").as_int() == INT64_MIN);
  CHECK(aton::classify_number("9223372036854775808").kind() == Value::Kind::Number);
  CHECK(aton::classify_number("-0").kind() == Value::Kind::Number);
  CHECK(canonical("123456789012345678901234567890") == "123456789012345678901234567890");
}

TEST_CASE("floats that a double holds exactly print in shortest form with a point or exponent",
          "[number]") {
  CHECK(aton::classify_number("0.1").kind() == Value::Kind::Float);
  CHECK(canonical("2.50") == "2.5");
  CHECK(canonical("100.0") == "100.0");
  CHECK(canonical("1e20") == "1e+20");
  CHECK(canonical("-0.0") == "-0.0");
  CHECK(canonical("5e-324") == "5e-324");
  CHECK(canonical("1.7976931348623157e308") == "1.7976931348623157e+308");
}

TEST_CASE("floats no double holds exactly keep their text", "[number]") {
  CHECK(aton::classify_number("1e400").kind() == Value::Kind::Number);
  CHECK(aton::classify_number("1.00000000000000000001").kind() == Value::Kind::Number);
  CHECK(canonical("0.30000000000000000000001") == "0.30000000000000000000001");
  CHECK(aton::classify_number("1e-400").kind() == Value::Kind::Number);
}

TEST_CASE("the JSON number grammar is checked exactly", "[number]") {
  for (const char* ok : {"0", "-0", "12", "1.5", "1e5", "1E+5", "-0.0e-0"}) CHECK(aton::is_json_number(ok));
  for (const char* bad : {"", "-", "01", "1.", ".5", "+1", "1e", "0x10", "1.5.2", "NaN", "Infinity"})
    CHECK_FALSE(aton::is_json_number(bad));
}
