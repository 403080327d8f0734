// Shared by the tests of checkpoints and resuming at the edges (issue 12):
// a pipeline config, runs killed at a checkpoint, the state a checkpoint
// holds for a sink, and the output of the same run uninterrupted.
// Header-only: only *.tests.cpp and support/*.cpp are compiled.
#pragma once

#include "support/background_run.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace aton::test::edges {

namespace fs = std::filesystem;
using resume::BackgroundRun;
using resume::records_json;
using resume::wait_for_checkpoint;

inline constexpr std::size_t kRecords = 3000;

// The json source reading users.json, chunks of 40 records, a checkpoint
// after every chunk, and the given sinks (a JSON array's elements).
inline std::string config_json(const std::string& sinks, const std::string& checkpoint = R"({"interval": 0})") {
  return R"({"source": {"plugin": "json", "path": "users.json"},
 "encoder": {"chunk_size": 40, "sample_size": 200},
 "queue": {"capacity": 2},
 "checkpoint": )" + checkpoint + R"(,
 "plugin_dirs": [")" ATON_TEST_PLUGIN_DIR R"("],
 "sinks": [)" + sinks + "]}\n";
}

// A file sink and a slow test sink (3 ms a chunk), so a run lasts long
// enough to be acted on in the middle.
inline const std::string kSlowFileSinks =
    R"({"plugin": "file", "path": "out/users.aton"}, {"plugin": "test_sink", "delay_ms": 3})";

// Runs `config` in the background until its checkpoint reaches chunk
// `at_least`, then kills it with SIGKILL.
inline void kill_after_checkpoint(const fs::path& config, std::size_t at_least) {
  BackgroundRun run({"run", config.string(), "--progress=none"}, config.parent_path() / "killed");
  REQUIRE(wait_for_checkpoint(config.string() + ".checkpoint", at_least, run));
  REQUIRE(run.send(SIGKILL));
  REQUIRE(run.wait() == 128 + SIGKILL);
}

// The state text the checkpoint holds for sink `index`, parsed.
inline rapidjson::Document sink_state(const fs::path& checkpoint, std::size_t index) {
  std::string text = read_file(checkpoint);
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.find('\n'));
  REQUIRE(doc.IsObject());
  const auto& state = doc["sinks"][static_cast<rapidjson::SizeType>(index)]["state"];
  rapidjson::Document out;
  out.Parse(state.GetString(), state.GetStringLength());
  REQUIRE(out.IsObject());
  return out;
}

// The output of the same config run whole, in a folder of its own, with
// `existing` already at out/users.aton (for mode append).
inline std::string uninterrupted_output(const std::string& sinks, const std::string& existing = "") {
  TempDir whole;
  whole.write("users.json", records_json(kRecords));
  if (!existing.empty()) whole.write("out/users.aton", existing);
  auto config = whole.write("pipeline.json", config_json(sinks));
  auto run = run_aton({"run", config.string(), "--progress=none"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  return read_file(whole / "out/users.aton");
}

// Waits (bounded, polling the file system) until `done()` holds or `run` exits.
template <typename Done>
bool wait_until(Done done, BackgroundRun& run) {
  for (int i = 0; i < 20000; ++i) {  // 20 s
    if (done()) return true;
    if (!run.running()) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace aton::test::edges
