// Helpers for the resumable-run tests (tests/resume): an `aton run` started
// in the background, so a test can kill it at a moment of its choosing;
// waits on the checkpoint file; inputs in every layout the file sources read.
#pragma once

#include "support/temp_dir.hpp"

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace aton::test::resume {

// `aton run ARGS...` in the background, its stdout and stderr sent to files.
class BackgroundRun {
 public:
  BackgroundRun(const std::vector<std::string>& args, const std::filesystem::path& log_prefix);
  ~BackgroundRun();  // kills and reaps the child if still there
  BackgroundRun(const BackgroundRun&) = delete;
  BackgroundRun& operator=(const BackgroundRun&) = delete;

  // Sends `signal`; false if the child had already exited.
  bool send(int signal);
  // Waits for the exit (bounded); the exit code, 128 + signal when killed,
  // or nothing on timeout (the child is then killed).
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  bool running();
  pid_t pid() const noexcept { return pid_; }

  std::string err() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path err_;
};

// The next_chunk recorded in the checkpoint at `file`, or nothing when there
// is no readable checkpoint (absent, or mid-replace).
std::optional<std::size_t> checkpoint_next_chunk(const std::filesystem::path& file);

// Waits until the checkpoint says next_chunk >= at_least, or `run` exits, or
// the timeout passes (bounded). True when the checkpoint got there.
bool wait_for_checkpoint(const std::filesystem::path& file, std::size_t at_least, BackgroundRun& run,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20));

// `count` records with strings, numbers, booleans, an occasional late key,
// nulls and non-ASCII text, as a JSON array.
std::string records_json(std::size_t count);
// The same records as JSON Lines, as an object of tables {"meta": {...},
// "users": [...]}, and as CSV.
std::string records_jsonl(std::size_t count);
std::string records_tables_json(std::size_t count);
std::string records_csv(std::size_t count);

// The files in `folder`, sorted (names only).
std::vector<std::string> names_in(const std::filesystem::path& folder);

}  // namespace aton::test::resume
