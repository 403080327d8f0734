#include <aton/host/signal_watcher.hpp>

#include <aton/errors.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace aton::host {

namespace {

std::atomic<int> g_write_fd{-1};
struct sigaction g_previous_int, g_previous_term;

extern "C" void on_signal_handler(int signal) {
  int saved = errno;
  int fd = g_write_fd.load();
  unsigned char byte = static_cast<unsigned char>(signal);
  if (fd >= 0) {
    [[maybe_unused]] auto n = write(fd, &byte, 1);
  }
  // A second signal takes the default action: stop at once.
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  sigaction(signal, &fallback, nullptr);
  errno = saved;
}

}  // namespace

SignalWatcher::SignalWatcher(std::function<void(int)> on_signal) : on_signal_(std::move(on_signal)) {
  if (pipe2(pipe_, O_CLOEXEC) != 0) throw Error("cannot create the signal pipe");
  g_write_fd.store(pipe_[1]);
  struct sigaction action {};
  action.sa_handler = on_signal_handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
  thread_ = std::thread([this] {
    unsigned char byte = 0;
    while (true) {
      ssize_t n = read(pipe_[0], &byte, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || byte == 0) return;  // 0: the destructor's wake-up
      int expected = 0;
      if (received_.compare_exchange_strong(expected, byte) && on_signal_) on_signal_(byte);
    }
  });
}

SignalWatcher::~SignalWatcher() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
  g_write_fd.store(-1);
  unsigned char stop = 0;
  [[maybe_unused]] auto n = write(pipe_[1], &stop, 1);
  if (thread_.joinable()) thread_.join();
  close(pipe_[0]);
  close(pipe_[1]);
}

}  // namespace aton::host
