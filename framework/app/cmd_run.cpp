// `aton run CONFIG`: runs a pipeline (source -> encoder -> sinks).
#include "command.hpp"
#include "config_command.hpp"
#include "exit_codes.hpp"
#include "run_reporter.hpp"

#include <aton/errors.hpp>
#include <aton/host/pipeline.hpp>
#include <aton/host/pipeline_config.hpp>
#include <aton/host/plugin_library.hpp>
#include <aton/host/signal_watcher.hpp>

#include <boost/program_options.hpp>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <memory>

namespace po = boost::program_options;

namespace aton::app {
namespace {

constexpr const char* kHelp = R"(Usage: aton run CONFIG [--set KEY=VALUE ...] [options]

Runs the pipeline CONFIG describes: a source plugin reads records, the
encoder turns them into ATON chunks, and every sink plugin receives every
chunk, in order. Stages run in parallel, joined by bounded queues, so memory
stays bounded whatever the input size. docs/CONFIG.md lists every key.

Options:
)";

constexpr const char* kExamples = R"(
Examples:
  aton run examples/pipeline.json
  aton run pipeline.json --set encoder.chunk_size=500 --set sinks.0.path=out.aton
  aton run pipeline.json --progress=json 2>progress.jsonl

Exit codes: 0 ok, 1 a stage failed, 2 bad arguments, 3 invalid config,
5 plugin not found or refused, 130 SIGINT, 143 SIGTERM.
)";

}  // namespace

int run_run(int argc, char** argv) {
  std::string progress = "auto";
  po::options_description options;
  options.add_options()
      ("progress", po::value(&progress)->default_value(progress),
       "auto (a live line on a terminal) | line | json (one object per chunk on stderr) | none")
      ("quiet,q", "print nothing but errors")
      ("verbose,v", "also print the plugins' debug messages");
  ConfigCommandLine args;
  if (auto done = parse_config_command(argc, argv, "run", kHelp, kExamples, options, args)) return *done;
  const auto& vm = args.options;
  ProgressMode mode;
  if (vm.count("quiet")) mode = ProgressMode::Quiet;
  else if (progress == "json") mode = ProgressMode::Json;
  else if (progress == "line") mode = ProgressMode::Line;
  else if (progress == "none") mode = ProgressMode::None;
  else if (progress == "auto") mode = isatty(STDERR_FILENO) ? ProgressMode::Line : ProgressMode::None;
  else {
    std::cerr << "aton run: --progress must be auto, line, json or none, not '" << progress << "'\n";
    return kExitUsage;
  }

  RunReporter reporter(mode, vm.count("verbose") > 0);
  try {
    host::PipelineConfig config = host::load_pipeline_config(args.config, args.overrides);
    host::PluginCatalog catalog;
    host::ResolvedPipeline spec = host::resolve_pipeline(config, catalog);

    host::RunContext run([&](const std::string& plugin, aton_log_level level, std::string_view message) {
      reporter.log(plugin, level, message);
    });
    // Installed before the plugins start, so a signal during create() is
    // seen too; the pipeline is cancelled as soon as it exists.
    std::atomic<host::Pipeline*> running{nullptr};
    host::SignalWatcher signals([&](int signal) {
      run.cancel();
      if (auto* p = running.load())
        p->cancel(std::string("interrupted by ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
    });
    auto interrupted = [&] { return signals.received() == SIGTERM ? 143 : kExitInterrupted; };
    try {
      host::Pipeline pipeline(spec, run, &reporter);
      reporter.attach(&pipeline);
      running.store(&pipeline);
      if (signals.received()) pipeline.cancel("interrupted");
      host::RunSummary summary = pipeline.run();
      running.store(nullptr);
      reporter.summary(summary);
      return kExitOk;
    } catch (const CancelledError& e) {
      running.store(nullptr);
      reporter.error(e.what());
      return interrupted();
    } catch (const Error& e) {
      running.store(nullptr);
      if (signals.received()) {
        reporter.error(std::string("interrupted: ") + e.what());
        return interrupted();
      }
      throw;
    }
  } catch (const ConfigError& e) {
    reporter.error(e.what());
    return kExitInvalidConfig;
  } catch (const PluginError& e) {
    reporter.error(e.what());
    return kExitPluginError;
  } catch (const Error& e) {
    reporter.error(e.what());
    return kExitRunFailed;
  } catch (const std::exception& e) {
    reporter.error(std::string("unexpected error: ") + e.what());
    return kExitRunFailed;
  }
}

namespace {
const CommandRegistration registration{"run", "run a pipeline config: source -> encoder -> sinks", 30,
                                       &run_run};
}  // namespace

}  // namespace aton::app
