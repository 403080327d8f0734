// A sink built outside the tree: install aton into a temporary prefix, build
// plugins/examples/jsonl_sink as its own CMake project against that install
// only, and have the installed `aton run` load it from plugin_dirs.
#include "sinks/sink_test_helpers.hpp"
#include "support/install.hpp"
#include "support/process.hpp"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include <sstream>

using namespace aton::test;
using namespace aton::test::sinks;
namespace fs = std::filesystem;

TEST_CASE("a sink built against the installed SDK only is loaded from plugin_dirs by the installed aton",
          "[sinks][sdk]") {
  TempDir dir;
  const fs::path prefix = dir / "prefix";
  const ProcessOptions slow = with_timeout(std::chrono::minutes(5));

  install_build_tree(prefix);
  CHECK(fs::exists(prefix / "include/aton/plugin.h"));
  CHECK(fs::exists(prefix / "include/aton/plugin.hpp"));
  CHECK(fs::exists(prefix / "lib/cmake/AtonSDK/AtonSDKConfig.cmake"));
  CHECK(fs::exists(prefix / "lib/aton/plugins/aton_file.so"));
  CHECK(fs::exists(prefix / "lib/aton/plugins/aton_json.so"));

  const fs::path build = dir / "jsonl-build";
  auto configure = run_process({"cmake", "-S", std::string(ATON_SOURCE_DIR) + "/plugins/examples/jsonl_sink",
                                "-B", build.string(), "-DCMAKE_PREFIX_PATH=" + prefix.string()},
                               slow);
  INFO(configure.out << configure.err);
  REQUIRE(configure.exit_code == 0);
  auto compile = run_process({"cmake", "--build", build.string()}, slow);
  INFO(compile.out << compile.err);
  REQUIRE(compile.exit_code == 0);
  REQUIRE(fs::exists(build / "aton_jsonl.so"));

  std::string input = users_json(250);
  dir.write("users.json", input);
  auto config = dir.write("pipeline.json",
                          pipeline_json(R"([{"plugin": "jsonl", "path": "out.jsonl"}])", 100, "users.json",
                                        "\"plugin_dirs\": [\"jsonl-build\"]"));
  auto run = run_process({(prefix / "bin/aton").string(), "run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);

  // One JSON line per chunk, in the guide's WebSocket envelope.
  std::istringstream lines(read_file(dir / "out.jsonl"));
  std::string line, joined;
  std::size_t count = 0;
  double last_progress = 0;
  while (std::getline(lines, line)) {
    rapidjson::Document chunk;
    chunk.Parse(line.c_str());
    REQUIRE_FALSE(chunk.HasParseError());
    CHECK(chunk["type"].GetString() == std::string("data_chunk"));
    CHECK(chunk["chunkId"].GetUint64() == count);
    CHECK(chunk["totalChunks"].GetInt64() == 3);
    last_progress = chunk["progress"].GetDouble();
    joined += (count ? "\n" : "") + std::string(chunk["data"].GetString(), chunk["data"].GetStringLength());
    ++count;
  }
  CHECK(count == 3);
  CHECK(last_progress == 1.0);
  require_decodes_to(joined, input);
}
