#include "config_command.hpp"

#include "command_line.hpp"
#include "exit_codes.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace aton::app {

std::optional<int> parse_config_command(int argc, char** argv, const std::string& command, const char* help,
                                        const char* examples, const po::options_description& options,
                                        ConfigCommandLine& out) {
  po::options_description with_set;
  with_set.add_options()
      ("set,s", po::value(&out.overrides)->composing(),
       "override a config key: KEY=VALUE, KEY a dotted path (encoder.chunk_size, sinks.0.path); "
       "VALUE is JSON if it parses, else a string");
  with_set.add(options);
  if (auto done = parse_command_line(argc, argv, command, help, examples, with_set, out.config, out.options))
    return done;
  if (out.config.empty()) {
    std::cerr << "aton " << command << ": no CONFIG given\nRun `aton " << command << " --help` for usage.\n";
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace aton::app
