#include "config_command.hpp"

#include "exit_codes.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace aton::app {

std::optional<int> parse_config_command(int argc, char** argv, const std::string& command, const char* help,
                                        const char* examples, const po::options_description& options,
                                        ConfigCommandLine& out) {
  po::options_description visible;
  visible.add_options()
      ("help,h", "show this help")
      ("set,s", po::value(&out.overrides)->composing(),
       "override a config key: KEY=VALUE, KEY a dotted path (encoder.chunk_size, sinks.0.path); "
       "VALUE is JSON if it parses, else a string");
  visible.add(options);
  po::options_description hidden;
  hidden.add_options()("config", po::value(&out.config));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("config", 1);
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), out.options);
    po::notify(out.options);
  } catch (const po::error& e) {
    std::cerr << "aton " << command << ": " << e.what() << "\nRun `aton " << command << " --help` for usage.\n";
    return kExitUsage;
  }
  if (out.options.count("help")) {
    std::cout << help << visible << examples;
    return kExitOk;
  }
  if (out.config.empty()) {
    std::cerr << "aton " << command << ": no CONFIG given\nRun `aton " << command << " --help` for usage.\n";
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace aton::app
