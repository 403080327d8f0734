#include "input_file.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace aton::sources {
namespace {

// How long one wait for a pipe's bytes lasts before the run is asked again
// whether it is stopping: the bound on how late a source sees a signal.
constexpr int kWaitSliceMs = 100;

}  // namespace

bool reads_once(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
}

InputFile::InputFile(const std::string& path, CancelCheck cancelled)
    : name_(path.empty() ? "<stdin>" : path), cancelled_(std::move(cancelled)) {
  if (path.empty()) {
    fd_ = STDIN_FILENO;
    owns_ = false;
  } else {
    // O_NONBLOCK: a FIFO opens at once, writer or not; reads poll first.
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0)
      throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno) + " (check the source's \"path\")");
  }
  struct stat st {};
  regular_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
}

InputFile::~InputFile() {
  if (owns_) ::close(fd_);
}

std::size_t InputFile::read_some(char* buffer, std::size_t size) {
  for (;;) {
    check_cancelled();
    if (!regular_) {
      // A FIFO that never had a writer reports nothing here (Linux), so
      // this waits for the writer too; one that had one reports POLLHUP
      // once it closed, and read() then returns 0.
      pollfd wait{fd_, POLLIN, 0};
      int ready = ::poll(&wait, 1, kWaitSliceMs);
      if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
      if (ready < 0) throw std::runtime_error("cannot read " + name_ + ": " + std::strerror(errno));
    }
    ssize_t got = ::read(fd_, buffer, size);
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
      throw std::runtime_error("cannot read " + name_ + ": " + std::strerror(errno));
  }
}

std::size_t InputFile::read_full(char* buffer, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    std::size_t got = read_some(buffer + done, size - done);
    if (got == 0) break;
    done += got;
  }
  return done;
}

void InputFile::seek(std::uint64_t offset) {
  if (!regular_)
    throw std::runtime_error(name_ + " is not a regular file (a pipe, a device or standard input): it cannot be "
                                     "read again from a position, so a run reading it cannot be resumed");
  if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0)
    throw std::runtime_error("cannot seek to byte " + std::to_string(offset) + " of " + name_ + ": " +
                             std::strerror(errno));
}

}  // namespace aton::sources
