#include "spill_file.hpp"

#include <aton/errors.hpp>
#include <aton/output_file.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace aton::app {

namespace {
constexpr std::size_t kBlock = std::size_t{1} << 20;
}  // namespace

SpillFile::SpillFile() {
  const char* tmpdir = std::getenv("TMPDIR");
  folder_ = tmpdir && *tmpdir ? tmpdir : "/tmp";
  fd_ = ::open(folder_.c_str(), O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) {  // a file system without O_TMPFILE
    std::string name = folder_ + "/.aton-decode-XXXXXX";
    fd_ = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd_ < 0) throw Error(io_error("cannot create a temporary file in", folder_, errno));
    ::unlink(name.c_str());
  }
}

SpillFile::~SpillFile() {
  if (fd_ >= 0) ::close(fd_);
}

void SpillFile::append(std::size_t key, std::string_view bytes) {
  std::uint64_t at = written_ + buffer_.size();
  if (!segments_.empty() && segments_.back().key == key && segments_.back().offset + segments_.back().length == at)
    segments_.back().length += bytes.size();
  else
    segments_.push_back({key, at, bytes.size()});
  buffer_.append(bytes);
  if (buffer_.size() >= kBlock) flush();
}

void SpillFile::flush() {
  std::string_view rest = buffer_;
  while (!rest.empty()) {
    ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw Error(io_error("cannot write a temporary file in", folder_, errno) +
                  "; the records of every table but the first wait there: set TMPDIR to a folder with room, or "
                  "decode one table at a time with --table");
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  written_ += buffer_.size();
  buffer_.clear();
}

void SpillFile::copy_out(std::size_t key, const std::function<void(std::string_view)>& out) {
  flush();
  std::string block(kBlock, '\0');
  for (const Segment& s : segments_) {
    if (s.key != key) continue;
    std::uint64_t done = 0;
    while (done < s.length) {
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, s.length - done));
      ssize_t n = ::pread(fd_, block.data(), want, static_cast<off_t>(s.offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw Error(io_error("cannot read back a temporary file in", folder_, n < 0 ? errno : EIO));
      out(std::string_view(block.data(), static_cast<std::size_t>(n)));
      done += static_cast<std::uint64_t>(n);
    }
  }
}

}  // namespace aton::app
