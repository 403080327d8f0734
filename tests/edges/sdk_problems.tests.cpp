// The SDK's list of the problems a plugin's check() finds (ABI 1.3): what it
// hands the host is always a JSON array, cut only between whole items.
#include <aton/plugin.hpp>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <string>

using aton::sdk::Problems;

TEST_CASE("a problem list is a JSON array of pointers and messages with escapes kept", "[edges][checks][sdk]") {
  Problems problems;
  problems.add("", "give \"query\" or \"table\"\n(one of them)");
  problems.add(Problems::key("headers", "X/Odd~Name"), "bad");
  std::string text = problems.json(1 << 14);
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsArray());
  REQUIRE(doc.Size() == 2);
  CHECK(std::string(doc[0]["pointer"].GetString()) == "");
  CHECK(std::string(doc[0]["message"].GetString()) == "give \"query\" or \"table\"\n(one of them)");
  CHECK(std::string(doc[1]["pointer"].GetString()) == "/headers/X~1Odd~0Name");
  CHECK(problems.joined() == "give \"query\" or \"table\"\n(one of them); /headers/X~1Odd~0Name: bad");
}

TEST_CASE("a problem list that does not fit keeps the whole items that do", "[edges][checks][sdk]") {
  Problems problems;
  for (int i = 0; i < 100; ++i) problems.add(Problems::key("k" + std::to_string(i)), std::string(50, 'x'));
  for (std::size_t limit : {3u, 40u, 100u, 1000u}) {
    INFO("limit " << limit);
    std::string text = problems.json(limit);
    CHECK(text.size() + 1 <= limit);  // the NUL fits too
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    REQUIRE_FALSE(doc.HasParseError());
    REQUIRE(doc.IsArray());
    if (limit >= 1000) CHECK(doc.Size() > 5);
    for (const auto& item : doc.GetArray()) CHECK(std::string(item["message"].GetString()).size() == 50);
  }
}
