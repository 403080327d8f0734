// Runs a real program for end-to-end tests: arguments, optional stdin text,
// captured stdout and stderr, exit code, and a time limit after which the
// child is killed (so a hang fails the test instead of stalling the suite).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace aton::test {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
  bool timed_out = false;
};

struct ProcessOptions {
  std::optional<std::string> input;            // written to stdin, then closed
  std::map<std::string, std::string> env;      // added to the environment
  std::chrono::milliseconds timeout{60'000};
  std::string working_dir;                     // empty: the current one
  // The child's address-space limit (RLIMIT_AS, as `ulimit -v`), in bytes;
  // 0: none. Sanitizer builds reserve terabytes and cannot run under one.
  std::size_t address_space_limit = 0;
};

// Options that write `input` to the child's stdin.
inline ProcessOptions with_input(std::string input) {
  ProcessOptions options;
  options.input = std::move(input);
  return options;
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// Runs build/bin/aton with `args`.
ProcessResult run_aton(const std::vector<std::string>& args, const ProcessOptions& options = {});

}  // namespace aton::test
