// Text must be valid Unicode: a lone UTF-16 surrogate escape ("\ud800"),
// which stands for no character, is refused everywhere it can come in, with
// its position and the escape itself named, never silently changed.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace aton::test;

namespace {

void check_refused(const ProcessResult& r, int exit_code, std::initializer_list<std::string> parts) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == exit_code);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("not valid Unicode"));
  for (const auto& part : parts) CHECK_THAT(r.err, Catch::Contains(part));
}

}  // namespace

TEST_CASE("aton encode refuses a lone surrogate escape naming it and its position", "[edges][unicode]") {
  TempDir dir;
  SECTION("a high surrogate at the end of a string") {
    auto input = dir.write("in.json", R"([{"a": "ok"}, {"a": "x\ud800"}])");
    check_refused(run_aton({"encode", input.string()}), 4, {"line 1, column 23", "\\ud800"});
  }
  SECTION("a high surrogate followed by something else than a low one") {
    auto input = dir.write("in.json", "[{\"a\": \"\\uD83D\\u0041\"}]");
    check_refused(run_aton({"encode", input.string()}), 4, {"line 1, column 9", "\\uD83D"});
  }
  SECTION("a low surrogate alone") {
    auto input = dir.write("in.json", "[\n{\"a\": \"\\udc00\"}]");
    check_refused(run_aton({"encode", input.string()}), 4, {"line 2, column 8", "\\udc00"});
  }
  SECTION("a key too") {
    auto input = dir.write("in.json", R"([{"\udfff": 1}])");
    check_refused(run_aton({"encode", input.string()}), 4, {"line 1, column 4", "\\udfff"});
  }
  SECTION("a pair is one character and is kept") {
    auto input = dir.write("in.json", R"([{"a": "\ud83d\ude00"}])");
    auto r = run_aton({"encode", input.string()});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("\xF0\x9F\x98\x80"));
  }
}

TEST_CASE("aton decode refuses a lone surrogate escape naming it and its position", "[edges][unicode]") {
  ProcessOptions options;
  options.input = "@schema[a:str]\nt(2):\n\"fine\"\n\"bad \\ud800 here\"\n";
  check_refused(run_aton({"decode", "-"}, options), 4, {"line 4, column 6", "\\ud800"});
}

TEST_CASE("aton run refuses a lone surrogate escape in its input and keeps no output", "[edges][unicode]") {
  TempDir dir;
  dir.write("users.json", "[{\"id\": 1, \"name\": \"Ann\"},\n {\"id\": 2, \"name\": \"\\udbff\"}]");
  auto config = dir.write("pipeline.json", R"({"source": {"plugin": "json", "path": "users.json"},
                                               "sinks": [{"plugin": "file", "path": "out.aton"}]})");
  check_refused(run_aton({"run", config.string(), "--progress", "none"}), 1,
                {"line 2, column 21", "\\udbff", "users.json"});
  CHECK_FALSE(std::filesystem::exists(dir / "out.aton"));
  SECTION("JSON Lines too") {
    dir.write("users.jsonl", "{\"id\": 1}\n{\"name\": \"\\ud800\"}\n");
    auto lines = dir.write("lines.json", R"({"source": {"plugin": "json", "path": "users.jsonl"},
                                             "sinks": [{"plugin": "file", "path": "out.aton"}]})");
    check_refused(run_aton({"run", lines.string(), "--progress", "none"}), 1, {"line 2, column 11", "\\ud800"});
    CHECK_FALSE(std::filesystem::exists(dir / "out.aton"));
  }
}
