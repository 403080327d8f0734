// Kills a run at checkpoints that must keep coming, resumes it, and lets the
// last run finish: the tests of checkpoints that do not rest on batch size
// == chunk size share it (uneven batches, time-flushed chunks).
// Header-only: only *.tests.cpp and support/*.cpp are compiled.
#pragma once

#include "support/background_run.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace aton::test::resume {

// `attempts` times: runs `config` (with --resume once a checkpoint is
// there), waits until its checkpoint is 1 to `max_step` chunks further (a
// REQUIRE: a checkpoint must come after every chunk), sometimes waits up to
// `max_delay` more, and kills it with SIGKILL. Then runs it to the end
// (REQUIRE exit 0). Returns how many runs were killed (a run may finish first).
inline int kill_at_checkpoints_then_finish(const std::filesystem::path& config, std::mt19937& random, int attempts,
                                           std::size_t max_step, std::chrono::milliseconds max_delay,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto checkpoint = config.string() + ".checkpoint";
  int kills = 0;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    auto at = checkpoint_next_chunk(checkpoint);
    std::vector<std::string> args{"run", config.string(), "--progress=none"};
    if (at) args.push_back("--resume");
    BackgroundRun run(args, config.parent_path() / ("run" + std::to_string(attempt)));
    std::size_t target = at.value_or(0) + 1 + random() % max_step;
    INFO("attempt " << attempt << ", waiting for a checkpoint at chunk " << target);
    REQUIRE(wait_for_checkpoint(checkpoint, target, run, timeout));
    if (random() % 2) std::this_thread::sleep_for(std::chrono::milliseconds(random() % (max_delay.count() + 1)));
    if (!run.send(SIGKILL)) break;
    REQUIRE(run.wait().has_value());
    ++kills;
  }
  std::vector<std::string> args{"run", config.string(), "--progress=none"};
  if (checkpoint_next_chunk(checkpoint)) args.push_back("--resume");
  auto last = run_aton(args);
  INFO(last.err);
  REQUIRE(last.exit_code == 0);
  return kills;
}

}  // namespace aton::test::resume
