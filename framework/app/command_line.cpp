#include "command_line.hpp"

#include "exit_codes.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace aton::app {

std::optional<int> parse_command_line(int argc, char** argv, const std::string& command, const char* help,
                                      const char* examples, const po::options_description& options,
                                      std::string& positional, po::variables_map& values) {
  po::options_description visible;
  visible.add_options()("help,h", "show this help");
  visible.add(options);
  po::options_description hidden;
  hidden.add_options()("positional", po::value(&positional));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description layout;
  layout.add("positional", 1);
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(layout).run(), values);
    po::notify(values);
  } catch (const po::error& e) {
    std::cerr << "aton " << command << ": " << e.what() << "\nRun `aton " << command << " --help` for usage.\n";
    return kExitUsage;
  }
  if (values.count("help")) {
    std::cout << help << visible << examples;
    return kExitOk;
  }
  return std::nullopt;
}

}  // namespace aton::app
