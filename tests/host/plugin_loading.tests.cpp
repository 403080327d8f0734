// Loading plugins for real: the test plugins in build/tests/plugins, built
// only against the SDK.
#include "host/host_fixtures.hpp"

#include <aton/errors.hpp>
#include <aton/host/plugin_instance.hpp>
#include <aton/host/plugin_library.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

using namespace aton::host;
namespace fs = std::filesystem;

namespace {
fs::path plugin_file(const std::string& name) { return fs::path(ATON_TEST_PLUGIN_DIR) / ("aton_" + name + ".so"); }

std::string load_error(const fs::path& file) {
  try {
    load_plugin(file);
  } catch (const aton::PluginError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("a plugin built against the SDK loads with its name kind version and options", "[plugins]") {
  Plugin p = load_plugin(plugin_file("test_gen"));
  CHECK(p.name() == "test_gen");
  CHECK(p.kind() == ATON_PLUGIN_SOURCE);
  CHECK(p.version() == "0.1.0");
  REQUIRE(p.options().size() >= 3);
  CHECK(std::string(p.options()[0].name) == "count");
  CHECK(load_plugin(plugin_file("test_sink")).kind() == ATON_PLUGIN_SINK);
}

TEST_CASE("a plugin built for another ABI major version is refused naming both versions", "[plugins]") {
  std::string error = load_error(plugin_file("test_abi99"));
  CHECK_THAT(error, Catch::Contains("plugin 'test_abi99'"));
  CHECK_THAT(error, Catch::Contains("aton_test_abi99.so"));
  CHECK_THAT(error, Catch::Contains("ABI 99.0"));
  CHECK_THAT(error, Catch::Contains("ABI " + std::to_string(ATON_PLUGIN_ABI_MAJOR) + "." +
                                    std::to_string(ATON_PLUGIN_ABI_MINOR)));
}

TEST_CASE("a library without the entry point is refused", "[plugins]") {
  std::string error = load_error(plugin_file("test_noentry"));
  CHECK_THAT(error, Catch::Contains("plugin 'test_noentry'"));
  CHECK_THAT(error, Catch::Contains("no entry point"));
  CHECK_THAT(error, Catch::Contains("aton_plugin_entry"));
}

TEST_CASE("a file that is not a shared library is refused with the loader's own text", "[plugins]") {
  aton::test::TempDir dir;
  fs::path bogus = dir.write("aton_bogus.so", "this is not an ELF file");
  std::string error = load_error(bogus);
  CHECK_THAT(error, Catch::Contains("plugin 'bogus'"));
  CHECK_THAT(error, Catch::Contains("cannot load the shared library"));
  CHECK_THAT(error, Catch::Contains("aton_bogus.so"));  // dlerror names the file
}

TEST_CASE("a plugin whose descriptor names another word than its file is refused", "[plugins]") {
  aton::test::TempDir dir;
  fs::copy_file(plugin_file("test_gen"), dir / "aton_renamed.so");
  std::string error = load_error(dir / "aton_renamed.so");
  CHECK_THAT(error, Catch::Contains("calls the plugin 'test_gen'"));
  CHECK_THAT(error, Catch::Contains("'renamed'"));
}

TEST_CASE("a missing plugin is reported with the plugins that were found", "[plugins]") {
  PluginCatalog catalog(std::vector<PluginDir>{{ATON_TEST_PLUGIN_DIR, "test"}});
  try {
    catalog.load("nosuch", ATON_PLUGIN_SINK);
    FAIL("no error");
  } catch (const aton::PluginError& e) {
    std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("plugin 'nosuch' not found"));
    CHECK_THAT(what, Catch::Contains("test_gen"));
    CHECK_THAT(what, Catch::Contains("test_sink"));
    CHECK_THAT(what, Catch::Contains(ATON_TEST_PLUGIN_DIR));
  }
}

TEST_CASE("a source named where a sink is expected is refused", "[plugins]") {
  PluginCatalog catalog(std::vector<PluginDir>{{ATON_TEST_PLUGIN_DIR, "test"}});
  CHECK_THROWS_WITH(catalog.load("test_gen", ATON_PLUGIN_SINK), Catch::Contains("is a source, not a sink"));
}

TEST_CASE("the first folder with a plugin of a name wins and later ones are shadowed", "[plugins]") {
  aton::test::TempDir first;
  fs::copy_file(plugin_file("test_sink"), first / "aton_test_sink.so");
  PluginCatalog catalog(std::vector<PluginDir>{{first.path(), "first"}, {ATON_TEST_PLUGIN_DIR, "second"}});
  REQUIRE(catalog.find("test_sink"));
  CHECK(catalog.find("test_sink")->path == first / "aton_test_sink.so");
  auto shadowed = std::count_if(catalog.files().begin(), catalog.files().end(),
                                [](const PluginFile& f) { return f.name == "test_sink" && f.shadowed; });
  CHECK(shadowed == 1);
}

TEST_CASE("an instance keeps its plugin's library loaded after every other handle is gone", "[plugins]") {
  RunContext run;
  std::unique_ptr<SourceInstance> source;
  std::weak_ptr<boost::dll::shared_library> library;
  {
    PluginCatalog catalog(std::vector<PluginDir>{{ATON_TEST_PLUGIN_DIR, "test"}});
    Plugin plugin = catalog.load("test_gen", ATON_PLUGIN_SOURCE);
    library = plugin.library();
    source = std::make_unique<SourceInstance>(plugin, R"({"count": 3})", run);
  }
  REQUIRE_FALSE(library.expired());
  RecordBatch batch = source->next_batch(10);
  CHECK(batch.records.size() == 3);
  CHECK(batch.last);
  source.reset();
  CHECK(library.expired());
}

TEST_CASE("a source's exception comes back as a SourceError with its text", "[plugins]") {
  RunContext run;
  Plugin plugin = load_plugin(plugin_file("test_gen"));
  SourceInstance source(plugin, R"({"count": 10, "fail_at": 4})", run);
  CHECK_THROWS_WITH(source.next_batch(100), Catch::Contains("planned failure at record 4"));
}

TEST_CASE("the host refuses records nested deeper than its limit and keeps its reason", "[plugins]") {
  RunContext run;
  SourceInstance source(load_plugin(plugin_file("test_gen")), R"({"count": 5, "depth": 600})", run);
  try {
    source.next_batch(5);
    FAIL("no error");
  } catch (const aton::SourceError& e) {
    CHECK_THAT(e.what(), Catch::Contains("record 1"));
    CHECK_THAT(e.what(), Catch::Contains("nesting deeper than"));
  }
}

TEST_CASE("a sink's create() failure comes back with the plugin's text", "[plugins]") {
  RunContext run;
  CHECK_THROWS_WITH(SinkInstance(load_plugin(plugin_file("test_sink")), R"({"path": "/nonexistent/dir/x"})", run),
                    Catch::Contains("cannot open /nonexistent/dir/x.partial"));
}
