#include "input_file.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

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

InputFile::InputFile(const std::string& path, CancelCheck cancelled, bool follow)
    : path_(path), name_(path.empty() ? "<stdin>" : path), cancelled_(std::move(cancelled)) {
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
  // A pipe is followed anyway; standard input has no path to look at again.
  follow_ = follow && regular_ && owns_;
  if (follow_) {
    segments_.push_back({0, {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), 0}});
    notify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    watch();
  }
}

InputFile::~InputFile() {
  if (owns_) ::close(fd_);
  if (notify_fd_ >= 0) ::close(notify_fd_);
}

// The folder, not the file: it sees the file written, renamed away, and a
// new one made in its place. Without inotify, waits just time out.
void InputFile::watch() {
  if (notify_fd_ < 0) return;
  std::string folder = std::filesystem::path(path_).parent_path().string();
  if (folder.empty()) folder = ".";
  ::inotify_add_watch(notify_fd_, folder.c_str(),
                      IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE);
}

std::optional<InputFile::Place> InputFile::identify(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return Place{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
               static_cast<std::uint64_t>(st.st_size)};
}

bool InputFile::ready() {
  if (!streaming()) return true;
  if (!follow_) {
    pollfd wait{fd_, POLLIN, 0};
    return ::poll(&wait, 1, 0) > 0;  // bytes, or the writer closed (POLLHUP)
  }
  // At the end of a segment, a new one (a new file, the file truncated)
  // is taken here, so that a read after `true` does not wait. Bounded: a
  // file replaced again and again is looked at on the next call.
  for (int segments = 0; segments < 4; ++segments) {
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && static_cast<std::uint64_t>(st.st_size) > total_ - segments_.back().start)
      return true;
    if (!next_segment()) return false;
  }
  return false;
}

bool InputFile::next_segment() {
  const Place& file = segments_.back().file;
  std::uint64_t offset = total_ - segments_.back().start;
  auto now = identify(path_);
  if (now && (now->device != file.device || now->inode != file.inode)) {
    // Rotated: the old file was read to its end; go on with the new one.
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return false;  // gone again meanwhile: look at it on the next wake
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return false;
    }
    ::close(fd_);
    fd_ = fd;
    segments_.push_back({total_, {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), 0}});
    return true;
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && static_cast<std::uint64_t>(st.st_size) < offset) {
    // Truncated (copytruncate): what is written now starts at byte 0.
    if (::lseek(fd_, 0, SEEK_SET) < 0) throw std::runtime_error("cannot seek in " + name_ + ": " + std::strerror(errno));
    segments_.push_back({total_, file});
    return true;
  }
  return false;
}

void InputFile::wait_for_change() {
  if (notify_fd_ < 0) {
    ::poll(nullptr, 0, kWaitSliceMs);
    return;
  }
  pollfd wait{notify_fd_, POLLIN, 0};
  if (::poll(&wait, 1, kWaitSliceMs) > 0) {
    alignas(inotify_event) char events[4096];
    while (::read(notify_fd_, events, sizeof events) > 0) {
    }
  }
}

InputFile::Place InputFile::place_of(std::uint64_t at) {
  std::size_t i = segments_.size() - 1;
  while (i > 0 && segments_[i].start > at) --i;
  // Segments wholly before `at` are not asked for again.
  if (i > 0) segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(i));
  Place place = segments_.front().file;
  place.offset = at - segments_.front().start;
  return place;
}

bool InputFile::starts_segment(std::uint64_t at) const {
  for (std::size_t i = 1; i < segments_.size(); ++i)
    if (segments_[i].start == at) return true;
  return false;
}

std::size_t InputFile::read_some(char* buffer, std::size_t size) {
  for (;;) {
    check_cancelled();
    if (follow_) {
      ssize_t got = ::read(fd_, buffer, size);
      if (got > 0) {
        total_ += static_cast<std::uint64_t>(got);
        return static_cast<std::size_t>(got);
      }
      if (got < 0 && errno != EINTR && errno != EAGAIN)
        throw std::runtime_error("cannot read " + name_ + ": " + std::strerror(errno));
      // At the end of what is written: a new file or a truncation goes on
      // at once, else wait for a change.
      if (got == 0 && !next_segment()) wait_for_change();
      continue;
    }
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
  if (follow_) {
    total_ = offset;
    Segment current = segments_.back();  // the file fd_ reads
    current.start = 0;
    segments_.assign(1, current);
  }
}

}  // namespace aton::sources
