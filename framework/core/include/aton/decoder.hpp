// The ATON decoder: a document, or a stream of chunks, back to records.
//
// ONE DECODER, TWO WAYS TO USE IT
// - Streaming: Decoder(handler). push() takes the text as it arrives, in
//   pieces of any size (a line may be split anywhere, even inside a UTF-8
//   character); every record goes to the handler as soon as its line is
//   read, and is forgotten when the handler returns. finish() says the text
//   ended. Memory holds one line (the unfinished tail of the last piece,
//   copied), one record, and per table the header of its latest block
//   (schema, defaults, dictionary), and for the order check of
//   self-contained chunks the line of each one read (8 bytes a chunk):
//   never the records before, however long the text. `aton decode` is this.
// - Whole document: Decoder(). feed() takes whole blocks; the records are
//   kept and tables() / to_json() give them. It is the streaming decoder
//   with a handler that keeps every record.
//
// WHAT IT READS
// A complete document (one or more tables), a first chunk, or continuation
// chunks (`table+(N):`), which append to the table they continue with its
// schema, defaults and dictionary. A table opened again by a later
// `table(N):` block (two appended runs, two documents joined) stays one
// table: the new block brings its own header and its rows follow the ones
// before. It also reads the public reference implementations' output
// (indented rows, blank lines, @dict before @schema) where that is
// unambiguous. docs/FORMAT.md is the grammar.
//
// ERRORS
// DecodingError with the line and column, counted over all text pushed so
// far: besides malformed text, a dictionary entry declared again, a raw NUL
// byte, a line longer than max_line_bytes, a continuation that cannot stand
// where it is in its stream (after the stream's short last chunk, or longer
// than its first chunk: chunks joined out of order), a self-contained chunk
// (`@chunk[id:N, stream:"S"]`) missing, repeated or out of order in its
// stream, and text that ends short of a table line's row count (at
// finish()). Whatever the handler throws passes through push() unchanged.
// A streaming handler has then seen the records before the error: a caller
// that must not show a partial result (aton decode -o FILE) holds its
// output back until finish() returned. After an exception the decoder is
// not used again, but for feed()'s short-table error, which leaves it ready
// for more blocks (as before the streaming form existed).
//
// Not thread-safe: one thread pushes, and the handler runs on it.
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

// One record as the streaming decoder hands it out. It views the decoder's
// state: valid only during RecordHandler::record(), never to be kept (copy
// what you need: value() into your arena, or append_json() to your text).
class DecodedRecord {
 public:
  // The record's table: its index in the order tables were first opened
  // (0, 1, ...; the index table_opened() gave) and its name.
  std::size_t table() const noexcept { return table_; }
  std::string_view table_name() const noexcept { return table_name_; }

  // The record as an Object; numbers classified (number.hpp). Built on the
  // first call; the same Value on later calls of this record.
  const Value& value() const;

  // The record as compact JSON, appended to `out`: what
  // aton::append_json(value()) writes, but numbers exactly as the ATON text
  // wrote them (a valid JSON number either way, the same value), and
  // faster: a tabular row's keys, defaults and dictionary strings were
  // escaped once for their block, numbers and strings without escapes are
  // copied, and no Value is built.
  void append_json(std::string& out) const;

 private:
  friend class Decoder;
  struct Row;
  explicit DecodedRecord(Row& row) : row_(row) {}

  Row& row_;
  std::size_t table_ = 0;
  std::string_view table_name_;
};

// Where a streaming decoder sends what it reads. Both calls run on the
// thread that called push()/finish(); what they throw ends the decode.
class RecordHandler {
 public:
  virtual ~RecordHandler() = default;
  // A table opened for the first time (a later block of the same name is
  // the same table, announced once): before any of its records, and also
  // for a table of no rows.
  virtual void table_opened(std::size_t /*table*/, std::string_view /*name*/) {}
  virtual void record(const DecodedRecord& record) = 0;
};

struct DecoderOptions {
  // A line may be this long: longer is a DecodingError, so that a text
  // that never ends a line (not ATON, or a binary file) cannot fill
  // memory. The same default as encode's --max-record-bytes.
  std::size_t max_line_bytes = std::size_t{64} << 20;
};

class Decoder {
 public:
  // Whole document: records are kept (tables(), to_json()).
  Decoder();
  // Streaming: records go to `handler`, which must outlive the decoder;
  // nothing is kept (tables() stays empty).
  explicit Decoder(RecordHandler& handler, DecoderOptions options = {});
  ~Decoder();
  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;

  // The next piece of the text, of any size, split anywhere. Complete
  // lines are read from `text` in place; an unfinished last line is copied
  // and completed by the next piece.
  void push(std::string_view text);
  // The text ends here: the last line ends even without a newline, and
  // every table line's rows must have come. More text may follow (a later
  // continuation), as after feed().
  void finish();
  // push(text) then finish(): `text` is whole blocks.
  void feed(std::string_view text);

  // Whole-document decoders only: tables in the order they were first
  // opened, one per name, each with the records of all its blocks in
  // document order. Records stay valid as long as the decoder lives.
  const std::vector<DecodedTable>& tables() const noexcept;

  // {"table": [records...], ...} as compact JSON; no name appears twice.
  std::string to_json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aton
