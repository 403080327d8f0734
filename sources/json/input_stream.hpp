// A file or stdin as one window of contiguous bytes, for a reader that
// parses a whole value at a time (aton::JsonReader). Two ways to get there:
//
// - Blocks: the window holds what was read and not yet consumed; more()
//   appends the next block, keeping the unread tail, and grows the buffer
//   only when one value is larger than it (and shrinks it back after). So
//   memory is bounded by the block size or the largest record.
// - Mapped (a regular file, when asked): the whole file is mapped read-only,
//   so the window is the rest of the input from the start and more() has
//   nothing to add. No byte is copied, and the bytes stay where they are
//   until the stream is destroyed (stable()). release_consumed() hands the
//   pages well behind the cursor back to the system, so memory stays flat;
//   a later read of them still works (the kernel reads them in again). The
//   file must not be truncated while mapped.
//
// It knows where it stands (byte offset, line, column) for error messages;
// lines are counted lazily: only when asked, or when a block's bytes leave
// memory.
//
// Reads go through sources::InputFile: anything but a regular file (a FIFO,
// /dev/stdin, a device) is read in blocks, once, and every read asks the run
// whether it is stopping (see input_file.hpp). So is a followed file.
//
// Not waiting: such an input gives what has arrived. With set_no_wait(true),
// more() throws WouldWait instead of waiting when nothing more has arrived,
// so that a reader can hand on the records it has; the window is left as it
// was.
#pragma once

#include "../common/input_file.hpp"

#include <aton/mapped_file.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton::json_source {

// Thrown by more() in no-wait mode; not an error (not a std::exception).
struct WouldWait {};

class InputStream {
 public:
  enum class Access {
    Blocks,
    MapFiles  // map `path` when it is a regular file that is not empty nor compressed, else blocks
  };

  static constexpr std::size_t kBlockSize = 1 << 18;

  // Opens `path`, or reads stdin when `path` is empty. Throws
  // std::runtime_error naming the file when it cannot be opened.
  // `cancelled`: see sources::InputFile.
  // `follow`: see sources::InputFile (read in blocks, never mapped).
  explicit InputStream(const std::string& path, std::size_t block_size = kBlockSize, Access access = Access::Blocks,
                       sources::InputFile::CancelCheck cancelled = {}, bool follow = false);
  ~InputStream();
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;

  // The bytes read and not yet consumed. Valid until the next more() or
  // seek(); when stable(), until the stream is destroyed.
  std::string_view window() const { return {data_ + pos_, end_ - pos_}; }
  bool stable() const { return map_.has_value(); }
  // Moves the cursor n bytes on (n <= window().size()).
  void consume(std::size_t n) { pos_ += n; }
  // Mapped: lets go of the pages far enough behind the cursor. Cheap when
  // there is nothing to release; nothing to do for blocks, which more()
  // reuses.
  void release_consumed();
  // Reads the next block after the window, which stays but may move (to
  // the buffer's start), even when nothing is added: false at the end of
  // the input.
  bool more();
  // Whether the end of the input is in the window: more() adds nothing.
  bool ended() const { return eof_; }
  // See above. A regular file that is not followed always has its bytes.
  void set_no_wait(bool on) { no_wait_ = on; }
  bool no_wait() const { return no_wait_; }
  // Followed: the file and offset of input offset `offset` (see
  // sources::InputFile::place_of).
  sources::InputFile::Place place_of(std::size_t offset) { return file_.place_of(offset); }
  bool following() const { return file_.following(); }
  // Throws sources::Cancelled when the run is stopping.
  void check_cancelled() const { file_.check_cancelled(); }
  // Mapped: whether the file shrank under the mapping (see MappedFile);
  // the bytes past its new end read as zeros.
  bool truncated() const { return map_ && map_->truncated(); }
  const std::string& name() const { return name_; }

  // The byte at the cursor, reading on when the window is empty; '\0' at the end.
  char peek() { return pos_ < end_ || more() ? data_[pos_] : '\0'; }
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
  // Resumable runs: the line count at the cursor, for seek() to take back
  // (the line, and the offset where it starts). {0, 0} when mapped: the
  // file is there to count them again should a message need them, and
  // counting on the way would cost every run a pass over its text.
  struct Lines {
    std::uint64_t line;
    std::size_t line_start;
  };
  Lines lines_at_cursor();
  // Goes to byte `offset` (a record boundary) with the count
  // lines_at_cursor() gave there ({0, 0}: count them from the start).
  // Throws std::runtime_error on stdin or when the file cannot seek.
  void seek(std::size_t offset, Lines lines);

 private:
  void count_lines_to(std::size_t index);  // an index into data_, >= lines_to_
  void count_lines_before(std::size_t offset);  // blocks: reads the file's start again

  sources::InputFile file_;
  bool eof_ = false;
  bool no_wait_ = false;
  std::string name_;
  std::size_t block_size_;
  std::vector<char> buffer_;        // block_size_ bytes, more while one value needs it
  std::optional<MappedFile> map_;  // the whole file, when mapped
  const char* data_;                // buffer_.data() or the mapping
  std::size_t pos_ = 0, end_ = 0;  // the window: data_[pos_, end_)
  std::size_t consumed_ = 0;       // the input offset of data_[0]
  // Lines are counted up to data_[lines_to_]: line_ is the line there,
  // line_start_ the input offset where it starts.
  std::size_t lines_to_ = 0;
  std::uint64_t line_ = 1;
  std::size_t line_start_ = 0;
};

}  // namespace aton::json_source
