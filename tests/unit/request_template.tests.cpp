// The SDK's request templates (aton/request_template.hpp), shared by the
// http and file sinks: placement decides the JSON type, text is escaped so
// the result always parses, and mistakes are found before any chunk.
#include <aton/request_template.hpp>

#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include <string>

using aton::sdk::ChunkFields;
using aton::sdk::Problems;
using aton::sdk::RequestTemplate;

namespace {

RequestTemplate compiled(const char* json) {
  rapidjson::Document d;
  d.Parse(json);
  REQUIRE_FALSE(d.HasParseError());
  Problems problems;
  auto t = RequestTemplate::compile(d, problems, "/body");
  INFO(problems.joined());
  REQUIRE(t);
  return *t;
}

ChunkFields fields(std::string_view text) {
  ChunkFields f;
  f.chunk = text;
  f.chunk_id = 7;
  f.total_chunks = 12;
  f.table = "users \"eu\"";
  f.records = 100;
  f.tokens = -1;
  f.is_first = false;
  f.is_last = true;
  return f;
}

}  // namespace

TEST_CASE("a template renders valid JSON whatever the chunk holds", "[template]") {
  auto t = compiled(R"({"m": [{"c": "Part {{chunk_id}}/{{total_chunks}} of {{table}}:\n{{chunk}}"}],)"
                    R"( "id": "{{chunk_id}}", "n": "{{tokens}}", "last": "{{is_last}}", "first": "{{is_first}}",)"
                    R"( "t": "{{table}}", "raw": "{{chunk}}", "k-{{chunk_id}}": 1.5, "fixed": [true, null, -3]})");
  std::string text = "users(2):\n1, \"a \\\\ b\"\t\x01 Zoë 日本\n2, \"\"";
  std::string out = t.render(fields(text));
  rapidjson::Document d;
  d.Parse(out.data(), out.size());
  INFO(out);
  REQUIRE_FALSE(d.HasParseError());
  CHECK(out.find('\n') == std::string::npos);  // one line
  CHECK(std::string(d["m"][0]["c"].GetString()) == "Part 7/12 of users \"eu\":\n" + text);
  CHECK(std::string(d["raw"].GetString(), d["raw"].GetStringLength()) == text);
  CHECK(d["id"].GetUint64() == 7);
  CHECK(d["n"].IsNull());
  CHECK(d["last"].GetBool());
  CHECK_FALSE(d["first"].GetBool());
  CHECK(std::string(d["t"].GetString()) == "users \"eu\"");
  CHECK(d["k-7"].GetDouble() == 1.5);
  CHECK(d["fixed"][2].GetInt() == -3);
  auto known = fields(text);
  known.tokens = 4321;
  known.total_chunks = -1;
  CHECK_THAT(t.render(known), Catch::Contains(R"("n":4321)") && Catch::Contains("Part 7/null of"));
}

TEST_CASE("a text template puts the values in as they are", "[template]") {
  Problems problems;
  auto t = RequestTemplate::compile_text("aton-{{chunk_id}}-{{ table }}", problems, "/headers/X");
  REQUIRE(t);
  CHECK(t->render(fields("x")) == "aton-7-users \"eu\"");
  CHECK_FALSE(t->constant());
  CHECK(RequestTemplate::compile_text("Bearer abc", problems, "")->constant());
}

TEST_CASE("unknown placeholders and unclosed braces are all reported with where and a did-you-mean", "[template]") {
  rapidjson::Document d;
  d.Parse(R"({"a": ["{{chunk_idd}}", "x {{tabel}} y"], "b/c": "{{nothing_like_it}}", "d": "oops {{chunk", "{{recods}}": 1})");
  Problems problems;
  CHECK_FALSE(RequestTemplate::compile(d, problems, "/body"));
  REQUIRE(problems.list().size() == 5);
  CHECK(problems.list()[0].pointer == "/body/a/0");
  CHECK_THAT(problems.list()[0].message, Catch::StartsWith("unknown placeholder {{chunk_idd}}; did you mean {{chunk_id}}?"));
  CHECK(problems.list()[1].pointer == "/body/a/1");
  CHECK_THAT(problems.list()[1].message, Catch::Contains("did you mean {{table}}?"));
  CHECK(problems.list()[2].pointer == "/body/b~1c");
  CHECK_THAT(problems.list()[2].message, !Catch::Contains("did you mean") && Catch::Contains("(known: {{chunk}}"));
  CHECK(problems.list()[3].pointer == "/body/d");
  CHECK_THAT(problems.list()[3].message, Catch::Contains("unclosed"));
  CHECK(problems.list()[4].pointer == "/body/{{recods}}");
  CHECK_THAT(problems.list()[4].message, Catch::Contains("did you mean {{records}}?"));
}
