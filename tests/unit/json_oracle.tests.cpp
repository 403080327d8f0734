// The tests' independent JSON oracle (support/json_oracle.hpp) against
// hand-written cases: it must tell apart what aton must keep apart.
#include "support/json_oracle.hpp"

#include <catch2/catch.hpp>

using aton::test::json_difference;

TEST_CASE("the JSON oracle finds equal what is the same JSON value", "[oracle]") {
  CHECK_FALSE(json_difference(R"({"a": [1.50, 1e400, -0, "x"]})", R"({"a":[1.5,1E+400,-0.0,"x"]})"));
  CHECK_FALSE(json_difference(R"({"k": 1, "k": 2})", R"({"k":1,"k":2})"));
  CHECK_FALSE(json_difference(R"(["\u00e9"])", "[\"\xC3\xA9\"]"));
}

TEST_CASE("the JSON oracle names the first difference", "[oracle]") {
  CHECK(json_difference(R"({"a": 1})", R"({"a": "1"})") == "/a: expected a number, got a string");
  CHECK(json_difference(R"({"a": 1, "b": 2})", R"({"b": 2, "a": 1})") == "/: expected the key \"a\", got \"b\"");
  CHECK(json_difference(R"({"a": 1, "a": 1})", R"({"a": 1})") == "/: expected 2 members, got 1");
  CHECK(json_difference(R"([0])", R"([-0])") == "/0: expected 0, got -0");
  CHECK(json_difference(R"([null])", R"([false])") == "/0: expected null, got a boolean");
  CHECK(json_difference(R"([[1, 2]])", R"([[1, 3]])") == "/0/1: expected 2, got 3");
  CHECK_THAT(*json_difference("[1]", "[1,]"), Catch::StartsWith("the actual text is not JSON"));
  CHECK_THAT(*json_difference("[1]", "[NaN]"), Catch::StartsWith("the actual text is not JSON"));
}
