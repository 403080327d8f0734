// What `aton run` prints on stderr while a pipeline runs: progress (a live
// line on a terminal, plain lines into a pipe or a file, one JSON object per
// chunk for machines, or nothing); plugin log messages; errors; the final
// summary, or for --progress json a final error event.
//
// Everything it prints is scrubbed of the config's secrets, with control
// characters escaped (aton/host/secrets.hpp): messages quote input and
// plugins' texts, and neither may show a password or drive the terminal.
#pragma once

#include <aton/host/pipeline.hpp>
#include <aton/host/secrets.hpp>
#include <aton/plugin.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace aton::app {

enum class ProgressMode {
  Line,  // a live line, rewritten in place and cut to the terminal's width
         // (default on a terminal); into a pipe or file, plain lines
  Json,  // one JSON object per chunk, then one for the summary
  None,  // only the summary (default when stderr is not a terminal)
  Quiet, // nothing but errors
};

class RunReporter : public host::PipelineObserver {
 public:
  RunReporter(ProgressMode mode, bool verbose, std::FILE* out = stderr);

  // Set once the pipeline exists, for queue statistics.
  void attach(const host::Pipeline* pipeline) { pipeline_ = pipeline; }
  // The config's secrets, scrubbed from everything printed from then on;
  // set before the run starts.
  void set_secrets(const host::Secrets& secrets) { secrets_ = secrets; }

  void on_chunk(const host::ChunkProgress& progress) override;
  void log(const std::string& plugin, aton_log_level level, std::string_view message);
  void summary(const host::RunSummary& summary);
  // One line "aton run: <message>".
  void error(std::string_view message);

  // How a run that did not succeed ended: --progress json prints it as its
  // last line, {"event":"error","stage":...,"plugin":...,"chunk":...,
  // "message":...,"exit_code":...} (null where not known); other modes
  // print nothing more (error() said it).
  struct Failure {
    std::string message;
    std::optional<std::string> stage;
    std::optional<std::string> plugin;
    std::optional<std::size_t> chunk;
    int exit_code = 1;
  };
  void failed(const Failure& failure);

 private:
  void clear_line();
  std::string queues_json() const;
  std::string progress_text(const host::ChunkProgress& p, double rate) const;

  ProgressMode mode_;
  bool verbose_;
  std::FILE* out_;
  bool terminal_;  // out_ is a terminal: the line is rewritten in place
  host::Secrets secrets_;
  const host::Pipeline* pipeline_ = nullptr;
  std::mutex mutex_;
  bool line_shown_ = false;
  std::chrono::steady_clock::time_point last_line_{};
};

}  // namespace aton::app
