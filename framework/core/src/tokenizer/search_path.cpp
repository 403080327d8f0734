// Where rank files are looked for (aton/tokenizer.hpp states the order).
#include <aton/tokenizer.hpp>

#include <cstdlib>
#include <system_error>

namespace aton {
namespace fs = std::filesystem;

std::vector<TokenizerFolder> tokenizer_search_path() {
  std::vector<TokenizerFolder> folders;
  auto add = [&](fs::path path, const char* origin) {
    path = path.lexically_normal();
    for (const auto& f : folders)
      if (f.path == path) return;
    folders.push_back({std::move(path), origin});
  };
  if (const char* env = std::getenv("ATON_TOKENIZER_PATH")) {
    std::string_view rest = env;
    while (!rest.empty()) {
      std::size_t colon = rest.find(':');
      std::string_view part = rest.substr(0, colon);
      if (!part.empty()) add(fs::path(part), "ATON_TOKENIZER_PATH");
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && !exe.empty()) add(exe.parent_path().parent_path() / ATON_TOKENIZER_RELDIR, "next to the program");
  add(ATON_TOKENIZER_BUILD_DIR, "build tree");
  add(ATON_TOKENIZER_INSTALL_DIR, "install prefix");
  return folders;
}

}  // namespace aton
