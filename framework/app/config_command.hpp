// The command line shared by the commands that take a pipeline config:
//   aton <command> CONFIG [--set KEY=VALUE ...] [their own options]
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>
#include <vector>

namespace aton::app {

struct ConfigCommandLine {
  std::string config;
  std::vector<std::string> overrides;  // --set
  boost::program_options::variables_map options;
};

// Adds --help and --set to `options`, parses argv. Returns the exit code
// when the command is already done (help printed: 0; usage error printed:
// 2), nothing when it should go on with `out`.
std::optional<int> parse_config_command(int argc, char** argv, const std::string& command, const char* help,
                                        const char* examples, const boost::program_options::options_description& options,
                                        ConfigCommandLine& out);

}  // namespace aton::app
