// The ATON decoder: a document, or a stream of chunks, back to records.
//
// feed() takes any whole number of blocks: a complete document (one or more
// tables), a first chunk, or continuation chunks (`table+(N):`), which append
// to the table they continue with its schema, defaults and dictionary. A
// table opened again by a later `table(N):` block (two appended runs, two
// documents joined) stays one table: the new block brings its own header
// and its rows follow the ones before. It also reads the public reference
// implementations' output (indented rows, blank lines, @dict before @schema)
// where that is unambiguous.
//
// Errors are DecodingError with the line and column, counted over all text
// fed so far: besides malformed text, a dictionary entry declared again, a
// raw NUL byte, and a continuation that cannot stand where it is in its
// stream (after the stream's short last chunk, or longer than its first
// chunk: chunks joined out of order), and a self-contained chunk
// (`@chunk[id:N, stream:"S"]`) missing, repeated or out of order in its
// stream. docs/FORMAT.md is the grammar.
#pragma once

#include <aton/arena.hpp>
#include <aton/value.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aton {

struct DecodedTable {
  std::string name;
  std::vector<Value> records;  // each an Object, in the decoder's arena
};

class Decoder {
 public:
  Decoder();
  ~Decoder();
  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;

  void feed(std::string_view text);

  // Tables in the order they were first opened, one per name, each with the
  // records of all its blocks in document order. Records stay valid as long
  // as the decoder lives.
  const std::vector<DecodedTable>& tables() const noexcept;

  // {"table": [records...], ...} as compact JSON; no name appears twice.
  std::string to_json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aton
