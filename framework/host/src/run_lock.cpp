#include <aton/host/run_lock.hpp>

#include <aton/errors.hpp>
#include <aton/output_file.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace fs = std::filesystem;

namespace aton::host {

namespace {

// The pid the holder wrote, or 0 when it has not written it yet.
long holder_pid(int fd) {
  char text[32] = {};
  ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  long pid = 0;
  for (ssize_t i = 0; i < n && text[i] >= '0' && text[i] <= '9' && pid < 1'000'000'000; ++i)
    pid = pid * 10 + (text[i] - '0');
  return pid;
}

}  // namespace

fs::path lock_file_for(const fs::path& checkpoint) {
  fs::path file = checkpoint;
  file += ".lock";
  return file;
}

RunLock::RunLock(fs::path file) : file_(std::move(file)) {
  const std::string way_out = "; set checkpoint.path to a writable place, or checkpoint.enabled to false";
  for (int attempt = 0; attempt < 8; ++attempt) {
    int fd = ::open(file_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    if (fd < 0) throw ConfigError(io_error("cannot create the run's lock file", file_, errno) + way_out);
    struct stat held;
    if (::fstat(fd, &held) != 0 || !S_ISREG(held.st_mode)) {
      ::close(fd);
      throw ConfigError("the run's lock file " + file_.string() + " is not a regular file; remove it" + way_out);
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int error = errno;
      long pid = holder_pid(fd);
      ::close(fd);
      if (error != EWOULDBLOCK) throw ConfigError(io_error("cannot lock", file_, error));
      std::string holder = pid > 0 ? "another aton run (pid " + std::to_string(pid) + ")" : "another aton run";
      fs::path checkpoint = file_;
      checkpoint.replace_extension();  // "<checkpoint>.lock"
      throw ConfigError(holder + " is running with the checkpoint " + checkpoint.string() + " (it holds the lock " +
                        file_.string() + "): wait for it to end, or stop it" +
                        (pid > 0 ? " (kill " + std::to_string(pid) + ")" : "") + ", before running this config again");
    }
    // The previous holder may have removed the file between our open() and
    // flock(): then this lock guards a name no one else will find.
    struct stat named;
    if (::stat(file_.c_str(), &named) == 0 && named.st_dev == held.st_dev && named.st_ino == held.st_ino) {
      std::string pid = std::to_string(::getpid()) + "\n";
      if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        int error = errno;
        ::close(fd);
        throw ConfigError(io_error("cannot write", file_, error) + way_out);
      }
      fd_ = fd;
      return;
    }
    ::close(fd);
  }
  throw ConfigError("cannot lock " + file_.string() + ": it keeps being replaced by another process");
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  ::unlink(file_.c_str());
  ::close(fd_);
}

}  // namespace aton::host
