#include <aton/host/config_problems.hpp>

namespace aton::host {

namespace {

// One problem: its line. Several: a line that counts them, then one
// indented line each, so that a single prefix ("aton run: ") reads right.
std::string what_of(const std::filesystem::path& file, const std::vector<ConfigProblem>& problems) {
  if (problems.size() == 1) return config_problem_line(file, problems.front());
  std::string out = file.string() + ": " + std::to_string(problems.size()) + " problems:";
  for (const auto& p : problems)
    out += "\n  " + (p.pointer.empty() ? std::string("/") : p.pointer) + ": " + p.message;
  return out;
}

}  // namespace

std::string config_problem_line(const std::filesystem::path& file, const ConfigProblem& problem) {
  return file.string() + ": " + (problem.pointer.empty() ? std::string("/") : problem.pointer) + ": " +
         problem.message;
}

InvalidConfig::InvalidConfig(const std::filesystem::path& file, const std::vector<ConfigProblem>& problems)
    : ConfigError(what_of(file, problems)) {
  for (const auto& p : problems) lines_.push_back(config_problem_line(file, p));
}

void ConfigProblems::add(std::string pointer, std::string message) {
  problems_.push_back({std::move(pointer), std::move(message)});
}

bool ConfigProblems::any_within(std::string_view pointer) const {
  for (const auto& p : problems_) {
    std::string_view at = p.pointer;
    if (at.substr(0, pointer.size()) == pointer && (at.size() == pointer.size() || at[pointer.size()] == '/'))
      return true;
  }
  return false;
}

void ConfigProblems::throw_if_any() const {
  if (!problems_.empty()) throw InvalidConfig(file_, problems_);
}

}  // namespace aton::host
