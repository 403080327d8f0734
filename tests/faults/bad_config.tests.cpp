// Broken configs and plugins through the real `aton run`: each is refused
// before anything runs, with the file, where in it, and what to fix.
#include "faults/fault_run.hpp"

#include <catch2/catch.hpp>

using namespace aton::test;
using namespace aton::test::faults;

TEST_CASE("a config that is not JSON is refused with its line and column", "[faults][config]") {
  TempDir dir;
  auto config = dir.write("pipeline.json", "{\n  \"source\": {\"plugin\": \"json\"},\n  sinks: []\n}\n");
  auto result = run_aton({"run", config.string()});
  check_error(result, 3, {"pipeline.json:3:3", "invalid JSON", "strict JSON"});
  SECTION("and so is a YAML-looking one") {
    auto yaml = dir.write("pipeline.yaml", "source:\n  plugin: json\n");
    check_error(run_aton({"run", yaml.string()}), 3, {"pipeline.yaml:1:1", "invalid JSON"});
  }
}

TEST_CASE("a config with a wrong type is refused with the key the type expected and the value found",
          "[faults][config]") {
  TempDir dir;
  dir.write("users.json", "[{\"id\": 1}]");
  SECTION("a host key") {
    auto config = dir.write("pipeline.json",
                            R"({"source": {"plugin": "json", "path": "users.json"}, "encoder": {"chunk_size": "ten"},
                                "sinks": [{"plugin": "file", "path": "out.aton"}]})");
    check_error(run_aton({"run", config.string()}), 3,
                {"pipeline.json", "/encoder/chunk_size", "expected an integer", "got a string (\"ten\")"});
  }
  SECTION("a plugin's key") {
    auto config = dir.write("pipeline.json",
                            R"({"source": {"plugin": "json", "path": "users.json", "count": "yes"},
                                "sinks": [{"plugin": "file", "path": "out.aton"}]})");
    check_error(run_aton({"run", config.string()}), 3,
                {"pipeline.json", "/source/count", "expected a boolean", "\"yes\""});
  }
  CHECK_FALSE(std::filesystem::exists(dir / "out.aton"));
}

TEST_CASE("a plugin file that is not a shared library is refused naming the file", "[faults][plugins]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "plugins");
  dir.write("plugins/aton_fake.so", "this is not an ELF file\n");
  dir.write("users.json", "[{\"id\": 1}]");
  auto config = dir.write("pipeline.json",
                          R"({"source": {"plugin": "fake"}, "plugin_dirs": ["plugins"],
                              "sinks": [{"plugin": "file", "path": "out.aton"}]})");
  auto result = run_aton({"run", config.string()});
  check_error(result, 5, {"plugin 'fake'", (dir / "plugins/aton_fake.so").string(), "cannot load"});
  CHECK_FALSE(std::filesystem::exists(dir / "out.aton"));

  SECTION("aton plugins lists it with the reason and goes on") {
    auto listed = run_aton({"plugins"}, {.env = {{"ATON_PLUGIN_PATH", (dir / "plugins").string()}}});
    INFO(listed.err);
    CHECK(listed.exit_code == 0);
    CHECK_THAT(listed.out + listed.err, Catch::Contains("aton_fake.so"));
    CHECK_THAT(listed.out, Catch::Contains("json"));
  }
}
