// Every problem found in a pipeline config, collected rather than thrown
// one at a time, so that one `aton validate` (and one refused `aton run`)
// lists them all: the host's keys, each plugin's declared options, each
// plugin's own check (ABI 1.3).
//
// A problem is a JSON pointer into the whole config and a message; shown as
// "<file>: <pointer>: <message>" ("/" for the whole file), one line each.
#pragma once

#include <aton/errors.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace aton::host {

class Secrets;

struct ConfigProblem {
  std::string pointer;  // "/sinks/1/url"; "" for the whole config
  std::string message;
};

// A config refused for one or more problems. what() is the problem's line,
// or for several "<file>: N problems: <pointer>: <message>; ..." on one
// line; lines() has one whole line per problem, each printable.
class InvalidConfig : public ConfigError {
 public:
  InvalidConfig(const std::filesystem::path& file, const std::vector<ConfigProblem>& problems);
  const std::vector<std::string>& lines() const noexcept { return lines_; }

 private:
  std::vector<std::string> lines_;
};

class ConfigProblems {
 public:
  explicit ConfigProblems(std::filesystem::path file) : file_(std::move(file)) {}

  void add(std::string pointer, std::string message);
  bool empty() const noexcept { return problems_.empty(); }
  std::size_t size() const noexcept { return problems_.size(); }
  const std::vector<ConfigProblem>& list() const noexcept { return problems_; }
  const std::filesystem::path& file() const noexcept { return file_; }

  // Whether a problem sits at `pointer` or inside it ("/sinks/1" holds
  // "/sinks/1/url", not "/sinks/10").
  bool any_within(std::string_view pointer) const;

  // Throws InvalidConfig listing every problem, with `secrets` (when given)
  // scrubbed from each; returns when there is none.
  void throw_if_any(const Secrets* secrets = nullptr) const;

 private:
  std::filesystem::path file_;
  std::vector<ConfigProblem> problems_;
};

// "<file>: <pointer>: <message>", the shape of every config error.
std::string config_problem_line(const std::filesystem::path& file, const ConfigProblem& problem);

}  // namespace aton::host
