// Pipeline configs: strict JSON, --set, ${NAME}, the host's schema and each
// plugin's schema, with errors that give the file, the pointer, what was
// expected and a "did you mean".
#include "host/host_fixtures.hpp"

#include <aton/errors.hpp>
#include <aton/host/pipeline.hpp>
#include <aton/host/pipeline_config.hpp>

#include <catch2/catch.hpp>

#include <map>

using namespace aton::host;
namespace fs = std::filesystem;

namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

constexpr const char* kMinimal = R"({"source": {"plugin": "test_gen"}, "sinks": [{"plugin": "test_sink"}]})";

std::string config_error(std::string_view text, std::vector<std::string> overrides = {},
                         EnvLookup env = env_of({})) {
  try {
    parse_pipeline_config(text, "/cfg/pipeline.json", overrides, env);
  } catch (const aton::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a minimal config gets the documented defaults", "[config]") {
  PipelineConfig c = parse_pipeline_config(kMinimal, "/cfg/pipeline.json", {}, env_of({}));
  CHECK(c.encoder.chunk_size == 100);
  CHECK(c.encoder.compression == aton::Compression::Balanced);
  CHECK(c.queue_capacity == 4);
  CHECK(c.source.plugin == "test_gen");
  CHECK(c.source.pointer == "/source");
  REQUIRE(c.sinks.size() == 1);
  CHECK(c.sinks[0].pointer == "/sinks/0");
}

TEST_CASE("a misspelt key names its pointer and the key it probably meant", "[config]") {
  std::string e = config_error(
      R"({"source": {"plugin": "test_gen"}, "encoder": {"chunk_szie": 5}, "sinks": [{"plugin": "test_sink"}]})");
  CHECK_THAT(e, Catch::StartsWith("/cfg/pipeline.json: /encoder/chunk_szie: unknown key 'chunk_szie'"));
  CHECK_THAT(e, Catch::Contains("did you mean 'chunk_size'?"));
  CHECK_THAT(config_error(R"({"source": {"plugin": "x"}, "sink": [{"plugin": "y"}]})"),
             Catch::Contains("missing required key 'sinks'"));
  CHECK_THAT(config_error(R"({"source": {"plugin": "x"}, "sinks": [{"plugin": "y"}], "queues": {}})"),
             Catch::Contains("/queues: unknown key 'queues'; did you mean 'queue'?"));
}

TEST_CASE("a value of the wrong type or out of range says what was expected", "[config]") {
  CHECK_THAT(config_error(R"({"source": {"plugin": "x"}, "sinks": [{"plugin": "y"}], "encoder": {"chunk_size": "big"}})"),
             Catch::Contains("/encoder/chunk_size: expected an integer, got a string (\"big\")"));
  CHECK_THAT(config_error(R"({"source": {"plugin": "x"}, "sinks": [{"plugin": "y"}], "queue": {"capacity": 0}})"),
             Catch::Contains("/queue/capacity: expected a number >= 1, got 0"));
  CHECK_THAT(config_error(R"({"source": {"plugin": "x"}, "sinks": [{"plugin": "y"}], "encoder": {"compression": "ultar"}})"),
             Catch::Contains("/encoder/compression: expected one of \"fast\", \"balanced\", \"ultra\", \"adaptive\""));
  CHECK_THAT(config_error(R"({"source": {"plugin": "x"}, "sinks": [{"plugin": "y"}], "encoder": {"compression": "ultar"}})"),
             Catch::Contains("did you mean 'ultra'?"));
  CHECK_THAT(config_error(R"({"source": {"plugin": "x"}, "sinks": []})"),
             Catch::Contains("/sinks: expected at least 1 item(s), got 0"));
  CHECK_THAT(config_error(R"({"source": {"plugin": "x"}, "sinks": [{"plugin": "y"}, {"path": "z"}]})"),
             Catch::Contains("/sinks/1: missing required key 'plugin'"));
}

TEST_CASE("invalid JSON is reported with its line and column - configs are strict", "[config]") {
  CHECK_THAT(config_error("{\n  \"source\": {\"plugin\": \"x\"},\n}"),
             Catch::StartsWith("/cfg/pipeline.json:3:"));
  CHECK_THAT(config_error("{\"source\": {} // comment\n}"), Catch::Contains("invalid JSON"));
}

TEST_CASE("${NAME} comes from the environment ${NAME:-default} has a default a missing one is an error",
          "[config]") {
  std::string text = R"({"source": {"plugin": "${SRC}"}, "sinks": [{"plugin": "${SINK:-test_sink}"}]})";
  PipelineConfig c = parse_pipeline_config(text, "p.json", {}, env_of({{"SRC", "test_gen"}}));
  CHECK(c.source.plugin == "test_gen");
  CHECK(c.sinks[0].plugin == "test_sink");
  CHECK_THAT(config_error(R"({"source": {"plugin": "x"}, "sinks": [{"plugin": "y", "token": "Bearer ${API_TOKEN}"}]})"),
             Catch::Contains("/sinks/0/token: environment variable API_TOKEN is not set"));
  PipelineConfig literal = parse_pipeline_config(
      R"({"source": {"plugin": "x", "q": "$${NOT_A_VAR}"}, "sinks": [{"plugin": "y"}]})", "p.json", {}, env_of({}));
  CHECK_THAT(literal.source.json, Catch::Contains("\"q\":\"${NOT_A_VAR}\""));
}

TEST_CASE("a --set option overrides a key by dotted path JSON when it parses else a string", "[config]") {
  PipelineConfig c = parse_pipeline_config(
      kMinimal, "p.json",
      {"encoder.chunk_size=500", "queue.capacity=2", "sinks.0.path=out.aton", "encoder.compression=fast"},
      env_of({}));
  CHECK(c.encoder.chunk_size == 500);
  CHECK(c.queue_capacity == 2);
  CHECK(c.encoder.compression == aton::Compression::Fast);
  CHECK_THAT(c.sinks[0].json, Catch::Contains("\"path\":\"out.aton\""));
  CHECK_THAT(config_error(kMinimal, {"sinks.5.path=x"}), Catch::Contains("not an index of this array of 1 item(s)"));
  CHECK_THAT(config_error(kMinimal, {"encoder.chunk_size=0"}), Catch::Contains("/encoder/chunk_size"));
  CHECK_THROWS_AS(parse_pipeline_config(kMinimal, "p.json", {"novalue"}, env_of({})), aton::ConfigError);
}

TEST_CASE("plugin_dirs are relative to the config file's folder", "[config]") {
  PipelineConfig c = parse_pipeline_config(
      R"({"source": {"plugin": "x"}, "sinks": [{"plugin": "y"}], "plugin_dirs": ["plugins", "/abs"]})",
      "/cfg/sub/pipeline.json", {}, env_of({}));
  REQUIRE(c.plugin_dirs.size() == 2);
  CHECK(c.plugin_dirs[0].path == fs::path("/cfg/sub/plugins"));
  CHECK(c.plugin_dirs[1].path == fs::path("/abs"));
}

TEST_CASE("a plugin's keys are checked against its declared options defaults filled paths made absolute",
          "[config]") {
  std::string text = R"({"source": {"plugin": "test_gen", "count": 7},
    "sinks": [{"plugin": "test_sink", "path": "out/x.aton"}, {"plugin": "test_sink", "dealy_ms": 5}],
    "plugin_dirs": [")" + aton::test::test_plugin_dir() + R"("]})";
  PipelineConfig c = parse_pipeline_config(text, "/cfg/pipeline.json", {}, env_of({}));
  PluginCatalog catalog(std::vector<PluginDir>{});
  try {
    resolve_pipeline(c, catalog);
    FAIL("no error");
  } catch (const aton::ConfigError& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("/cfg/pipeline.json: /sinks/1/dealy_ms: unknown key 'dealy_ms'"));
    CHECK_THAT(e.what(), Catch::Contains("did you mean 'delay_ms'?"));
  }
  c.sinks.pop_back();
  ResolvedPipeline r = resolve_pipeline(c, catalog);
  CHECK(r.source.config_json.find("\"count\":7") != std::string::npos);
  CHECK(r.source.config_json.find("\"fail_at\":-1") != std::string::npos);  // default filled
  CHECK(r.source.config_json.find("\"plugin\"") == std::string::npos);
  CHECK(r.sinks[0].config_json.find("\"path\":\"/cfg/out/x.aton\"") != std::string::npos);

  c.source.json = R"({"plugin": "test_gen", "count": -3})";
  CHECK_THROWS_WITH(resolve_pipeline(c, catalog), Catch::Contains("/source/count: expected a number >= 0, got -3"));
  c.source.json = R"({"plugin": "test_gen", "total_known": "yes"})";
  CHECK_THROWS_WITH(resolve_pipeline(c, catalog), Catch::Contains("/source/total_known: expected a boolean"));
}

TEST_CASE("a misspelling far from every key gets no suggestion", "[config]") {
  std::string e = config_error(R"({"source": {"plugin": "x"}, "sinks": [{"plugin": "y"}], "zzzzzzzz": 1})");
  CHECK_THAT(e, Catch::Contains("unknown key 'zzzzzzzz'"));
  CHECK_THAT(e, !Catch::Contains("did you mean"));
}
