// Runs one source end to end: the real `aton run` with the real plugin and
// the file sink, then decodes what the sink wrote. Header-only helper of the
// tests in tests/sources/.
#pragma once

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <aton/decoder.hpp>
#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace aton::test {

struct SourceRun {
  ProcessResult process;
  std::string json;                       // the decoded output as {"table": [...]}, if it succeeded
  std::vector<std::int64_t> total_chunks;  // each chunk's total_chunks, -1 where unknown
  bool output_exists = false;
};

// `source` is the JSON object of the config's "source" key.
inline SourceRun run_source(const TempDir& dir, const std::string& source, int chunk_size = 2,
                            ProcessOptions options = {}) {
  auto out = dir / "out.aton";
  std::filesystem::remove(out);
  auto config = dir.write("pipeline.json", "{\"source\": " + source + ", \"encoder\": {\"chunk_size\": " +
                                               std::to_string(chunk_size) +
                                               "}, \"sinks\": [{\"plugin\": \"file\", \"path\": \"" +
                                               out.string() + "\"}]}");
  SourceRun run;
  run.process = run_aton({"run", config.string(), "--progress", "json"}, options);
  run.output_exists = std::filesystem::exists(out);
  if (run.process.exit_code == 0 && run.output_exists) {
    Decoder decoder;
    decoder.feed(read_file(out));
    run.json = decoder.to_json();
  }
  std::istringstream lines(run.process.err);
  for (std::string line; std::getline(lines, line);) {
    rapidjson::Document event;
    event.Parse(line.c_str());
    if (event.HasParseError() || !event.IsObject() || !event.HasMember("event")) continue;
    if (std::string(event["event"].GetString()) != "chunk") continue;
    const auto& total = event["total_chunks"];
    run.total_chunks.push_back(total.IsInt64() ? total.GetInt64() : -1);
  }
  return run;
}

// `text` as a JSON string literal, for building configs.
inline std::string json_quoted(const std::filesystem::path& text) {
  std::string out = "\"";
  for (char c : text.string()) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A run that failed in a stage (exit code 1) with `message` and left no
// output: nothing is presented as complete.
inline void check_failed(const SourceRun& run, const std::string& message) {
  INFO(run.process.err);
  CHECK(run.process.exit_code == 1);
  CHECK_THAT(run.process.err, Catch::Contains(message));
  CHECK_FALSE(run.output_exists);
}

}  // namespace aton::test
