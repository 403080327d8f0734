// The input of a file-reading source (json, csv): a path or standard input,
// read front to back through one file descriptor, in a way a run can always
// stop.
//
// What the path names decides how it may be read:
// - a regular file can be read more than once (a counting pass first),
//   mapped, and sought (resumed);
// - anything else (a FIFO, /dev/stdin, /dev/fd/N, a process substitution
//   <(...), a character device such as /dev/zero, a terminal) gives its
//   bytes once: the sources read it once, like standard input, with no
//   counting pass and no checkpoints. Opening it twice would split its bytes
//   between the two readers (records lost) or wait for ever for a writer.
//
// Stopping: every read first asks the run whether it is cancelled, and a
// wait for the next bytes of anything but a regular file is cut into
// waits of at most 100 ms with the question between them. open() of a FIFO
// does not wait for its writer (O_NONBLOCK). So a source stops within about
// 100 ms of SIGINT or SIGTERM in every phase: in create() (the header row,
// the counting pass), and on a pipe nobody writes to.
//
// Handing records on as they arrive: anything but a regular file, and a
// followed file, is streamed (streaming()): a read returns what is there,
// and ready() says without waiting whether a read would find bytes, so a
// reader can hand on a short batch instead of waiting for its next record.
//
// Following (tail -F): a followed regular file does not end at its end: a
// read there waits for the file to grow, and goes on with a new file at the
// path when the old one was renamed away (log rotation) or from its start
// when it was truncated (copytruncate). The bytes read form one stream; each
// file read (or the same one after a truncation) is a segment of it, and
// place_of() turns an offset in the stream into the file and offset a
// checkpoint names. Waits are woken by inotify (the file's folder) and last
// at most 100 ms, so the run's cancellation is seen in time.
//
// Compressed input (gzip, zstd; see decompressor.hpp): recognised by its
// first bytes, a regular file's when it is opened, anything else's (and
// standard input's) at the first read. Reads then give the decompressed bytes, and every offset
// (seek(), a source's position) counts decompressed bytes. A compressed
// regular file is read once from its start: it is not mapped and not
// counted first (compressed() says so), and seek() decompresses again from
// the start, skipping the bytes before the offset (a resume costs reading
// what was read before). It cannot be followed. A truncated or corrupt
// stream is an error naming the file and the compressed byte.
//
// Errors are std::runtime_error: "cannot open PATH: REASON (check the
// source's \"path\")", "cannot read NAME: REASON", and Cancelled.
#pragma once

#include "decompressor.hpp"

#include <aton/plugin.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace aton::sources {

// The default of the sources' max_record_bytes option: the most bytes one
// record (a JSON value, a CSV row, a line) may take before the source gives
// up on it, so that an input that never ends a record (a binary file,
// /dev/zero, a missing quote) fails with a message instead of filling
// memory. Records are rarely more than a few kilobytes.
constexpr std::size_t kDefaultMaxRecordBytes = std::size_t{64} << 20;

// Thrown by a read once the run is stopping. Its text is never the run's
// error: the cancellation (a signal, another stage's failure) came first.
struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("stopped: the run was cancelled") {}
};

// Whether `path` names something other than a regular file (following
// symlinks): it is then read once. False when it cannot be looked at: the
// open that follows says why.
bool reads_once(const std::string& path);

class InputFile {
 public:
  // True when the run is stopping (sdk::Context::cancelled); may be empty.
  using CancelCheck = std::function<bool()>;

  // Where a byte of a followed stream is: the file (device, inode) and the
  // offset in it.
  struct Place {
    std::uint64_t device = 0, inode = 0, offset = 0;
  };

  // Opens `path` read-only, or takes standard input when `path` is empty.
  // `follow`: a regular file is followed as it grows and is replaced.
  InputFile(const std::string& path, CancelCheck cancelled, bool follow = false);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // A regular file (see above): it may be sought, and unless compressed(),
  // counted and mapped.
  bool regular() const { return regular_; }
  // Gzip or zstd (known once opened for a regular file, else after the
  // first read): reads give the decompressed bytes.
  bool compressed() const { return compression_ != Compression::none; }
  Compression compression() const { return compression_; }
  // Reads return what has arrived (not a regular file, or followed).
  bool streaming() const { return !regular_ || follow_; }
  bool following() const { return follow_; }
  // Whether a read would return without waiting: bytes are there, the input
  // ended, or (followed) the file grew, was replaced or truncated. Never waits.
  bool ready();
  bool is_stdin() const { return !owns_; }
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }

  // Up to `size` bytes: at least one, or 0 at the end of the input. Waits
  // for a pipe's bytes as long as it takes, in steps that ask `cancelled`;
  // a followed file has no end: the wait lasts until the run is cancelled.
  std::size_t read_some(char* buffer, std::size_t size);
  // `size` bytes, or fewer only at the end of the input.
  std::size_t read_full(char* buffer, std::size_t size);
  // Goes to byte `offset` of a regular file; throws for anything else. The
  // stream's offsets then count from the file's start again. Compressed:
  // decompresses from the start up to `offset`.
  void seek(std::uint64_t offset);
  // Followed: where byte `at` of the stream (at or after the oldest byte
  // not yet consumed) is; the segments before `at` are forgotten.
  Place place_of(std::uint64_t at);
  // Followed: whether byte `at` of the stream starts a segment after the
  // first (a new file, or the file again after a truncation).
  bool starts_segment(std::uint64_t at) const;
  // The file at the path now: its device and inode and size, or nothing
  // when there is none.
  static std::optional<Place> identify(const std::string& path);
  // Throws Cancelled when the run is stopping.
  void check_cancelled() const {
    if (cancelled_ && cancelled_()) throw Cancelled();
  }

 private:
  // Followed, at the end of the file: whether it was replaced or truncated,
  // and if so goes on with the new segment.
  bool next_segment();
  void wait_for_change();
  void watch();
  // The bytes of the file descriptor as they are (compressed or not).
  std::size_t read_raw(char* buffer, std::size_t size);
  // Not a regular file: reads the first bytes to tell whether it is compressed.
  void detect();
  // Compressed: decompressed bytes, from what ready() decompressed first.
  std::size_t read_decompressed(char* buffer, std::size_t size);
  // Compressed, not regular: decompresses what has arrived, without waiting.
  bool decompress_arrived();

  int fd_ = -1;
  bool owns_ = true;
  bool regular_ = false;
  bool follow_ = false;
  std::string path_;
  std::string name_;  // the path, or <stdin>
  CancelCheck cancelled_;
  // Followed: the stream offset of the next byte read, the segments (the
  // stream offset where each starts, with its file), the inotify descriptor.
  std::uint64_t total_ = 0;
  struct Segment {
    std::uint64_t start;
    Place file;  // offset: unused
  };
  std::vector<Segment> segments_;
  int notify_fd_ = -1;
  // Compression: what the first bytes said (detected_ once known), the
  // decompressor, the buffer of compressed bytes it is fed from, whether the
  // file's bytes ended, and bytes not yet handed on (ahead_[ahead_pos_,
  // ahead_end_): what ready() decompressed, or, not compressed, the first
  // bytes detect() read).
  Compression compression_ = Compression::none;
  bool detected_ = false;
  std::unique_ptr<Decompressor> decompressor_;
  std::vector<char> raw_;
  bool raw_ended_ = false;
  std::vector<char> ahead_;
  std::size_t ahead_pos_ = 0, ahead_end_ = 0;
};

// The run's cancellation as the host tells it to a plugin instance: a
// CancelCheck for InputFile. `host` outlives the instance.
inline InputFile::CancelCheck run_cancelled(const aton_host_api* host) {
  return [host] { return host && host->is_cancelled && host->is_cancelled(host->host) != 0; };
}

}  // namespace aton::sources
