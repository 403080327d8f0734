// Reads records from a JSON text one at a time, so a caller can stop after
// any record and go on later: pull-based, with memory bounded by the largest
// record, never by the input.
//
// The outer structure (the top-level array, or the object of tables and its
// arrays, or the sequence of JSON Lines) is read here by hand; each record,
// and each value skipped, is read by aton::JsonReader over the input's
// window (UTF-8 checked, numbers of any size kept as text, nesting
// limited): each record by the host's (json_value), skipped members and
// table names by the plugin's own. A value cut by the end of a block is
// read again over a longer window; a mapped file is one window.
#pragma once

#include "input_stream.hpp"

#include <aton/errors.hpp>
#include <aton/json_reader.hpp>
#include <aton/plugin.hpp>
#include <aton/value_builder.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aton::json_source {

enum class Layout {
  Json,  // a top-level array of records, or an object of tables {"t": [...]}
  Lines  // JSON Lines: one object per line
};

class RecordReader {
 public:
  // `table` selects a table of an object of tables. Without it, the first
  // table is read and a second, different one is an error (the caller has
  // usually settled this already from a first pass over the file).
  // Reads up to the first record, so table() is known when this returns.
  // An object with no array of records at all ({} or a lone record) is an
  // error, as in `aton encode`. Read in blocks (stdin, a pipe, a device),
  // a record or skipped value longer than `max_record_bytes` is an error
  // naming the limit, so memory stays bounded on any input; a mapped file
  // holds records in place, whatever their size.
  // Errors are std::runtime_error: "<name>: byte B (line L, column C): ...";
  // a file truncated under the mapping says so (InputStream::truncated).
  RecordReader(InputStream& in, Layout layout, std::optional<std::string> table, std::string name,
               std::size_t max_record_bytes = sources::kDefaultMaxRecordBytes);

  // Emits up to `max` records; fewer at the end of the input, or when the
  // input streams (a pipe, a followed file) and the next record has not
  // fully arrived: the records that have are handed on rather than held
  // while the writer is quiet. The first record is waited for.
  std::size_t read(sdk::RecordBuilder& out, std::size_t max);
  // The input has ended: read() emits nothing more.
  bool ended() const { return state_ == State::End; }

  // The chosen table, or empty for an array or JSON Lines.
  const std::string& table() const { return table_name_; }
  std::uint64_t records() const { return records_; }

  // Resumable runs: everything needed to go on after the last record read
  // (the byte offset past it, the outer structure's state, which table),
  // and going back there; resume_at() throws as InputStream::seek.
  struct Resume {
    std::uint64_t offset = 0, line = 1, line_start = 0, records = 0;
    int state = 0;
    bool tables = false, found_table = false;
    std::string table_name, current_key;
    std::vector<std::string> keys, arrays;
  };
  Resume resume_point() const;
  void resume_at(const Resume& at);

  // How deep a record may nest: the host's limit too. A skipped member may
  // nest deeper: it is only checked.
  static constexpr std::size_t kMaxDepth = ValueBuilder::kDefaultMaxDepth;

 private:
  // Checkpoints hold a state's number: new states go last. Each step that
  // consumes input sets the state before it reads on, so that a read cut
  // short (WouldWait) starts again from the state alone; read_key() is the
  // exception, and reads on waiting once it took a key.
  enum class State { Start, FirstInArray, InArray, AfterRecord, FirstKey, Key, AfterTable, Line, Trailing, End,
                     AfterComma };

  // Reads the structure up to the next record: true when one follows.
  bool advance();
  void read_key();
  void end_of_tables();
  void parse_record(sdk::RecordBuilder& out);
  void skip_value();
  // Runs read(JsonReader&) over the window until it completes, reading on
  // while the window ends inside the value, then consumes what it read.
  template <class Read>
  void read_whole(Read&& read);
  // A JSON reader's error (its words and its offset in the window) in this
  // input's terms: byte, line, column and record.
  [[noreturn]] void json_failed(const std::string& what, std::size_t offset, bool ran_out, bool record) const;
  void skip_ws() {
    // Most calls find no whitespace: one compare says so.
    std::string_view w = in_.window();
    if (w.empty() || static_cast<unsigned char>(w[0]) <= ' ') skip_ws_slow();
  }
  void skip_ws_slow();
  void skip_bom();
  // The window a value is read from: at most max_record_bytes_, and
  // whether that cut it short.
  std::string_view capped_window(bool& capped) const;
  [[noreturn]] void too_large(const std::string& what) const;
  void check_truncated() const;
  [[noreturn]] void fail(const std::string& what) const;
  [[noreturn]] void fail_at(std::size_t offset, const std::string& what) const;  // offset: at or after the cursor

  InputStream& in_;
  Layout layout_;
  std::optional<std::string> wanted_;  // the `table` option
  std::string name_;                   // the input, for messages
  std::size_t max_record_bytes_;
  State state_ = State::Start;
  bool tables_ = false;        // the input is an object of tables
  bool found_table_ = false;   // the wanted table was seen
  std::string table_name_;     // the table being read
  std::string current_key_;    // the key whose value is being read
  std::vector<std::string> keys_;    // every member seen, for messages
  std::vector<std::string> arrays_;  // the members that are arrays: the tables
  std::uint64_t records_ = 0;
};

}  // namespace aton::json_source
