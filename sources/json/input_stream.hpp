// A file or stdin read in blocks into one window of contiguous bytes, for a
// reader that parses a whole value at a time (aton::JsonReader): the window
// holds what was read and not yet consumed; more() appends the next block,
// keeping the unread tail, and grows the buffer only when one value is
// larger than it (and shrinks it back after). So memory is bounded by the
// block size or the largest record, never by the input.
//
// It knows where it stands (byte offset, line, column) for error messages;
// lines are counted lazily, only when asked or when bytes leave memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace aton::json_source {

class InputStream {
 public:
  // Opens `path`, or reads stdin when `path` is empty. Throws
  // std::runtime_error naming the file when it cannot be opened.
  explicit InputStream(const std::string& path, std::size_t block_size = 1 << 18);
  ~InputStream();
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;

  // The bytes read and not yet consumed. Valid until the next more() or seek().
  std::string_view window() const { return {buffer_.data() + pos_, end_ - pos_}; }
  // Moves the cursor n bytes on (n <= window().size()).
  void consume(std::size_t n) { pos_ += n; }
  // Reads the next block after the window, which stays but may move (to
  // the buffer's start), even when nothing is added: false at the end of
  // the input.
  bool more();
  // Whether the end of the input is in the window: more() adds nothing.
  bool ended() const { return eof_; }

  // The byte at the cursor, reading on when the window is empty; '\0' at the end.
  char peek() { return pos_ < end_ || more() ? buffer_[pos_] : '\0'; }
  void take() { ++pos_; }
  bool at_end() { return pos_ == end_ && !more(); }

  // The input offset of the cursor.
  std::size_t Tell() const { return consumed_ + pos_; }

  // Line (1-based) and column of input offset `offset`, which is at the
  // cursor or after it, inside the window.
  struct Where {
    std::uint64_t line, column;
  };
  Where where(std::size_t offset);
  std::uint64_t line() { return where(Tell()).line; }
  // Resumable runs: the offset where the cursor's line starts, and going
  // to byte `offset` (a record boundary) with the line count it had there.
  // Throws std::runtime_error on stdin or when the file cannot seek.
  std::size_t line_start() {
    count_lines_to(pos_);
    return line_start_;
  }
  void seek(std::size_t offset, std::uint64_t line, std::size_t line_start);

 private:
  void count_lines_to(std::size_t index);  // an index into buffer_, >= lines_to_

  std::FILE* file_;
  bool owns_file_;
  bool eof_ = false;
  std::string name_;
  std::size_t block_size_;
  std::vector<char> buffer_;  // block_size_ bytes, more while one value needs it
  std::size_t pos_ = 0, end_ = 0;  // the window: buffer_[pos_, end_)
  std::size_t consumed_ = 0;       // the input offset of buffer_[0]
  // Lines are counted up to buffer_[lines_to_]: line_ is the line there,
  // line_start_ the input offset where it starts.
  std::size_t lines_to_ = 0;
  std::uint64_t line_ = 1;
  std::size_t line_start_ = 0;
};

}  // namespace aton::json_source
