// A RapidJSON input stream over a file or stdin, read in fixed blocks, that
// knows where it stands: byte offset, line and column, for error messages.
// Only one block is ever in memory, so memory does not grow with the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace aton::json_source {

class InputStream {
 public:
  using Ch = char;

  // Opens `path`, or reads stdin when `path` is empty. Throws
  // std::runtime_error naming the file when it cannot be opened.
  explicit InputStream(const std::string& path, std::size_t block_size = 1 << 16);
  ~InputStream();
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;

  // The RapidJSON stream concept: '\0' at the end of the input.
  Ch Peek() const { return *current_; }
  Ch Take() {
    Ch c = *current_;
    if (current_ == end_) return c;  // at the end: stay there
    if (c == '\n') {
      ++line_;
      line_start_ = Tell() + 1;
    }
    if (++current_ == end_) refill();
    return c;
  }
  std::size_t Tell() const { return consumed_ + static_cast<std::size_t>(current_ - buffer_.data()); }
  // Write side of the concept; never used (no in-situ parsing).
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  std::size_t PutEnd(Ch*) { return 0; }

  bool at_end() const { return current_ == end_; }

  // The bytes from input offset `from` up to the current position, when
  // they are still in memory: the current block, and the last kLookback
  // bytes before it. False otherwise. (The record reader reads back
  // a number RapidJSON stopped in.)
  static constexpr std::size_t kLookback = 4096;
  bool text_since(std::size_t from, std::string& out) const;

  std::uint64_t line() const { return line_; }
  std::uint64_t column() const { return Tell() - line_start_ + 1; }

  // Resumable runs: the offset where the current line starts, and going to
  // byte `offset` (a record boundary) with the line count it had there.
  // Throws std::runtime_error on stdin or when the file cannot seek.
  std::size_t line_start() const { return line_start_; }
  void seek(std::size_t offset, std::uint64_t line, std::size_t line_start);

 private:
  void refill();

  std::FILE* file_;
  bool owns_file_;
  std::string name_;
  std::vector<char> buffer_;  // block_size bytes plus a '\0' sentinel
  char* current_;
  char* end_;
  std::size_t consumed_ = 0;  // bytes before the current block
  std::uint64_t line_ = 1;
  std::size_t line_start_ = 0;
  std::string previous_tail_;  // the last kLookback bytes before the current block
};

}  // namespace aton::json_source
