// A real `aton` child the test steers from outside, for the edge tests
// (tests/edges): its stdin from a path, its stdout into a pipe the test reads
// when it chooses (or a file), its stderr into a file; an address-space limit
// set in the child; a signal at a moment the test picks by an event; the
// time from the signal to the exit, and the child's peak RSS (sampled).
//
// And FifoWriter: a FIFO fed by a writer thread, the way a shell pipeline or
// a process substitution feeds a program.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace aton::test {

struct ChildOptions {
  std::string stdin_path = "/dev/null";
  std::string stdout_path;                   // empty: a pipe, read with read_stdout()
  std::optional<rlim_t> address_space;       // RLIMIT_AS in the child, bytes
};

class Child {
 public:
  // Runs build/bin/aton with `args`; stderr goes to `err_path`.
  Child(const std::vector<std::string>& args, const std::filesystem::path& err_path, ChildOptions options = {});
  ~Child();  // kills and reaps the child if it is still there
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` and notes the time; false when the child had exited.
  bool send(int signal);
  // Waits for the exit (bounded): its code (128 + signal when killed), or
  // nothing on timeout (the child is then killed).
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // From the last send() to the exit.
  double seconds_from_signal_to_exit() const { return exit_after_signal_; }
  // The child's peak resident memory, sampled every few ms while it ran
  // (running(), wait()): VmHWM, which counts only what it used after exec.
  long max_rss_kb() const { return max_rss_kb_; }
  std::string err() const;

  // Up to `max` bytes of stdout (the pipe), waiting at most `timeout` for
  // the first; empty at the end or on timeout.
  std::string read_stdout(std::size_t max, std::chrono::milliseconds timeout);
  // Reads stdout to its end (bounded by `timeout`), returning the bytes.
  std::string drain_stdout(std::chrono::milliseconds timeout = std::chrono::seconds(60));

 private:
  void reaped(int status, const struct rusage& usage);
  void sample_rss();

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::optional<int> status_;
  std::filesystem::path err_;
  std::optional<std::chrono::steady_clock::time_point> signalled_at_;
  double exit_after_signal_ = -1;
  long max_rss_kb_ = 0;
};

// Polls `ready` every 2 ms until it holds (true), the child exits or the
// timeout passes (false): waiting on an event, with a bound.
bool wait_until(Child& child, const std::function<bool()>& ready,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Bytes the process has read through read() so far (rchar in /proc/PID/io).
std::uint64_t bytes_read_by(pid_t pid);
// Whether the process holds `path` open (a link in /proc/PID/fd).
bool holds_open(pid_t pid, const std::filesystem::path& path);

// Creates the FIFO `path` and writes `content` into it from a thread, as
// soon as a reader opens it. With `hold_open`, the write end stays open
// after the content until release() (or destruction): a writer that went
// quiet without ending.
class FifoWriter {
 public:
  // What to write next: sets the next block (false: nothing more), so that
  // a long content is made as it is written, never held whole.
  using Blocks = std::function<bool(std::string& block)>;

  FifoWriter(std::filesystem::path path, std::string content, bool hold_open = false);
  FifoWriter(std::filesystem::path path, Blocks blocks);
  ~FifoWriter();
  FifoWriter(const FifoWriter&) = delete;
  FifoWriter& operator=(const FifoWriter&) = delete;

  void release();
  // After the thread ended (join()): what went wrong, empty if nothing.
  void join();
  const std::string& error() const { return error_; }
  std::size_t written() const { return written_.load(); }

 private:
  void run();

  std::filesystem::path path_;
  std::string content_;
  Blocks blocks_;  // after content_
  bool hold_open_;
  std::mutex mutex_;
  std::condition_variable released_cv_;
  bool released_ = false;
  std::atomic<std::size_t> written_{0};
  std::string error_;
  std::thread thread_;
};

}  // namespace aton::test
