// JSON text to and from the record model (aton::JsonReader underneath).
#pragma once

#include <aton/arena.hpp>
#include <aton/value.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton {

class JsonReader;
class ValueBuilder;

struct JsonReadOptions {
  std::size_t max_depth = 512;  // deeper nesting is an error, never a stack overflow
  // for_each_batch over text read in blocks: a record (or a skipped value)
  // longer than this is an error, so that a text that never ends a record
  // cannot fill memory (a mapped text needs no copy of it). `aton encode
  // --max-record-bytes`; the json and csv sources' max_record_bytes has the
  // same default.
  std::size_t max_record_bytes = std::size_t{64} << 20;
};

// Parses one JSON text. Strings, keys and number texts are copied into
// `arena`; the result lives as long as the arena's contents.
// Throws JsonError (message, byte offset, line, column) on malformed JSON,
// invalid UTF-8 or nesting deeper than the limit.
Value parse_json(std::string_view text, Arena& arena, const JsonReadOptions& options = {});

// A JSON document as it is read: a window of the bytes read and not yet
// consumed, which more() extends. A mapped file is one window from the
// start (stable: its bytes stay in place, so records may view them); a pipe
// is read in blocks, the window moving and growing only as far as one
// value needs.
class JsonText {
 public:
  virtual ~JsonText() = default;
  // The bytes from the cursor on that are in memory.
  virtual std::string_view window() const = 0;
  // Moves the cursor n bytes on (n <= window().size()).
  virtual void consume(std::size_t n) = 0;
  // Reads on after the window, which may move: false at the end of the text.
  virtual bool more() = 0;
  // Whether the window holds the end of the text: more() adds nothing.
  virtual bool ended() const = 0;
  // The window's bytes stay in place, unchanged, until the text is destroyed.
  virtual bool stable() const = 0;
  // The text's offset of the cursor.
  virtual std::size_t offset() const = 0;
  // A mapped file that shrank while it was read (see MappedFile).
  virtual bool truncated() const { return false; }
};

// Streams the records of one table of a JSON document, {"t": [...], ...}
// or a top-level array of records, to `on_record`, one at a time: each
// record (an Object) is valid only during the call, so memory holds one
// record, never the document's tree. on_record gets the table's name too.
// `table` chooses among several tables (a bare array's table is called
// `table`, else "records"). Without it the first member that is an array
// is the table, and a later member that is an array too is an error naming
// both (the caller has then consumed records of the first: it must not
// present its output as complete). Members that are not arrays are not
// tables and are skipped. An object with no array at all ({} or a lone
// record) is an error. One pass: the text is read once, front to back.
// Returns the table's name. Throws JsonError (malformed JSON, too deep, a
// record longer than max_record_bytes) or EncodingError (no such table,
// several tables, no table, a record that is not an object, a file
// truncated while read), and whatever on_record throws.
std::string for_each_record(std::string_view text, std::optional<std::string_view> table,
                            const std::function<void(std::string_view table, const Value&)>& on_record,
                            const JsonReadOptions& options = {});

// Records and the arena that holds their trees (their strings may view the
// text they were read from).
struct RecordBatch {
  Arena arena;
  std::vector<Value> records;
  std::size_t text_end = 0;  // the text's offset just past the last record
  void clear() noexcept {
    records.clear();
    arena.reset();
    text_end = 0;
  }
};

// for_each_record in batches of up to `batch_size` records, for a consumer
// that works on another thread: on_batch may move the batch's contents
// away (swap in a spare one). When the text is stable the records' strings
// view it, so it must outlive them; otherwise they are copied into the
// batch's arena. Whatever on_batch leaves in the batch is cleared.
std::string for_each_batch(JsonText& text, std::optional<std::string_view> table, std::size_t batch_size,
                           const std::function<void(std::string_view table, RecordBatch&)>& on_batch,
                           const JsonReadOptions& options = {});
std::string for_each_batch(std::string_view text, std::optional<std::string_view> table, std::size_t batch_size,
                           const std::function<void(std::string_view table, RecordBatch&)>& on_batch,
                           const JsonReadOptions& options = {});

// Reads the JSON value at the reader's cursor into `builder`, nested as
// deep as the builder's open containers. `in_place`: strings, keys and
// number texts that view the reader's text stay views (the text outlives
// the values); else they are copied into the builder's arena. Strings
// without escapes are marked plain either way. Throws JsonError; the
// builder then holds part of the value (see ValueBuilder::rollback).
void read_json_value(JsonReader& reader, ValueBuilder& builder, bool in_place);

// Compact JSON, keys in order, numbers as the record model keeps them.
void append_json(const Value& value, std::string& out);
std::string to_json(const Value& value);

// Appends `s` as a JSON string literal (quotes, escapes for '"', '\\' and
// control characters; UTF-8 passed through).
void append_json_string(std::string_view s, std::string& out);

}  // namespace aton
