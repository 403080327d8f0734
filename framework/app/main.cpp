// `aton`: dispatches to the subcommand named by the first argument.
#include "command.hpp"
#include "exit_codes.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string_view>

namespace aton::app {

namespace {
std::vector<Command>& registry() {
  static std::vector<Command> all;
  return all;
}
}  // namespace

CommandRegistration::CommandRegistration(std::string_view name, std::string_view summary,
                                         int order, CommandFn run) {
  registry().push_back({name, summary, order, run});
  std::sort(registry().begin(), registry().end(),
            [](const Command& a, const Command& b) { return a.order < b.order; });
}

const std::vector<Command>& commands() { return registry(); }

namespace {
void print_usage(std::ostream& out) {
  out << "aton " ATON_VERSION " - stream record sets into ATON, the token-efficient format for LLM prompts\n\n"
         "Usage: aton <command> [options]\n\nCommands:\n";
  for (const auto& c : commands()) {
    out << "  " << c.name << std::string(c.name.size() < 10 ? 10 - c.name.size() : 1, ' ')
        << c.summary << "\n";
  }
  out << "\nRun `aton <command> --help` for a command's options and examples.\n\n"
         "Exit codes:\n"
         "  0    success\n"
         "  1    a stage failed during a run (source, encoder or sink)\n"
         "  2    bad command-line arguments\n"
         "  3    invalid pipeline config\n"
         "  4    malformed input data (JSON, ATON) or an encoding error\n"
         "  5    a plugin could not be found, loaded or trusted\n"
         "  130  interrupted by SIGINT (143 for SIGTERM)\n";
}
}  // namespace

}  // namespace aton::app

int main(int argc, char** argv) {
  using namespace aton::app;
  if (argc < 2) {
    print_usage(std::cerr);
    return kExitUsage;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(std::cout);
    return kExitOk;
  }
  if (name == "--version" || name == "-V") {
    std::cout << "aton " ATON_VERSION "\n";
    return kExitOk;
  }
  for (const auto& c : commands())
    if (c.name == name) return c.run(argc - 1, argv + 1);
  std::cerr << "aton: unknown command '" << name << "'\n\n";
  print_usage(std::cerr);
  return kExitUsage;
}
