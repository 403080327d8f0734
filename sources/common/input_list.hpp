// A file-reading source's `path` when it names several files: a glob
// ("logs/*.jsonl") or a JSON array of paths and globs. The files are read
// one after another as one table, in this order: the array's entries as
// given, each glob's matches sorted by name (byte order, whatever the
// locale). A path that names an existing file is that file even when it
// holds glob characters. Folders a glob matches are left out; a glob that
// matches no file, and a file listed twice, are errors.
//
// Listing takes each file's size and modification time, and the file is
// checked against them just before it is read: one that vanished or changed
// in between is an error naming it (its records would not be the ones
// listed, and a checkpoint's offsets would mean nothing in it).
//
// Errors are std::runtime_error naming the source, the pattern and the file.
#pragma once

#include "input_identity.hpp"

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace aton::sources {

// The "path" option's schema_json: one path (or glob), or a list of them.
constexpr const char* kPathSchema =
    "{\"type\":[\"string\",\"array\"],\"items\":{\"type\":\"string\",\"minLength\":1},\"minItems\":1}";

// Whether `path` holds a glob character (* ? [).
bool has_glob(const std::string& path);
// Whether a "path" value names several files: an array, or a glob that is
// not the name of an existing file.
bool names_several(const rapidjson::Value* path);

class InputList {
 public:
  // From the config's "path" value (nullptr, a string or an array of
  // strings; the host made relative ones absolute). "" or "-" alone:
  // standard input, a list of one empty path. `name`: "json", for messages.
  static InputList from_config(const rapidjson::Value* path, const std::string& name);

  // Why the "path" value cannot be read (one file: it is missing, a folder,
  // not readable; several: a glob matches nothing, a file listed cannot be
  // read), or nothing: for check(), which opens nothing.
  static std::optional<std::string> problem(const rapidjson::Value* path);

  // Several files (a glob or an array), as opposed to one path as given.
  bool several() const { return several_; }
  std::size_t size() const { return files_.size(); }
  const std::string& path(std::size_t i) const { return files_[i].path; }
  // What was given, for messages: the path, the glob, or the array's entries.
  const std::string& given() const { return given_; }

  // What the first pass finds over the files (regular, not followed): the
  // bytes of all and, when `count` is given, the records it counts in each
  // (file index -> records, -1 when it cannot tell). Each is -1 when
  // unknown: a compressed file is counted by neither (its size is not its
  // text's, and counting would decompress it all twice).
  struct Totals {
    std::int64_t records = -1, bytes = -1;
  };
  Totals totals(const std::function<std::int64_t(std::size_t)>& count) const;

  // Several files: throws when file `i` is gone or changed since it was listed.
  void check_unchanged(std::size_t i) const;
  // A digest of the names of files 0..i (FNV-1a): a checkpoint saves it so
  // that a resume can tell the list before its file is the one it read.
  std::uint64_t digest(std::size_t i) const;

 private:
  struct File {
    std::string path;
    InputIdentity identity;
  };
  std::vector<File> files_;
  std::string given_, name_;
  bool several_ = false;
};

// Where a run reading several files is, for its checkpoint: the file (its
// index and the digest of the list up to it) and the records and bytes of
// the files before it. The file's own place is saved beside it.
struct ListPlace {
  std::size_t file = 0;
  std::uint64_t digest = 0, records_before = 0, bytes_before = 0;

  template <class Writer>
  void write(Writer& w) const {
    w.Key("file");
    w.Uint64(file);
    w.Key("files_digest");
    w.Uint64(digest);
    w.Key("records_before");
    w.Uint64(records_before);
    w.Key("bytes_before");
    w.Uint64(bytes_before);
  }

  // Throws, saying what to do, unless `saved` names a file of `inputs`
  // after the same files as when it was saved.
  static ListPlace read(const rapidjson::Value& saved, const InputList& inputs, const std::string& name);
};

}  // namespace aton::sources
