// Shared by the fault tests: a pipeline run of the real `aton` on hostile
// input or a failing environment, and the checks every fault must pass: the
// right exit code, a message that says what, where and what to do, no
// output presented as complete, and no hang. Header-only.
#pragma once

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <string>

namespace aton::test::faults {

struct FaultRun {
  ProcessResult process;
  std::filesystem::path output;  // the file sink's target
  bool output_exists = false;
};

// `text` as a JSON string literal.
inline std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Runs `aton run` on a config with `source` (a JSON object's text), chunks
// of `chunk_size` records and a file sink writing `output` (default
// DIR/out.aton), plus `more_sinks` (",{...}" appended to the sinks array).
inline FaultRun run_pipeline(const TempDir& dir, const std::string& source, int chunk_size = 1,
                             std::filesystem::path output = {}, const std::string& more_sinks = "",
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(120'000)) {
  if (output.empty()) output = dir / "out.aton";
  auto config = dir.write("pipeline.json", "{\"source\": " + source + ", \"encoder\": {\"chunk_size\": " +
                                               std::to_string(chunk_size) + "}, \"sinks\": [{\"plugin\": \"file\", "
                                               "\"path\": " + quoted(output.string()) + "}" + more_sinks + "]}");
  ProcessOptions options;
  options.timeout = timeout;
  FaultRun run;
  run.output = output;
  run.process = run_aton({"run", config.string(), "--progress", "none"}, options);
  run.output_exists = std::filesystem::exists(output);
  return run;
}

inline std::string json_source(const std::filesystem::path& input) {
  return "{\"plugin\": \"json\", \"path\": " + quoted(input.string()) + "}";
}

inline std::string csv_source(const std::filesystem::path& input) {
  return "{\"plugin\": \"csv\", \"path\": " + quoted(input.string()) + "}";
}

// The process ended by itself (no time-out, no signal) with `exit_code`,
// and its error output holds every one of `parts`.
inline void check_error(const ProcessResult& process, int exit_code, std::initializer_list<std::string> parts) {
  INFO("stderr: " << process.err);
  CHECK_FALSE(process.timed_out);
  CHECK(process.exit_code == exit_code);
  for (const auto& part : parts) CHECK_THAT(process.err, Catch::Contains(part));
}

// A run that failed with exit code 1 and left nothing at the target path.
inline void check_failed_run(const FaultRun& run, std::initializer_list<std::string> parts) {
  check_error(run.process, 1, parts);
  CHECK_FALSE(run.output_exists);
}

}  // namespace aton::test::faults
