// What identifies an input file for resumable runs: its size and its
// modification time. A source saves them with its position and, on resume,
// refuses a file whose size or time changed, since a saved byte offset means
// nothing in another text. Header-only; shared by the file-reading sources.
#pragma once

#include <rapidjson/document.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace aton::sources {

struct InputIdentity {
  std::int64_t size = -1;
  std::int64_t mtime_ns = -1;

  // Throws std::runtime_error when the file cannot be looked at.
  static InputIdentity of(const std::string& path, const std::string& name) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
      throw std::runtime_error(name + ": cannot stat the input: " + std::strerror(errno));
    return {static_cast<std::int64_t>(st.st_size),
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  }

  template <class Writer>
  void write(Writer& w) const {
    w.Key("size");
    w.Int64(size);
    w.Key("mtime_ns");
    w.Int64(mtime_ns);
  }

  // Throws, saying what changed, unless `saved` (an object holding what
  // write() wrote) describes this same identity.
  void check_saved(const rapidjson::Value& saved, const std::string& name) const {
    auto size_it = saved.FindMember("size");
    auto time_it = saved.FindMember("mtime_ns");
    if (size_it == saved.MemberEnd() || !size_it->value.IsInt64() || time_it == saved.MemberEnd() ||
        !time_it->value.IsInt64())
      throw std::runtime_error(name + ": the saved position does not identify the input");
    if (size_it->value.GetInt64() != size)
      throw std::runtime_error(name + ": the input changed since the checkpoint (" +
                               std::to_string(size_it->value.GetInt64()) + " bytes then, " +
                               std::to_string(size) + " now); run again without --resume");
    if (time_it->value.GetInt64() != mtime_ns)
      throw std::runtime_error(name + ": the input changed since the checkpoint (it was modified since); run "
                               "again without --resume");
  }
};

}  // namespace aton::sources
