#include "parent_folders.hpp"

#include <aton/output_file.hpp>

#include <stdexcept>
#include <system_error>

namespace aton::sinks {

namespace fs = std::filesystem;

void create_parent_folders(const fs::path& target) {
  fs::path folder = target.parent_path();
  if (folder.empty()) return;
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (!ec) return;
  // Name the component that blocks the way (a file where a folder should be)
  // rather than the whole path, which is where the user has to look.
  fs::path walked;
  for (const auto& part : folder) {
    walked /= part;
    std::error_code ignored;
    if (fs::exists(walked, ignored) && !fs::is_directory(walked, ignored))
      throw std::runtime_error("cannot create the folder " + folder.string() + ": " + walked.string() +
                               " is a file, not a folder");
  }
  throw std::runtime_error(aton::io_error("cannot create the folder", folder, ec.value()));
}

}  // namespace aton::sinks
