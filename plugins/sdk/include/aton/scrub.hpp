// Blanking secrets out of text a plugin is about to show (a log line, an
// error, a recorded answer): every occurrence of each secret becomes "***".
// The host scrubs what it prints of the config's ${ENV} values itself; a
// network sink also knows values the host cannot (a header built from a
// token, a server's echo of the request), and scrubs its own messages with
// this. Which values count as secrets is the plugin's to say.
#pragma once

#include <string>
#include <vector>

namespace aton::sdk {

inline std::string scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;  // would match everywhere
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
      text.replace(at, secret.size(), "***");
  }
  return text;
}

}  // namespace aton::sdk
