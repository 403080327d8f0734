#include "input_list.hpp"

#include "decompressor.hpp"
#include "input_check.hpp"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace aton::sources {
namespace {

bool is_file_or_other(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

// The files one entry names: itself when it exists or holds no glob
// character, else the glob's matches that are not folders, sorted by bytes.
std::vector<std::string> expand(const std::string& entry, const std::string& name) {
  struct stat st {};
  if (!has_glob(entry) || ::stat(entry.c_str(), &st) == 0) return {entry};
  glob_t found{};
  int rc = ::glob(entry.c_str(), GLOB_NOSORT, nullptr, &found);
  std::vector<std::string> paths;
  if (rc == 0)
    for (std::size_t i = 0; i < found.gl_pathc; ++i)
      if (is_file_or_other(found.gl_pathv[i])) paths.emplace_back(found.gl_pathv[i]);
  ::globfree(&found);
  if (rc == GLOB_ABORTED)
    throw std::runtime_error(name + ": cannot list the files matching " + entry + ": a folder on the way cannot be "
                                    "read (check the source's \"path\")");
  if (paths.empty())
    throw std::runtime_error(name + ": no file matches " + entry + " (check the source's \"path\")");
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace

bool has_glob(const std::string& path) { return path.find_first_of("*?[") != std::string::npos; }

namespace {
bool names_several(const std::string& path) {
  struct stat st {};
  return has_glob(path) && ::stat(path.c_str(), &st) != 0;
}
}  // namespace

bool names_several(const rapidjson::Value* path) {
  return path && (path->IsArray() || (path->IsString() && names_several(std::string(path->GetString()))));
}

InputList InputList::from_config(const rapidjson::Value* path, const std::string& name) {
  InputList list;
  list.name_ = name;
  std::vector<std::string> entries;
  if (path && path->IsArray()) {
    list.several_ = true;
    for (const auto& e : path->GetArray()) {
      std::string entry = e.IsString() ? std::string(e.GetString(), e.GetStringLength()) : std::string();
      if (entry.empty() || entry == "-")
        throw std::runtime_error(name + ": a list of files holds paths of files; standard input (\"-\") and empty "
                                        "paths cannot be among them");
      entries.push_back(entry);
      list.given_ += (list.given_.empty() ? "" : ", ") + entry;
    }
    if (entries.empty()) throw std::runtime_error(name + ": \"path\" is an empty list; give at least one file");
  } else {
    std::string one = path && path->IsString() ? std::string(path->GetString(), path->GetStringLength()) : "";
    if (one == "-") one.clear();
    list.given_ = one.empty() ? "<stdin>" : one;
    if (one.empty() || !names_several(one)) {
      list.files_.push_back({one, {}});  // one path, read as it always was
      return list;
    }
    list.several_ = true;
    entries.push_back(one);
  }
  for (const auto& entry : entries)
    for (auto& file : expand(entry, name)) {
      for (const auto& seen : list.files_)
        if (seen.path == file)
          throw std::runtime_error(name + ": " + file + " is listed twice in \"path\"; it would be read twice");
      struct stat st {};
      if (::stat(file.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        throw std::runtime_error(name + ": " + file + " is not a regular file (a pipe or a device): a list of files "
                                                      "reads regular files only");
      list.files_.push_back({file, InputIdentity::of(file, name + ": " + file)});
    }
  return list;
}

std::optional<std::string> InputList::problem(const rapidjson::Value* path) {
  if (!names_several(path)) {
    std::string one = path && path->IsString() ? path->GetString() : "";
    if (one.empty() || one == "-") return std::nullopt;
    if (auto why = why_unreadable(one)) return "cannot read " + one + ": " + *why;
    return std::nullopt;
  }
  try {
    InputList list = from_config(path, "");
    for (const auto& file : list.files_)
      if (auto why = why_unreadable(file.path)) return "cannot read " + file.path + ": " + *why;
    return std::nullopt;
  } catch (const std::exception& e) {
    std::string text = e.what();
    return text.rfind(": ", 0) == 0 ? text.substr(2) : text;  // without the empty name
  }
}

InputList::Totals InputList::totals(const std::function<std::int64_t(std::size_t)>& count) const {
  Totals totals{count ? 0 : -1, 0};
  for (std::size_t i = 0; i < files_.size(); ++i) {
    bool compressed = compression_of_file(files_[i].path) != Compression::none;
    struct stat st {};
    bool sized = ::stat(files_[i].path.c_str(), &st) == 0;
    totals.bytes = !sized || compressed || totals.bytes < 0 ? -1 : totals.bytes + static_cast<std::int64_t>(st.st_size);
    if (totals.records < 0) continue;
    std::int64_t records = compressed ? -1 : count(i);
    totals.records = records < 0 ? -1 : totals.records + records;
  }
  return totals;
}

void InputList::check_unchanged(std::size_t i) const {
  if (!several_) return;
  const File& file = files_[i];
  struct stat st {};
  if (::stat(file.path.c_str(), &st) != 0)
    throw std::runtime_error(name_ + ": " + file.path + " was listed (from " + given_ + ") but cannot be read now: " +
                             std::strerror(errno) + "; was it moved or removed while the run read the files before "
                             "it? Run again once the files stay put");
  InputIdentity now = InputIdentity::of(file.path, name_ + ": " + file.path);
  if (now.size != file.identity.size || now.mtime_ns != file.identity.mtime_ns)
    throw std::runtime_error(name_ + ": " + file.path + " changed between listing and reading (" +
                             std::to_string(file.identity.size) + " bytes when listed, " + std::to_string(now.size) +
                             " now, or written since); a file still being written cannot be read as listed: run "
                             "again once it is complete");
}

std::uint64_t InputList::digest(std::size_t i) const {
  std::uint64_t hash = 14695981039346656037ull;
  for (std::size_t f = 0; f <= i && f < files_.size(); ++f) {
    for (char c : files_[f].path) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    hash = (hash ^ 0u) * 1099511628211ull;  // the end of a name
  }
  return hash;
}

ListPlace ListPlace::read(const rapidjson::Value& saved, const InputList& inputs, const std::string& name) {
  auto count = [&](const char* key) {
    auto it = saved.FindMember(key);
    if (it == saved.MemberEnd() || !it->value.IsUint64())
      throw std::runtime_error(name + ": the saved position names no file of a list (was the run made with one "
                                      "file as \"path\"?); run again without --resume");
    return it->value.GetUint64();
  };
  ListPlace place;
  place.file = static_cast<std::size_t>(count("file"));
  place.digest = count("files_digest");
  place.records_before = count("records_before");
  place.bytes_before = count("bytes_before");
  if (place.file >= inputs.size())
    throw std::runtime_error(name + ": the checkpoint was reading file " + std::to_string(place.file + 1) +
                             " of the list, which has " + std::to_string(inputs.size()) +
                             " files now (from " + inputs.given() + "); run again without --resume");
  if (place.digest != inputs.digest(place.file))
    throw std::runtime_error(name + ": the files listed up to " + inputs.path(place.file) +
                             " are not the ones the interrupted run read (a file was added, removed or renamed "
                             "before it, from " + inputs.given() + "); run again without --resume");
  return place;
}

}  // namespace aton::sources
