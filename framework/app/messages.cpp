#include "messages.hpp"

#include <cstdio>
#include <string>

namespace aton::app {

void print_error(std::string_view command, std::string_view message, const host::Secrets* secrets) {
  static const host::Secrets kNone;
  std::string line = "aton " + std::string(command) + ": " + (secrets ? *secrets : kNone).shown(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace aton::app
