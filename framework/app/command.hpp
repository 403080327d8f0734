// Subcommands register themselves: each lives in its own cmd_<name>.cpp with
//   static const aton::app::CommandRegistration registration{
//       "encode", "JSON records to ATON", 10, &run_encode};
// and main() dispatches to it by name.
#pragma once

#include <string_view>
#include <vector>

namespace aton::app {

// argv[0] is the subcommand's name; returns the process exit code.
using CommandFn = int (*)(int argc, char** argv);

struct Command {
  std::string_view name;
  std::string_view summary;
  int order;  // position in `aton --help`
  CommandFn run;
};

struct CommandRegistration {
  CommandRegistration(std::string_view name, std::string_view summary, int order, CommandFn run);
};

const std::vector<Command>& commands();

}  // namespace aton::app
