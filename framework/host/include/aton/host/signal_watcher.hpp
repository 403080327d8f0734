// Turns SIGINT and SIGTERM into a call on an ordinary thread.
//
// The signal handler only writes the signal's number to a self-pipe (the
// one thing that is async-signal-safe); a watcher thread reads it and calls
// on_signal(signal) there, where it may take locks and cancel a pipeline.
// After the first signal the default action is restored, so a second Ctrl-C
// ends a stuck process at once.
//
// One instance at a time per process (the handlers are process-wide); the
// destructor restores the previous handlers and joins the thread.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace aton::host {

class SignalWatcher {
 public:
  explicit SignalWatcher(std::function<void(int signal)> on_signal);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // The first signal received, or 0.
  int received() const noexcept { return received_.load(); }

 private:
  std::function<void(int)> on_signal_;
  std::atomic<int> received_{0};
  int pipe_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace aton::host
