// The stdout sink: chunk texts joined by a newline (the guide's "File
// Writing" shape), each chunk written and flushed as it arrives so a reader
// downstream sees it at once.
//
// A reader that goes away (a closed pipe) must end the run with a message,
// not kill the process: SIGPIPE is blocked on the writing thread around each
// write, so the write fails with EPIPE instead, and a SIGPIPE left pending by
// it is consumed before the mask is restored. This holds whether or not the
// host ignores SIGPIPE.
//
// Resumable runs: what was printed cannot be taken back. A resumed run
// prints from the chunk after the checkpoint, so a reader that kept the
// interrupted run's output may see the chunks printed after the checkpoint
// twice. The state only says whether a separator is due.
#include <aton/plugin.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

// Blocks SIGPIPE on this thread for the object's lifetime.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &previous_);
  }
  ~SigpipeBlocked() {
    // Consume the SIGPIPE our own failed write raised, unless it was already
    // pending before we started (then it is not ours to swallow).
    if (raised_ && !sigismember(&previous_, SIGPIPE)) {
      sigset_t pipe_only;
      sigemptyset(&pipe_only);
      sigaddset(&pipe_only, SIGPIPE);
      timespec no_wait{0, 0};
      while (sigtimedwait(&pipe_only, nullptr, &no_wait) == -1 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  void note_epipe() { raised_ = true; }

 private:
  sigset_t previous_;
  bool raised_ = false;
};

class StdoutSink : public aton::sdk::Sink {
 public:
  // Standard output is open for writing (ABI 1.3; create() calls it first):
  // `aton run ... >&-` is refused before the source reads anything.
  static void check(const aton::sdk::Config&, aton::sdk::Problems& problems) {
    int flags = ::fcntl(STDOUT_FILENO, F_GETFL);
    if (flags == -1)
      problems.add("", "standard output is closed (was aton started with >&-?); give it somewhere to write");
    else if ((flags & O_ACCMODE) == O_RDONLY)
      problems.add("", "standard output is open for reading only; give it somewhere to write");
  }

  explicit StdoutSink(const aton::sdk::Context& context)
      : newline_at_end_(context.config.boolean("newline_at_end")) {}

  void write(const aton_chunk& chunk) override {
    SigpipeBlocked blocked;
    put(blocked, std::string_view(chunk.data, chunk.size), chunk.chunk_id);
    // The newline between two chunks goes out with the first, not the
    // second: a reader reading lines gets a chunk's last row when the chunk
    // comes, not when the next one does (a stream may wait long for it). A
    // chunk not marked last always has a successor (the closing chunk), so
    // the bytes are those of chunks joined by newlines.
    if (!chunk.is_last) put(blocked, "\n", chunk.chunk_id);
    written_any_ = true;
    last_chunk_id_ = chunk.chunk_id;
  }

  std::string save_state() { return written_any_ ? "{\"written_any\":true}" : "{\"written_any\":false}"; }

  void restore_state(std::string_view text) {
    if (text.find("\"written_any\":true") != std::string_view::npos) written_any_ = true;
    else if (text.find("\"written_any\":false") == std::string_view::npos)
      throw std::runtime_error("the saved state has no written_any");
  }

  void finish() override {
    if (!newline_at_end_ || !written_any_) return;
    SigpipeBlocked blocked;
    put(blocked, "\n", last_chunk_id_);
  }

 private:
  // Writes all of `text` straight to file descriptor 1: nothing is buffered
  // in the plugin, so every chunk is out when write() returns.
  static void put(SigpipeBlocked& blocked, std::string_view text, std::uint64_t chunk_id) {
    while (!text.empty()) {
      ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
      if (n >= 0) {
        text.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (errno == EINTR) continue;
      int error = errno;
      if (error == EPIPE) {
        blocked.note_epipe();
        throw std::runtime_error("stdout closed by the reader at chunk " +
                                 std::to_string(chunk_id) +
                                 " (the program reading aton's output exited early); "
                                 "the remaining chunks were not written");
      }
      throw std::runtime_error("cannot write chunk " + std::to_string(chunk_id) +
                               " to stdout: " + std::strerror(error));
    }
  }

  bool newline_at_end_;
  bool written_any_ = false;
  std::uint64_t last_chunk_id_ = 0;
};

const aton_option kOptions[] = {
    {"newline_at_end", "boolean", "false", 0,
     "Writes a newline after the last chunk too (handy on a terminal).", nullptr},
};

}  // namespace

ATON_SINK_PLUGIN(StdoutSink, "stdout", "1.1.0",
                 "Writes each chunk to standard output as it arrives, chunks joined by a newline.",
                 kOptions)
