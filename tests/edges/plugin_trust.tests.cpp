// Loading a plugin runs its code (a library's constructors run inside
// dlopen, before any check), so aton refuses, before loading, a plugin file
// that someone other than the user or root could have put there: one in a
// folder every user may write to (without the sticky bit), one every user
// may write, one owned by another user. The test plugin test_ctor creates a
// marker file from its constructor: the marker tells whether its code ran.
#include "edges/edges.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

using aton::test::ProcessOptions;
using aton::test::ProcessResult;
using aton::test::run_aton;
using aton::test::skip_test;
using aton::test::TempDir;
using aton::test::edges::json_string;
namespace fs = std::filesystem;

namespace {

struct PluginFolder {
  fs::path dir;
  fs::path file;
  fs::path marker;
  fs::path config;
};

// DIR/plugins holding a copy of aton_test_ctor.so, and a config naming it.
PluginFolder plugin_folder(const TempDir& dir) {
  PluginFolder f;
  f.dir = dir / "plugins";
  fs::create_directory(f.dir);
  f.file = f.dir / "aton_test_ctor.so";
  fs::copy_file(fs::path(ATON_TEST_PLUGIN_DIR) / "aton_test_ctor.so", f.file);
  f.marker = dir / "constructor-ran";
  f.config = dir.write("pipeline.json", "{\"source\": {\"plugin\": \"test_ctor\"}, \"plugin_dirs\": [" +
                                            json_string(f.dir.string()) + "], \"sinks\": [{\"plugin\": \"stdout\"}]}");
  return f;
}

ProcessResult validate(const PluginFolder& f) {
  ProcessOptions options;
  options.env["ATON_TEST_CTOR_MARKER"] = f.marker.string();
  return run_aton({"validate", f.config.string()}, options);
}

ProcessResult list_plugins(const PluginFolder& f) {
  ProcessOptions options;
  options.env["ATON_TEST_CTOR_MARKER"] = f.marker.string();
  options.env["ATON_PLUGIN_PATH"] = f.dir.string();
  return run_aton({"plugins"}, options);
}

// `aton validate` refuses the plugin with exit 5, its message naming
// `where` and holding `why`, and the plugin's code never ran.
void check_refused(const PluginFolder& f, const fs::path& where, const std::string& why) {
  auto run = validate(f);
  INFO(run.err);
  CHECK(run.exit_code == 5);
  CHECK_THAT(run.err, Catch::Contains(where.string()) && Catch::Contains(why));
  CHECK_FALSE(fs::exists(f.marker));
}

}  // namespace

TEST_CASE("a plugin in a folder every user may write to is refused before its code runs", "[edges][plugins][trust]") {
  TempDir dir;
  PluginFolder f = plugin_folder(dir);
  REQUIRE(chmod(f.dir.c_str(), 0777) == 0);
  check_refused(f, f.dir, "every user may write");

  auto listed = list_plugins(f);
  INFO(listed.out);
  CHECK(listed.exit_code == 0);
  CHECK_THAT(listed.out, Catch::Contains("test_ctor") && Catch::Contains("refused"));
  CHECK_FALSE(fs::exists(f.marker));
}

TEST_CASE("a plugin file every user may write is refused before its code runs", "[edges][plugins][trust]") {
  TempDir dir;
  PluginFolder f = plugin_folder(dir);
  REQUIRE(chmod(f.file.c_str(), 0666) == 0);
  check_refused(f, f.file, "every user may write");
}

TEST_CASE("a plugin file owned by another user is refused before its code runs", "[edges][plugins][trust][root]") {
  if (geteuid() != 0) skip_test("this test needs root, to give the plugin file to another user");
  TempDir dir;
  PluginFolder f = plugin_folder(dir);
  REQUIRE(chown(f.file.c_str(), 65534, 65534) == 0);
  check_refused(f, f.file, "owned by user 65534");
}

TEST_CASE("a plugin in a sticky folder such as /tmp is trusted and loading it runs its code",
          "[edges][plugins][trust]") {
  TempDir dir;
  PluginFolder f = plugin_folder(dir);
  REQUIRE(chmod(f.dir.c_str(), 01777) == 0);
  auto run = validate(f);
  INFO(run.err);
  // It loads (its constructor runs), then is refused for its missing entry
  // point: what docs/PLUGINS.md warns of.
  CHECK(run.exit_code == 5);
  CHECK_THAT(run.err, Catch::Contains("no entry point"));
  CHECK(fs::exists(f.marker));
}

TEST_CASE("aton plugins does not load a shadowed plugin file", "[edges][plugins][trust]") {
  TempDir dir;
  PluginFolder f = plugin_folder(dir);
  fs::create_directory(dir / "first");
  fs::copy_file(fs::path(ATON_TEST_PLUGIN_DIR) / "aton_test_noentry.so", dir / "first" / "aton_test_ctor.so");
  ProcessOptions options;
  options.env["ATON_TEST_CTOR_MARKER"] = f.marker.string();
  options.env["ATON_PLUGIN_PATH"] = (dir / "first").string() + ":" + f.dir.string();
  auto listed = run_aton({"plugins"}, options);
  INFO(listed.out);
  CHECK(listed.exit_code == 0);
  CHECK_THAT(listed.out, Catch::Contains("shadowed"));
  CHECK_FALSE(fs::exists(f.marker));
}
