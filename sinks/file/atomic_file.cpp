#include "atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace aton::sinks {

namespace fs = std::filesystem;

std::string os_error(std::string_view what, const fs::path& path, int error) {
  std::string message(what);
  message += " ";
  message += path.string();
  message += ": ";
  message += std::strerror(error);
  if (error == ENOSPC || error == EDQUOT)
    message += " (the disk is full: free some space, or write elsewhere)";
  return message;
}

void create_parent_folders(const fs::path& target) {
  fs::path folder = target.parent_path();
  if (folder.empty()) return;
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (!ec) return;
  // Name the component that blocks the way (a file where a folder should be)
  // rather than the whole path, which is where the user has to look.
  fs::path walked;
  for (const auto& part : folder) {
    walked /= part;
    std::error_code ignored;
    if (fs::exists(walked, ignored) && !fs::is_directory(walked, ignored))
      throw std::runtime_error("cannot create the folder " + folder.string() + ": " +
                               walked.string() + " is a file, not a folder");
  }
  throw std::runtime_error(os_error("cannot create the folder", folder, ec.value()));
}

namespace {

// ".NAME.tmp-": how this sink's temporary files beside NAME begin. Built by
// appending: `"." + std::string` trips GCC 12's -Wrestrict false positive.
std::string temp_prefix(const fs::path& target) {
  std::string prefix = ".";
  prefix += target.filename().string();
  prefix += ".tmp-";
  return prefix;
}

fs::path temp_path_beside(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  std::string name = temp_prefix(target);
  name += std::to_string(::getpid());
  name += '-';
  name += std::to_string(counter++);
  return target.parent_path() / name;
}

void write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(os_error("cannot write", path, errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// The writer's process id in a temporary file name ".NAME.tmp-<pid>-<n>"
// that begins with `prefix`, or 0.
pid_t writer_of(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix, 0) != 0) return 0;
  std::size_t dash = name.find('-', prefix.size());
  if (dash == std::string::npos || dash == prefix.size()) return 0;
  pid_t pid = 0;
  for (std::size_t i = prefix.size(); i < dash; ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 1'000'000'000) return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

// Removes what runs that were killed left beside the target: temporary files
// of this target whose writer is no longer running. Files of live processes
// (another run writing the same target) stay. Best effort: never throws.
void remove_stale_temps_of(const fs::path& target) {
  std::string prefix = temp_prefix(target);
  std::error_code ec;
  fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    pid_t pid = writer_of(entry.path().filename().string(), prefix);
    if (pid > 0 && pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove(entry.path(), ignored);
    }
  }
}

void sync_folder(const fs::path& folder) {
  int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(os_error("cannot open the folder", folder, errno));
  int rc = ::fsync(fd);
  int error = errno;
  ::close(fd);
  if (rc != 0) throw std::runtime_error(os_error("cannot fsync the folder", folder, error));
}

}  // namespace

AtomicFile::AtomicFile(fs::path target) : target_(std::move(target)) {
  std::error_code ec;
  if (fs::is_directory(target_, ec))
    throw std::runtime_error("cannot write " + target_.string() +
                             ": it is a folder; give a file path instead");
  create_parent_folders(target_);
  temp_ = temp_path_beside(target_);
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd_ < 0) throw std::runtime_error(os_error("cannot create", temp_, errno));
  // Keep the permissions of a file being replaced (a 0600 file stays private).
  struct stat existing;
  if (::stat(target_.c_str(), &existing) == 0) ::fchmod(fd_, existing.st_mode & 07777);
}

AtomicFile::~AtomicFile() {
  if (!done_) discard();
}

std::uint64_t AtomicFile::copy_existing_target(bool& ends_with_newline) {
  ends_with_newline = false;
  int in = ::open(target_.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    if (errno == ENOENT) return 0;
    throw std::runtime_error(os_error("cannot read", target_, errno));
  }
  std::uint64_t copied = 0;
  int error = 0;
  for (;;) {
    ssize_t n = ::copy_file_range(in, nullptr, fd_, nullptr, 1 << 30, 0);
    if (n > 0) {
      copied += static_cast<std::uint64_t>(n);
      continue;
    }
    if (n == 0) break;
    if (errno == EINTR) continue;
    error = errno;
    break;
  }
  if (error == 0 && copied > 0) {
    char last = 0;
    if (::pread(in, &last, 1, static_cast<off_t>(copied - 1)) == 1) ends_with_newline = last == '\n';
  }
  ::close(in);
  if (error != 0) throw std::runtime_error(os_error("cannot copy the existing", target_, error));
  length_ += copied;
  return copied;
}

void AtomicFile::write(std::string_view bytes) {
  write_all(fd_, bytes, temp_);
  length_ += bytes.size();
}

void AtomicFile::sync() {
  if (::fsync(fd_) != 0) throw std::runtime_error(os_error("cannot fsync", temp_, errno));
}

void AtomicFile::keep() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  done_ = true;
}

void AtomicFile::adopt(const fs::path& temp, std::uint64_t length) {
  std::string prefix = temp_prefix(target_);
  if (temp.parent_path() != target_.parent_path() || temp.filename().string().rfind(prefix, 0) != 0)
    throw std::runtime_error("the checkpoint names " + temp.string() + ", which is not a temporary file of " +
                             target_.string());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    if (error == ENOENT)
      throw std::runtime_error("the interrupted run's partial output " + temp.string() +
                               " is gone (removed, or the run finished: check " + target_.string() +
                               "); run again without --resume");
    throw std::runtime_error(os_error("cannot open the partial output", temp, error));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) < length) {
    ::close(fd);
    throw std::runtime_error("the interrupted run's partial output " + temp.string() + " holds fewer bytes (" +
                             std::to_string(st.st_size) + ") than the checkpoint says were written (" +
                             std::to_string(length) + "); run again without --resume");
  }
  // Bytes after the checkpoint belong to chunks that will be written again.
  if (::ftruncate(fd, static_cast<off_t>(length)) != 0 || ::lseek(fd, 0, SEEK_END) < 0) {
    int error = errno;
    ::close(fd);
    throw std::runtime_error(os_error("cannot cut back the partial output", temp, error));
  }
  discard();  // this object's own, still empty, temporary file
  fd_ = fd;
  temp_ = temp;
  done_ = false;
  length_ = length;
}

void AtomicFile::commit(bool durable, Replace replace) {
  if (durable && ::fsync(fd_) != 0) throw std::runtime_error(os_error("cannot fsync", temp_, errno));
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) throw std::runtime_error(os_error("cannot close", temp_, errno));
  if (replace == Replace::yes) {
    if (::rename(temp_.c_str(), target_.c_str()) != 0)
      throw std::runtime_error(os_error("cannot rename the finished file to", target_, errno));
  } else if (::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, target_.c_str(), RENAME_NOREPLACE) != 0) {
    int error = errno;
    if (error == EEXIST)
      throw std::runtime_error("cannot write " + target_.string() +
                               ": it already exists (mode fail_if_exists); remove it or choose "
                               "mode overwrite or append");
    throw std::runtime_error(os_error("cannot rename the finished file to", target_, error));
  }
  done_ = true;
  if (durable) sync_folder(target_.parent_path());
}

void AtomicFile::remove_stale_temps() const noexcept { remove_stale_temps_of(target_); }

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!done_ && !temp_.empty()) ::unlink(temp_.c_str());
  done_ = true;
}

}  // namespace aton::sinks
