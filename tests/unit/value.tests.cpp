// Value::operator==, which other tests once used as their oracle, held to
// hand-written expectations: typed, ordered, absent differs from null.
#include <aton/value.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string_view>

using aton::Member;
using aton::Value;

TEST_CASE("values of different kinds are never equal", "[value]") {
  const Value kinds[] = {Value::null(),        Value::boolean(false), Value::integer(0),   Value::floating(0.0),
                         Value::number("0.0000000000000000000000001"), Value::string(""), Value::array({}),
                         Value::object({})};
  for (std::size_t i = 0; i < std::size(kinds); ++i)
    for (std::size_t j = 0; j < std::size(kinds); ++j) {
      INFO(i << " against " << j);
      CHECK((kinds[i] == kinds[j]) == (i == j));
    }
  CHECK_FALSE(Value::integer(1) == Value::floating(1.0));
  CHECK_FALSE(Value::string("1") == Value::integer(1));
  CHECK_FALSE(Value::number("12345678901234567890") == Value::string("12345678901234567890"));
}

TEST_CASE("scalars are equal exactly when their values are", "[value]") {
  CHECK(Value::boolean(true) == Value::boolean(true));
  CHECK_FALSE(Value::boolean(true) == Value::boolean(false));
  CHECK(Value::integer(-7) == Value::integer(-7));
  CHECK_FALSE(Value::integer(std::numeric_limits<std::int64_t>::max()) ==
              Value::integer(std::numeric_limits<std::int64_t>::max() - 1));
  CHECK(Value::floating(0.1) == Value::floating(0.1));
  CHECK_FALSE(Value::floating(0.1) == Value::floating(std::nextafter(0.1, 1.0)));
  CHECK_FALSE(Value::floating(0.0) == Value::floating(-0.0));  // bitwise: the sign is data
  CHECK(Value::floating(std::nan("")) == Value::floating(std::nan("")));
  // A float given as its shortest text equals the same float given as a double.
  CHECK(Value::float_text("0.1") == Value::floating(0.1));
  CHECK(Value::float_text("2.5") == Value::float_text("2.5"));
  CHECK_FALSE(Value::float_text("2.5") == Value::float_text("2.25"));
  CHECK(Value::number("1e400") == Value::number("1e400"));
  CHECK_FALSE(Value::number("1e400") == Value::number("1E400"));  // Number keeps its text
  CHECK(Value::string("zoë") == Value::plain_string("zoë"));        // plainness is a hint, not a value
  CHECK_FALSE(Value::string("a") == Value::string(std::string_view("a\0", 2)));
}

TEST_CASE("arrays and objects compare deeply and in order", "[value]") {
  const Value one[] = {Value::integer(1), Value::string("x")};
  const Value same[] = {Value::integer(1), Value::string("x")};
  const Value swapped[] = {Value::string("x"), Value::integer(1)};
  CHECK(Value::array(one) == Value::array(same));
  CHECK_FALSE(Value::array(one) == Value::array(swapped));
  CHECK_FALSE(Value::array(one) == Value::array(std::span<const Value>(one, 1)));

  const Member ab[] = {{"a", Value::integer(1)}, {"b", Value::null()}};
  const Member ab2[] = {{"a", Value::integer(1)}, {"b", Value::null()}};
  const Member ba[] = {{"b", Value::null()}, {"a", Value::integer(1)}};
  const Member a_only[] = {{"a", Value::integer(1)}};
  const Member a_twice[] = {{"a", Value::integer(1)}, {"a", Value::integer(1)}};
  CHECK(Value::object(ab) == Value::object(ab2));
  CHECK_FALSE(Value::object(ab) == Value::object(ba));         // member order matters
  CHECK_FALSE(Value::object(ab) == Value::object(a_only));     // absent is not null
  CHECK_FALSE(Value::object(a_only) == Value::object(a_twice));  // duplicates count

  const Value inner_one[] = {Value::object(ab)};
  const Value inner_other[] = {Value::object(ba)};
  CHECK_FALSE(Value::array(inner_one) == Value::array(inner_other));
}
