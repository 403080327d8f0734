#include <aton/host/config_problems.hpp>

#include <aton/host/secrets.hpp>
#include <aton/printable.hpp>

namespace aton::host {

namespace {

// One problem: its line. Several: one line that counts them, then each
// "<pointer>: <message>", joined by "; " (an error's text is one line;
// the CLI prints lines() one by one).
std::string what_of(const std::filesystem::path& file, const std::vector<ConfigProblem>& problems) {
  if (problems.size() == 1) return config_problem_line(file, problems.front());
  std::string out = file.string() + ": " + std::to_string(problems.size()) + " problems: ";
  for (std::size_t i = 0; i < problems.size(); ++i)
    out += (i ? "; " : "") + (problems[i].pointer.empty() ? std::string("/") : problems[i].pointer) + ": " +
           problems[i].message;
  return out;
}

}  // namespace

std::string config_problem_line(const std::filesystem::path& file, const ConfigProblem& problem) {
  return file.string() + ": " + (problem.pointer.empty() ? std::string("/") : problem.pointer) + ": " +
         problem.message;
}

InvalidConfig::InvalidConfig(const std::filesystem::path& file, const std::vector<ConfigProblem>& problems)
    : ConfigError(what_of(file, problems)) {
  for (const auto& p : problems) lines_.push_back(printable(config_problem_line(file, p)));
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

void ConfigProblems::throw_if_any(const Secrets* secrets) const {
  if (problems_.empty()) return;
  if (!secrets) throw InvalidConfig(file_, problems_);
  std::vector<ConfigProblem> scrubbed = problems_;
  for (auto& p : scrubbed) {
    p.pointer = secrets->scrub(p.pointer);
    p.message = secrets->scrub(p.message);
  }
  throw InvalidConfig(file_, scrubbed);
}

}  // namespace aton::host
