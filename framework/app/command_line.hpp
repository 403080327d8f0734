// Parsing a subcommand's arguments the same way everywhere:
//   aton <command> [ARG] [options]
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>

namespace aton::app {

// Parses argv against `options` (shown by --help, which is added) and one
// positional argument stored in `positional` (left as it is when absent).
// Returns the exit code when the command is already done (help printed: 0;
// a usage error printed, with a pointer to --help: 2), nothing when it
// should go on.
std::optional<int> parse_command_line(int argc, char** argv, const std::string& command, const char* help,
                                      const char* examples, const boost::program_options::options_description& options,
                                      std::string& positional, boost::program_options::variables_map& values);

}  // namespace aton::app
