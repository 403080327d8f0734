// The fast first pass over a JSON file: counts records without parsing
// them. A scanner that tracks only strings and nesting depth, inside the
// records array 64 bytes at a time from bit masks (about 1.5 GB/s here).
// It does not validate: the real pass reports malformed input.
//
// Only for regular files (sources::reads_once says which): anything else
// cannot be read twice. Each block read asks `cancelled` first (see
// sources::InputFile), so the pass stops at once when the run does, however
// large the file.
#pragma once

#include "../common/input_file.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace aton::json_source {

struct JsonOutline {
  char top = 0;              // '[' or '{' (an object of tables), 0 for anything else
  std::int64_t records = 0;  // top '[': how many elements it has
  struct Table {
    std::string name;
    std::int64_t records = 0;  // elements of its array(s); a repeated key adds up
    bool is_array = false;
  };
  std::vector<Table> tables;  // top '{': its keys, in order, each once

  const Table* find(const std::string& name) const;
  std::string names() const;  // "users, orders"
};

// Throws std::runtime_error when the file cannot be read, and
// sources::Cancelled.
JsonOutline scan_json_outline(const std::string& path, const sources::InputFile::CancelCheck& cancelled = {});

// Lines that hold anything but whitespace: the records of a JSON Lines file.
std::int64_t count_json_lines(const std::string& path, const sources::InputFile::CancelCheck& cancelled = {});

}  // namespace aton::json_source
