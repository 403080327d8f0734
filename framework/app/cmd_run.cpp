// `aton run CONFIG`: runs a pipeline (source -> encoder -> sinks).
#include "command.hpp"
#include "config_command.hpp"
#include "exit_codes.hpp"
#include "run_reporter.hpp"

#include <aton/errors.hpp>
#include <aton/host/checkpoint.hpp>
#include <aton/host/config_problems.hpp>
#include <aton/host/pipeline.hpp>
#include <aton/host/pipeline_config.hpp>
#include <aton/host/plugin_library.hpp>
#include <aton/host/signal_watcher.hpp>

#include <boost/program_options.hpp>

#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <new>
#include <optional>
#include <system_error>

namespace po = boost::program_options;

namespace aton::app {
namespace {

constexpr const char* kHelp = R"(Usage: aton run CONFIG [--set KEY=VALUE ...] [options]

Runs the pipeline CONFIG describes: a source plugin reads records, the
encoder turns them into ATON chunks, and every sink plugin receives every
chunk, in order. Stages run in parallel, joined by bounded queues, so memory
stays bounded whatever the input size. docs/CONFIG.md lists every key.

CONFIG - reads the config from standard input: its relative paths are then
relative to the working directory, its default checkpoint is
stdin.checkpoint there, and its source cannot read standard input too.

As chunks reach every sink, the run records a checkpoint (CONFIG.checkpoint,
or the config's checkpoint.path) at most once per checkpoint.interval (1 s),
and its newest one when Ctrl-C, SIGTERM or a failing sink stops it; a run
that stopped (a kill too) continues from it with --resume, and a finished run
removes it.

Nothing printed shows a secret: values taken from the environment (${NAME})
and the passwords and tokens written in the config are shown as ***.
Plugins are native code: loading one runs it (docs/PLUGINS.md).

Options:
)";

constexpr const char* kExamples = R"(
Examples:
  aton run examples/pipeline.json
  aton run pipeline.json --set encoder.chunk_size=500 --set sinks.0.path=out.aton
  aton run pipeline.json --progress=json 2>progress.jsonl
  aton run pipeline.json --resume
  generate-config | aton run -

Exit codes: 0 ok, 1 a stage failed, 2 bad arguments, 3 invalid config or
cannot resume (no checkpoint, another config, a changed input, a damaged
checkpoint), 5 plugin not found or refused, 130 SIGINT, 143 SIGTERM.
)";

}  // namespace

// Every batch's arena is freed once encoded and the next one allocated at
// once; glibc would hand those pages back to the kernel and fault them in
// again each time (15% of a run's samples in bench/profile). Keep them.
// Under an address-space limit (ulimit -v) the pads shrink with it: a heap
// that grows by 64 MB at a time fails long before memory is short.
void keep_freed_memory_for_reuse() {
  std::size_t pad = 64 << 20, mmap_threshold = 32 << 20;
  rlimit limit{};
  if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    pad = std::min<std::size_t>(pad, limit.rlim_cur / 64);
    mmap_threshold = std::min<std::size_t>(mmap_threshold, limit.rlim_cur / 32);
  }
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, static_cast<int>(pad));
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold));
}

int run_run(int argc, char** argv) {
  keep_freed_memory_for_reuse();
  std::string progress = "auto";
  po::options_description options;
  options.add_options()
      ("progress", po::value(&progress)->default_value(progress),
       "auto (a live line on a terminal) | line (the live line; plain lines into a pipe or file) | "
       "json (one object per chunk on stderr, and an error event if the run fails) | none")
      ("resume", "continue an interrupted run from its checkpoint")
      ("flush-interval", po::value<std::string>()->value_name("MS"),
       "emit a chunk short when it has not filled within MS milliseconds (0: never); the same as "
       "--set encoder.flush_interval=MS. Default: none for a file, 1000 for a pipe, stdin or a followed file")
      ("quiet,q", "print nothing but errors")
      ("verbose,v", "also print the plugins' debug messages");
  ConfigCommandLine args;
  if (auto done = parse_config_command(argc, argv, "run", kHelp, kExamples, options, args)) return *done;
  const auto& vm = args.options;
  if (vm.count("flush-interval"))
    args.overrides.push_back("encoder.flush_interval=" + vm["flush-interval"].as<std::string>());
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
  // How the run ended, for --progress json's error event.
  auto failure_of = [](int code, const std::string& message, const std::exception* e) {
    RunReporter::Failure failure{message, std::nullopt, std::nullopt, std::nullopt, code};
    if (const auto* stage = dynamic_cast<const host::StageError*>(e)) {
      failure.stage = stage->stage();
      if (!stage->plugin().empty()) failure.plugin = stage->plugin();
      failure.chunk = stage->chunk();
    }
    return failure;
  };
  // Prints the error and the error event; returns `code`.
  auto fail = [&](int code, const std::string& message, const std::exception* e = nullptr) {
    reporter.error(message);
    reporter.failed(failure_of(code, message, e));
    return code;
  };
  // What the run was doing, for "out of memory while ...".
  const char* doing = "reading the config";
  try {
    host::PluginCatalog catalog;
    host::ResolvedPipeline spec = host::prepare_pipeline(args.config, args.overrides, catalog);
    reporter.set_secrets(spec.secrets);
    std::optional<host::Checkpoint> checkpoint;
    if (vm.count("resume")) {
      if (auto why = host::why_not_resumable(spec)) throw host::ResumeError("--resume: " + *why);
      checkpoint = host::load_checkpoint(spec.checkpoint.path);
    }

    doing = "starting the run";
    host::RunContext run([&](const std::string& plugin, aton_log_level level, std::string_view message) {
      reporter.log(plugin, level, message);
    });
    // Declared before the watcher, so it outlives the watcher's thread: a
    // signal handled while the run ends must not cancel a destroyed pipeline.
    std::unique_ptr<host::Pipeline> made;
    // Installed before the plugins start, so a signal during create() is
    // seen too; the pipeline is cancelled as soon as it exists.
    std::atomic<host::Pipeline*> running{nullptr};
    host::SignalWatcher signals([&](int signal) {
      // The pipeline first: it records the signal as the reason before the
      // plugins see the run cancelled (a sink that gives up on seeing it
      // would otherwise be reported as the cause).
      if (auto* p = running.load())
        p->cancel(std::string("interrupted by ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
      run.cancel();
    });
    auto interrupted = [&] { return signals.received() == SIGTERM ? 143 : kExitInterrupted; };
    // Where a stopped run can go on from, said after its error.
    auto resume_hint = [&] {
      if (!made) return;
      const std::string again = args.config == host::kConfigFromStdin ? " (the same config on standard input)" : "";
      if (auto held = made->held_checkpoint())
        reporter.error(held->finishing
                           ? "every chunk reached every sink but not every sink finished: `aton run " + args.config +
                                 " --resume`" + again + " completes the output (" + held->file.string() + " records it)"
                           : "the checkpoint " + held->file.string() + " holds the chunks before chunk " +
                                 std::to_string(held->next_chunk) + ": `aton run " + args.config +
                                 " --resume`" + again + " continues from there");
    };
    try {
      doing = "starting the plugins";
      made = std::make_unique<host::Pipeline>(spec, run, &reporter, checkpoint ? &*checkpoint : nullptr);
      host::Pipeline& pipeline = *made;
      reporter.attach(&pipeline);
      running.store(&pipeline);
      if (signals.received()) pipeline.cancel("interrupted");
      doing = "running the pipeline";
      host::RunSummary summary = pipeline.run();
      running.store(nullptr);
      reporter.summary(summary);
      return kExitOk;
    } catch (const CancelledError& e) {
      running.store(nullptr);
      reporter.error(e.what());
      resume_hint();
      reporter.failed(failure_of(interrupted(), e.what(), &e));
      return interrupted();
    } catch (const ConfigError&) {
      throw;  // a ResumeError: exit 3 below
    } catch (const PluginError&) {
      throw;
    } catch (const Error& e) {
      running.store(nullptr);
      bool signalled = signals.received() != 0;
      std::string message = signalled ? std::string("interrupted: ") + e.what() : std::string(e.what());
      int code = signalled ? interrupted() : kExitRunFailed;
      reporter.error(message);
      resume_hint();
      reporter.failed(failure_of(code, message, &e));
      return code;
    }
  } catch (const host::InvalidConfig& e) {
    // One line per problem, as aton validate prints them; --progress json's
    // error event carries them all in its message.
    for (const auto& line : e.lines()) reporter.error(line);
    reporter.failed(failure_of(kExitInvalidConfig, e.what(), &e));
    return kExitInvalidConfig;
  } catch (const ConfigError& e) {
    return fail(kExitInvalidConfig, e.what());
  } catch (const PluginError& e) {
    return fail(kExitPluginError, e.what());
  } catch (const std::bad_alloc&) {
    return fail(kExitRunFailed, std::string("out of memory while ") + doing);
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::resource_unavailable_try_again)  // pthread_create: no memory for a stack
      return fail(kExitRunFailed, std::string("out of memory while ") + doing + " (cannot start a thread: " +
                                      e.what() + ")");
    return fail(kExitRunFailed, std::string("unexpected error: ") + e.what());
  } catch (const Error& e) {
    return fail(kExitRunFailed, e.what(), &e);
  } catch (const std::exception& e) {
    return fail(kExitRunFailed, std::string("unexpected error: ") + e.what());
  }
}

namespace {
const CommandRegistration registration{"run", "run a pipeline config: source -> encoder -> sinks", 30,
                                       &run_run};
}  // namespace

}  // namespace aton::app
