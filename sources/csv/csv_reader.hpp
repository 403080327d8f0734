// An RFC 4180 reader: rows of fields from a file or stdin, one row at a time,
// through a fixed-size read buffer, so memory is bounded by the longest row.
//
// Accepts quoted fields holding delimiters, doubled quotes and line breaks;
// LF, CRLF (and a lone CR) line ends; a UTF-8 byte order mark at the start.
// A quote inside an unquoted field is kept as a character. Text after a
// closing quote other than a delimiter or line end, and a quoted field still
// open at the end of the input, are errors with their line. So is a row of
// more than max_row_bytes bytes, so that an input that never ends a row
// (/dev/zero, a binary file, a quote never closed) cannot fill memory.
//
// Reads go through sources::InputFile: a pipe or device is read once, and
// every read asks the run whether it is stopping. Such an input, and a
// followed file, gives its rows as they arrive: row_ready() says, without
// waiting, whether next() has a whole row to give.
#pragma once

#include "../common/input_file.hpp"
#include "csv_encoding.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aton::csv_source {

struct CsvRow {
  struct Field {
    std::uint32_t begin;
    std::uint32_t size;
    bool quoted;
  };
  std::string text;           // the fields' decoded bytes, back to back
  std::vector<Field> fields;
  std::uint64_t line = 0;     // the line the row starts on, from 1
  std::uint64_t offset = 0;   // the input offset where it starts
  bool blank = false;         // an empty line

  std::string_view field(std::size_t i) const { return {text.data() + fields[i].begin, fields[i].size}; }
};

class CsvReader {
 public:
  // Reads `path`, or stdin when it is empty, in `encoding` (csv_encoding.hpp;
  // offsets then count UTF-8 bytes). Throws std::runtime_error when the
  // file cannot be opened.
  CsvReader(const std::string& path, char delimiter, char quote, std::string name,
            sources::InputFile::CancelCheck cancelled = {},
            std::size_t max_row_bytes = sources::kDefaultMaxRecordBytes, bool follow = false,
            const std::string& encoding = "utf-8");
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next row into `row` (its buffers are reused); false at the end.
  // Throws std::runtime_error ("<name>: line N: ...") on malformed input or
  // a row longer than max_row_bytes, and sources::Cancelled.
  bool next(CsvRow& row);
  // Whether next() would return without waiting: a whole row is in the
  // buffer (what has arrived is taken in, without waiting), or the input
  // ended. Always true for a regular file that is not followed.
  bool row_ready() { return !file_.streaming() || row_arrived(); }
  // next() returned false: the input has ended.
  bool ended() const { return eof_ && pos_ == size_; }
  // Followed: see sources::InputFile.
  sources::InputFile::Place place_of(std::uint64_t offset) { return file_.place_of(offset); }
  bool starts_segment(std::uint64_t offset) const { return file_.starts_segment(offset); }

  std::uint64_t bytes() const { return consumed_ + pos_; }
  // Gzip or zstd: read once, not counted first (see sources::InputFile).
  bool compressed() const { return file_.compressed(); }

  // Resumable runs: where the next row starts (after next() returned a row:
  // bytes(), line() and skip_lf()), and going back there in a new reader.
  // seek() throws std::runtime_error on stdin or when the file cannot seek.
  std::uint64_t line() const { return line_; }
  bool skip_lf() const { return skip_lf_; }
  void seek(std::uint64_t offset, std::uint64_t line, bool skip_lf);

 private:
  bool fill();
  // The input's next bytes, decoded when an encoding is set: some
  // (InputFile::read_some) or as many as fit (read_full).
  std::size_t read_input(char* out, std::size_t size, bool some);
  bool input_ready() { return (decoder_ && decoder_->pending()) || file_.ready(); }
  bool row_arrived();  // row_ready() of a streamed input
  // Finds the rows that end in the buffer after pos_ (see ready_until_).
  void scan_rows();
  std::size_t field_end(std::size_t i) const;
  void end_field(CsvRow& row, bool quoted);
  [[noreturn]] void row_too_long(std::uint64_t line) const;

  sources::InputFile file_;
  std::unique_ptr<TextDecoder> decoder_;  // null for UTF-8
  std::string name_;
  std::size_t max_row_bytes_;
  char delimiter_, quote_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, size_ = 0;
  std::uint64_t consumed_ = 0;  // bytes before the buffer
  std::uint64_t line_ = 1;
  bool started_ = false;        // the BOM check is done
  bool skip_lf_ = false;        // the last row ended in CR: a following LF belongs to it
  bool eof_ = false;
  std::uint32_t field_begin_ = 0;
  // Streaming: the input offset past the last row end found in the buffer;
  // every row that starts before it is whole.
  std::uint64_t ready_until_ = 0;
};

}  // namespace aton::csv_source
