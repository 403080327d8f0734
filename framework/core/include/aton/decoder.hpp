// The ATON decoder: a document, or a stream of chunks, back to records.
//
// feed() takes any whole number of blocks: a complete document (one or more
// tables), a first chunk, or continuation chunks (`table+(N):`), which append
// to the table they continue with its schema, defaults and dictionary. It
// also reads the public reference implementations' output (indented rows,
// blank lines, @dict before @schema) where that is unambiguous.
//
// Errors are DecodingError with the line and column, counted over all text
// fed so far. docs/FORMAT.md is the grammar.
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

  // Tables in the order they were opened. Records stay valid as long as the
  // decoder lives.
  const std::vector<DecodedTable>& tables() const noexcept;

  // {"table": [records...], ...} as compact JSON.
  std::string to_json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aton
