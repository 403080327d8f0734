// Whether a source's input file can be read, for the plugins' check()
// (ABI 1.3): looked at with stat() and access() only, never opened, so that
// checking starts nothing (opening a FIFO would wait for its writer).
// Header-only; shared by the file-reading sources.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

namespace aton::sources {

// Why the file at `path` cannot be read ("No such file or directory", "it
// is a folder, not a file", "Permission denied"), or nothing when it can.
inline std::optional<std::string> why_unreadable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::string(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return std::string("it is a folder, not a file");
  if (::access(path.c_str(), R_OK) != 0) return std::string(std::strerror(errno));
  return std::nullopt;
}

}  // namespace aton::sources
