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
// Errors are std::runtime_error: "cannot open PATH: REASON (check the
// source's \"path\")", "cannot read NAME: REASON", and Cancelled.
#pragma once

#include <aton/plugin.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

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

  // Opens `path` read-only, or takes standard input when `path` is empty.
  InputFile(const std::string& path, CancelCheck cancelled);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // A regular file (see above): it may be counted, mapped and sought.
  bool regular() const { return regular_; }
  bool is_stdin() const { return !owns_; }
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }

  // Up to `size` bytes: at least one, or 0 at the end of the input. Waits
  // for a pipe's bytes as long as it takes, in steps that ask `cancelled`.
  std::size_t read_some(char* buffer, std::size_t size);
  // `size` bytes, or fewer only at the end of the input.
  std::size_t read_full(char* buffer, std::size_t size);
  // Goes to byte `offset` of a regular file; throws for anything else.
  void seek(std::uint64_t offset);
  // Throws Cancelled when the run is stopping.
  void check_cancelled() const {
    if (cancelled_ && cancelled_()) throw Cancelled();
  }

 private:
  int fd_ = -1;
  bool owns_ = true;
  bool regular_ = false;
  std::string name_;  // the path, or <stdin>
  CancelCheck cancelled_;
};

// The run's cancellation as the host tells it to a plugin instance: a
// CancelCheck for InputFile. `host` outlives the instance.
inline InputFile::CancelCheck run_cancelled(const aton_host_api* host) {
  return [host] { return host && host->is_cancelled && host->is_cancelled(host->host) != 0; };
}

}  // namespace aton::sources
