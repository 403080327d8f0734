// The host's record builder as a source sees it (through the SDK's
// RecordBuilder): events and JSON texts (json_value, ABI 1.2) become
// records, and what does not form a record is refused with its reason.
#include <aton/host/batch_builder.hpp>
#include <aton/json.hpp>
#include <aton/plugin.hpp>

#include <catch2/catch.hpp>

#include <string>

using aton::host::BatchBuilder;

namespace {

struct Built {
  aton::Arena arena;
  BatchBuilder builder;
  aton::sdk::RecordBuilder out{builder.api()};
  Built() { builder.start(arena, 0); }
  std::string record(std::size_t i) { return aton::to_json(builder.records().at(i)); }
  bool views(std::size_t i, const std::string& text) {  // the record's "s" views `text`
    std::string_view s = builder.records().at(i).find("s")->as_string();
    return s.data() >= text.data() && s.data() + s.size() <= text.data() + text.size();
  }
};

}  // namespace

TEST_CASE("json_value takes a record as its JSON text and stops where the value ends", "[host][builder]") {
  Built b;
  std::string text = R"(  {"s": "x\"y", "n": 123456789012345678901234567890, "f": 0.1, "a": [true, null, {}], "s": "é"} ,{"next": 1})";
  auto read = b.out.json_value(text);
  REQUIRE(read.ok);
  CHECK(read.end == text.find(" ,{"));
  REQUIRE(b.builder.records().size() == 1);
  CHECK(b.record(0) == R"({"s":"x\"y","n":123456789012345678901234567890,"f":0.1,"a":[true,null,{}],"s":"é"})");
  CHECK(b.builder.completed() == 1);
  CHECK_FALSE(b.builder.inside_record());
}

TEST_CASE("json_value keeps views into a stable text and copies any other", "[host][builder]") {
  Built b;
  std::string text = R"({"s": "plain"})";
  REQUIRE(b.out.json_value(text, ATON_TEXT_STABLE).ok);
  REQUIRE(b.out.json_value(text).ok);
  CHECK(b.views(0, text));
  CHECK_FALSE(b.views(1, text));
  text.assign(text.size(), '?');  // the copy does not care
  CHECK(b.record(1) == R"({"s":"plain"})");
}

TEST_CASE("json_value of a malformed or cut text takes nothing and the builder goes on", "[host][builder]") {
  Built b;
  SECTION("a record cut short") {
    std::string cut = R"({"a": 1, "b": [1, 2)";
    auto read = b.out.json_value(cut);
    CHECK_FALSE(read.ok);
    CHECK(read.ran_out);
    CHECK(b.builder.records().empty());
  }
  SECTION("a malformed record, at its byte") {
    auto read = b.out.json_value(R"({"a": 1 "b": 2})");
    CHECK_FALSE(read.ok);
    CHECK_FALSE(read.ran_out);
    CHECK(read.end == 8);
    CHECK_THAT(std::string(read.problem), Catch::Contains("Missing a comma"));
  }
  SECTION("a value after a key, then the right one") {
    b.out.begin_object();
    b.out.key("k");
    CHECK_FALSE(b.out.json_value("[1, x]").ok);
    REQUIRE(b.out.json_value("[1, 2]").ok);  // the key still waits for its value
    b.out.end_object();
  }
  CHECK(b.builder.refusal().empty());
  REQUIRE(b.out.json_value(R"({"k": [1, 2]})").ok);
  CHECK(b.record(b.builder.records().size() - 1) == R"({"k":[1,2]})");
}

TEST_CASE("json_value refuses what is not a record and a value without its key", "[host][builder]") {
  Built b;
  SECTION("a record that is an array") {
    CHECK_THROWS_AS(b.out.json_value("[1]"), aton::sdk::BuilderRefused);
    CHECK_THAT(b.builder.refusal(), Catch::Contains("record 1: a record must be a JSON object"));
  }
  SECTION("a value inside an object with no key before it") {
    b.out.begin_object();
    CHECK_THROWS_AS(b.out.json_value("1"), aton::sdk::BuilderRefused);
    CHECK_THAT(b.builder.refusal(), Catch::Contains("a value inside an object without a key"));
  }
}

TEST_CASE("json_value counts the containers already open against the 512-level limit", "[host][builder]") {
  Built b;
  b.out.begin_object();  // one level
  b.out.key("deep");
  std::string fits = std::string(511, '[') + std::string(511, ']');
  std::string too_deep = std::string(512, '[') + std::string(512, ']');
  auto refused = b.out.json_value(too_deep);
  CHECK_FALSE(refused.ok);
  CHECK_THAT(std::string(refused.problem), Catch::Contains("nesting deeper than 512"));
  REQUIRE(b.out.json_value(fits).ok);
  b.out.end_object();
  CHECK(b.builder.records().size() == 1);
}
