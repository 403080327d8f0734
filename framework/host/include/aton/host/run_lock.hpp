// One run at a time per checkpoint. A run that records checkpoints (and
// every --resume) holds an exclusive flock(2) on "<checkpoint>.lock" for its
// whole life, so a second run of the same config, or a --resume while the
// first run is alive, is refused at once instead of writing the same
// checkpoint or taking over the live run's partial output.
//
// Contract:
// - The lock file holds the holder's pid (for the refusal's message). It is
//   opened without following a symlink and must be a regular file.
// - The kernel releases the lock when the holder dies, even by kill -9: a
//   lock file left behind by a killed run does not block the next run.
// - The destructor removes the file while still holding the lock, then
//   releases it; a run that opened the old file meanwhile notices that the
//   name now leads elsewhere and starts over, so two runs never both hold it.
// - Throws ConfigError (exit 3): held by another process (naming its pid),
//   or the lock file cannot be made.
#pragma once

#include <filesystem>

namespace aton::host {

class RunLock {
 public:
  explicit RunLock(std::filesystem::path file);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  const std::filesystem::path& file() const noexcept { return file_; }

 private:
  std::filesystem::path file_;
  int fd_ = -1;
};

// "<checkpoint>.lock": the lock of the runs that use `checkpoint`.
std::filesystem::path lock_file_for(const std::filesystem::path& checkpoint);

}  // namespace aton::host
