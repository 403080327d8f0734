// What identifies an input file for resumable runs: its size and its
// modification time. A source saves them with its position and, on resume,
// refuses a file whose size or time changed, since a saved byte offset means
// nothing in another text. A followed file changes by design: there the
// file is named by device and inode (FollowedPlace). Header-only; shared by
// the file-reading sources.
#pragma once

#include "input_file.hpp"

#include <aton/plugin.h>
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

// A followed file's place (see InputFile): the position's offset is in the
// file with this device and inode.
struct FollowedPlace {
  InputFile::Place place;

  template <class Writer>
  void write(Writer& w) const {
    w.Key("device");
    w.Uint64(place.device);
    w.Key("inode");
    w.Uint64(place.inode);
  }

  // On resume, whether to read the file at `path` from its start rather
  // than from `offset`: as tail -F does, when the file saved is no longer
  // there (rotated while the run was stopped) or is shorter than `offset`
  // (truncated). Says so in a warning; throws when there is no file.
  static bool restart(const rapidjson::Value& saved, const std::string& path, std::uint64_t offset,
                      const std::string& name, const aton_host_api* host) {
    auto device = saved.FindMember("device");
    auto inode = saved.FindMember("inode");
    if (device == saved.MemberEnd() || !device->value.IsUint64() || inode == saved.MemberEnd() ||
        !inode->value.IsUint64())
      throw std::runtime_error(name + ": the saved position does not name a followed file (was the run made "
                                      "without \"follow\"?); run again without --resume");
    auto now = InputFile::identify(path);
    if (!now) throw std::runtime_error(name + ": cannot resume: there is no file at " + path);
    std::string why;
    if (now->device != device->value.GetUint64() || now->inode != inode->value.GetUint64())
      why = "was replaced since the checkpoint (rotated)";
    else if (now->offset < offset)
      why = "is shorter than at the checkpoint (truncated)";
    if (why.empty()) return false;
    std::string message = name + ": the file " + why + ": reading the file there now from its start";
    if (host && host->log) host->log(host->host, ATON_LOG_WARNING, message.c_str());
    return true;
  }
};

}  // namespace aton::sources
