// What `aton run` prints on stderr while a pipeline runs: a live progress
// line on a terminal, one JSON object per chunk for machines, or nothing;
// plugin log messages; and the final summary.
#pragma once

#include <aton/host/pipeline.hpp>
#include <aton/plugin.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace aton::app {

enum class ProgressMode {
  Line,  // a live line, rewritten in place (default on a terminal)
  Json,  // one JSON object per chunk, then one for the summary
  None,  // only the summary (default when stderr is not a terminal)
  Quiet, // nothing but errors
};

class RunReporter : public host::PipelineObserver {
 public:
  RunReporter(ProgressMode mode, bool verbose, std::FILE* out = stderr);

  // Set once the pipeline exists, for queue statistics.
  void attach(const host::Pipeline* pipeline) { pipeline_ = pipeline; }

  void on_chunk(const host::ChunkProgress& progress) override;
  void log(const std::string& plugin, aton_log_level level, std::string_view message);
  void summary(const host::RunSummary& summary);
  void error(std::string_view message);

 private:
  void clear_line();
  std::string queues_json() const;

  ProgressMode mode_;
  bool verbose_;
  std::FILE* out_;
  const host::Pipeline* pipeline_ = nullptr;
  std::mutex mutex_;
  bool line_shown_ = false;
  std::chrono::steady_clock::time_point last_line_{};
};

}  // namespace aton::app
