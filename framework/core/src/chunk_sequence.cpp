#include "chunk_sequence.hpp"

#include <aton/errors.hpp>
#include <aton/json.hpp>

namespace aton::detail {

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(s, out);
  return out;
}

}  // namespace

void ChunkSequence::check(std::string_view stream, std::size_t id, std::string_view table, std::size_t line,
                          std::size_t column) {
  auto [it, inserted] = streams_.try_emplace(std::string(stream));
  Stream& s = it->second;
  if (inserted) {
    s.table = std::string(table);
    s.first_id = id;
    s.lines.push_back(line);
    return;
  }
  std::string chunk = "chunk " + std::to_string(id) + " of stream " + quoted(stream) + " (table " +
                      quoted(s.table) + ")";
  auto fail = [&](const std::string& what) { throw DecodingError(what, line, column); };
  if (table != s.table)
    fail("chunk " + std::to_string(id) + " of stream " + quoted(stream) + " is a block of table " + quoted(table) +
         ", but the stream's chunk at line " + std::to_string(s.lines.front()) + " is of table " + quoted(s.table) +
         ": the chunks come from different streams");
  std::size_t last = s.first_id + s.lines.size() - 1;
  auto at = [&](std::size_t chunk_id) { return std::to_string(s.lines[chunk_id - s.first_id]); };
  if (id == last + 1) {
    s.lines.push_back(line);
  } else if (id > last + 1) {
    std::string gap = id == last + 2 ? "chunk " + std::to_string(last + 1) + " is"
                                     : "chunks " + std::to_string(last + 1) + " to " + std::to_string(id - 1) + " are";
    fail(chunk + ": " + gap + " missing between chunk " + std::to_string(last) + " (line " + at(last) +
         ") and chunk " + std::to_string(id) + " here");
  } else if (id >= s.first_id) {
    fail(chunk + " is repeated: it was read at line " + at(id) + " already (after chunk " + std::to_string(last) +
         ", line " + at(last) + ")");
  } else {
    fail(chunk + " comes after chunk " + std::to_string(last) + " (line " + at(last) +
         "), which follows it in the stream: the chunks are out of order");
  }
}

}  // namespace aton::detail
