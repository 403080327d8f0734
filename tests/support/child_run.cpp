#include "support/child_run.hpp"

#include "support/temp_dir.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace aton::test {

Child::Child(const std::vector<std::string>& args, const fs::path& err_path, ChildOptions options) : err_(err_path) {
  std::vector<std::string> argv{ATON_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  int out_pipe[2] = {-1, -1};
  if (options.stdout_path.empty() && pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  signal(SIGPIPE, SIG_IGN);
  // Everything the child needs is made before it exists: it is started
  // with vfork, so that the test's own memory (inputs of tens of MB) is not
  // copied into it and counted in its peak RSS; between vfork and exec it
  // makes system calls only.
  std::vector<char*> c_args;
  for (auto& a : argv) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  const bool to_pipe = options.stdout_path.empty();
  struct rlimit limit {};
  if (options.address_space) limit = {*options.address_space, *options.address_space};
  // AddressSanitizer reserves terabytes of address space at start: under it
  // the limit would stop every child at once, so it guards normal builds
  // only (what it catches, unbounded growth, is their concern).
#if defined(__SANITIZE_ADDRESS__)
  const bool limited = false;
#else
  const bool limited = options.address_space.has_value();
#endif
  pid_ = vfork();
  if (pid_ < 0) throw std::runtime_error("vfork failed");
  if (pid_ == 0) {
    int in = ::open(options.stdin_path.c_str(), O_RDONLY);
    int out = to_pipe ? out_pipe[1] : ::open(options.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    struct sigaction fallback {};
    fallback.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &fallback, nullptr);
    if (limited && setrlimit(RLIMIT_AS, &limit) != 0) _exit(125);
    execv(c_args[0], c_args.data());
    _exit(127);
  }
  if (out_pipe[1] >= 0) close(out_pipe[1]);
  stdout_fd_ = out_pipe[0];
}

Child::~Child() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

void Child::reaped(int status, const struct rusage&) {
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (signalled_at_)
    exit_after_signal_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - *signalled_at_).count();
}

// The high-water mark of the child's resident memory since its exec
// (VmHWM), sampled while it runs: getrusage's ru_maxrss would also count
// the test process's own memory, which the child shared until exec.
void Child::sample_rss() {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  for (std::string key; status >> key;) {
    if (key == "VmHWM:") {
      long kb = 0;
      status >> kb;
      max_rss_kb_ = std::max(max_rss_kb_, kb);
      return;
    }
  }
}

bool Child::running() {
  if (status_ || pid_ <= 0) return false;
  sample_rss();
  int status = 0;
  struct rusage usage {};
  pid_t r = ::wait4(pid_, &status, WNOHANG, &usage);
  if (r == 0) return true;
  reaped(status, usage);
  return false;
}

bool Child::send(int signal) {
  if (!running()) return false;
  signalled_at_ = std::chrono::steady_clock::now();
  return ::kill(pid_, signal) == 0;
}

std::optional<int> Child::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      struct rusage usage {};
      ::wait4(pid_, &status, 0, &usage);
      reaped(status, usage);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling the child's exit, bounded above
  }
  return status_;
}

std::string Child::err() const {
  std::error_code ec;
  return fs::exists(err_, ec) ? read_file(err_) : std::string();  // the child may not have opened it yet
}

std::string Child::read_stdout(std::size_t max, std::chrono::milliseconds timeout) {
  if (stdout_fd_ < 0) return {};
  pollfd p{stdout_fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return {};
  std::string out(max, '\0');
  ssize_t n = ::read(stdout_fd_, out.data(), max);
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

std::string Child::drain_stdout(std::chrono::milliseconds timeout) {
  std::string all;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    std::string part = read_stdout(1 << 16, left);
    if (part.empty()) break;
    all += part;
  }
  return all;
}

bool wait_until(Child& child, const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    if (!child.running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling an event, bounded by the deadline
  }
  return false;
}

std::uint64_t bytes_read_by(pid_t pid) {
  std::ifstream io("/proc/" + std::to_string(pid) + "/io");
  for (std::string key; io >> key;) {
    std::uint64_t value = 0;
    io >> value;
    if (key == "rchar:") return value;
  }
  return 0;
}

bool holds_open(pid_t pid, const fs::path& path) {
  std::error_code ec;
  fs::path wanted = fs::canonical(path, ec);
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code link_ec;
    if (fs::read_symlink(entry.path(), link_ec) == wanted) return true;
  }
  return false;
}

FifoWriter::FifoWriter(fs::path path, std::string content, bool hold_open)
    : path_(std::move(path)), content_(std::move(content)), hold_open_(hold_open) {
  if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo " + path_.string() + " failed");
  signal(SIGPIPE, SIG_IGN);  // a reader that stops early gives EPIPE, not a dead test binary
  thread_ = std::thread([this] { run(); });
}

FifoWriter::FifoWriter(fs::path path, Blocks blocks)
    : path_(std::move(path)), blocks_(std::move(blocks)), hold_open_(false) {
  if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo " + path_.string() + " failed");
  signal(SIGPIPE, SIG_IGN);
  thread_ = std::thread([this] { run(); });
}

FifoWriter::~FifoWriter() {
  release();
  join();
}

void FifoWriter::release() {
  std::lock_guard lock(mutex_);
  released_ = true;
  released_cv_.notify_all();
}

void FifoWriter::join() {
  if (thread_.joinable()) thread_.join();
}

// No CHECK here (Catch2 is not thread-safe): what goes wrong is kept in error_.
void FifoWriter::run() {
  // Opening for writing fails with ENXIO until a reader opens: poll that,
  // bounded, and give up when the test is over (released).
  int fd = -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
    if (errno != ENXIO || std::chrono::steady_clock::now() > deadline) {
      error_ = "no reader opened the FIFO";
      return;
    }
    std::unique_lock lock(mutex_);
    if (released_cv_.wait_for(lock, std::chrono::milliseconds(2), [&] { return released_; })) {
      error_ = "released before a reader opened the FIFO";
      return;
    }
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::size_t total = 0;
  for (bool more = true; more && error_.empty();) {
    more = blocks_ && blocks_(content_);
    std::size_t done = 0;
    while (done < content_.size()) {
      ssize_t n = ::write(fd, content_.data() + done, content_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = std::string("write failed after ") + std::to_string(total) + " bytes: " + std::strerror(errno);
        break;
      }
      done += static_cast<std::size_t>(n);
      total += static_cast<std::size_t>(n);
      written_.store(total);
    }
    content_.clear();
  }
  if (hold_open_) {
    std::unique_lock lock(mutex_);
    released_cv_.wait_for(lock, std::chrono::seconds(60), [&] { return released_; });
  }
  ::close(fd);
}

}  // namespace aton::test
