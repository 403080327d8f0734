#include "input_file.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <cerrno>
#include <cstring>

namespace aton::sources {
namespace {

// How long one wait for a pipe's bytes lasts before the run is asked again
// whether it is stopping: the bound on how late a source sees a signal.
constexpr int kWaitSliceMs = 100;

// Compressed input is read in blocks of this many compressed bytes; ready()
// decompresses ahead into a buffer of this many bytes.
constexpr std::size_t kRawBlock = 1 << 16;
constexpr std::size_t kAheadBlock = 1 << 16;

// Whether the first `size` bytes of an input may still begin a gzip or zstd
// magic number, so that more are needed to tell.
bool may_begin_magic(const char* bytes, std::size_t size) {
  static const unsigned char kGzip[] = {0x1f, 0x8b}, kZstd[] = {0x28, 0xb5, 0x2f, 0xfd};
  auto prefix_of = [&](const unsigned char* magic, std::size_t length) {
    if (size >= length) return false;  // long enough to tell by now
    for (std::size_t i = 0; i < size; ++i)
      if (static_cast<unsigned char>(bytes[i]) != magic[i]) return false;
    return true;
  };
  return prefix_of(kGzip, sizeof kGzip) || prefix_of(kZstd, sizeof kZstd);
}

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
  // Standard input may be a regular file read from anywhere (`< f`, after a
  // shell read a line of it): its first bytes are told at the first read.
  if (regular_ && owns_) {
    compression_ = compression_of_fd(fd_);
    detected_ = true;
    if (compression_ != Compression::none && follow) {
      if (owns_) ::close(fd_);
      throw std::runtime_error(name_ + " is " + compression_name(compression_) +
                               "-compressed: a compressed file cannot be followed (it is read from its start to "
                               "its end); remove \"follow\", or follow the uncompressed file");
    }
    if (compression_ != Compression::none) {
      decompressor_ = std::make_unique<Decompressor>(compression_, name_);
      raw_.resize(kRawBlock);
    }
  }
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
    if (ahead_pos_ < ahead_end_) return true;
    if (decompressor_) return decompress_arrived();
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
  if (!follow_) {
    if (!detected_) detect();
    if (ahead_pos_ < ahead_end_) {
      std::size_t n = std::min(size, ahead_end_ - ahead_pos_);
      std::memcpy(buffer, ahead_.data() + ahead_pos_, n);
      ahead_pos_ += n;
      return n;
    }
    return decompressor_ ? read_decompressed(buffer, size) : read_raw(buffer, size);
  }
  for (;;) {
    check_cancelled();
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
  }
}

std::size_t InputFile::read_raw(char* buffer, std::size_t size) {
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

// Reads only as many bytes as it takes to tell, so that a writer's first
// short line (not compressed) is not held back waiting for more.
void InputFile::detect() {
  detected_ = true;
  char first[kMagicBytes];
  std::size_t got = 0;
  while (got == 0 || may_begin_magic(first, got)) {
    std::size_t n = read_raw(first + got, sizeof first - got);
    if (n == 0) {
      raw_ended_ = true;
      break;
    }
    got += n;
  }
  compression_ = compression_of(reinterpret_cast<const unsigned char*>(first), got);
  if (compression_ == Compression::none) {
    ahead_.assign(first, first + got);
    ahead_pos_ = 0;
    ahead_end_ = got;
    return;
  }
  decompressor_ = std::make_unique<Decompressor>(compression_, name_);
  raw_.resize(kRawBlock);
  std::memcpy(raw_.data(), first, got);
  decompressor_->feed(raw_.data(), got);
}

std::size_t InputFile::read_decompressed(char* buffer, std::size_t size) {
  for (;;) {
    if (!decompressor_->needs_input()) {
      std::size_t n = decompressor_->produce(buffer, size);
      if (n > 0) return n;
      continue;  // it used input: more may be needed
    }
    if (raw_ended_) {
      decompressor_->finish();  // throws when the stream is cut short
      return 0;
    }
    std::size_t n = read_raw(raw_.data(), raw_.size());
    if (n == 0) raw_ended_ = true;
    else decompressor_->feed(raw_.data(), n);
  }
}

// Bounded: a pipe gives at most a few blocks between two calls, and each
// turn reads one or decompresses from one.
bool InputFile::decompress_arrived() {
  if (raw_ended_) return true;
  if (ahead_.size() < kAheadBlock) ahead_.resize(kAheadBlock);
  for (int turn = 0; turn < 64; ++turn) {
    if (!decompressor_->needs_input()) {
      std::size_t n = decompressor_->produce(ahead_.data(), ahead_.size());
      if (n > 0) {
        ahead_pos_ = 0;
        ahead_end_ = n;
        return true;
      }
      continue;
    }
    pollfd wait{fd_, POLLIN, 0};
    if (::poll(&wait, 1, 0) <= 0) return false;
    ssize_t got = ::read(fd_, raw_.data(), raw_.size());
    if (got == 0) {
      raw_ended_ = true;
      return true;  // a read now ends the input (or says it was cut short)
    }
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return false;
      throw std::runtime_error("cannot read " + name_ + ": " + std::strerror(errno));
    }
    decompressor_->feed(raw_.data(), static_cast<std::size_t>(got));
  }
  return false;
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
  if (decompressor_) {
    // No index into the compressed bytes: decompress again up to `offset`.
    if (::lseek(fd_, 0, SEEK_SET) < 0)
      throw std::runtime_error("cannot seek in " + name_ + ": " + std::strerror(errno));
    decompressor_->reset();
    raw_ended_ = false;
    ahead_pos_ = ahead_end_ = 0;
    std::vector<char> skipped(kRawBlock);
    for (std::uint64_t left = offset; left > 0;) {
      std::size_t n = read_some(skipped.data(), static_cast<std::size_t>(std::min<std::uint64_t>(left, skipped.size())));
      if (n == 0)
        throw std::runtime_error("cannot go to byte " + std::to_string(offset) + " of " + name_ + ": it holds " +
                                 std::to_string(offset - left) + " bytes once decompressed");
      left -= n;
    }
    return;
  }
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
