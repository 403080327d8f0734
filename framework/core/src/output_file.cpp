#include <aton/output_file.hpp>

#include <aton/errors.hpp>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>

namespace aton {

namespace fs = std::filesystem;

std::string io_error(std::string_view what, const fs::path& path, int error) {
  std::string message(what);
  message += " ";
  message += path.string();
  message += ": ";
  message += std::strerror(error);
  if (error == ENOSPC || error == EDQUOT) message += " (the disk is full: free some space, or write elsewhere)";
  return message;
}

namespace {

// Where the bytes for `given` go: the path to create or replace (symlinks
// followed), or the existing non-regular file to write through.
struct Resolved {
  fs::path path;
  bool direct = false;
};

[[noreturn]] void refuse_folder(const fs::path& path) {
  throw Error("cannot write " + path.string() + ": it is a folder; give a file path instead");
}

Resolved resolve(const fs::path& given) {
  struct stat st;
  if (::stat(given.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) refuse_folder(given);
    if (!S_ISREG(st.st_mode)) return {given, true};
    struct stat link;
    if (::lstat(given.c_str(), &link) == 0 && !S_ISLNK(link.st_mode)) return {given, false};
    // A regular file reached through symlinks: replace that file, beside it.
    char* real = ::realpath(given.c_str(), nullptr);
    if (!real) throw Error(io_error("cannot resolve the symbolic link", given, errno));
    fs::path out(real);
    std::free(real);
    return {out, false};
  }
  if (errno != ENOENT) throw Error(io_error("cannot write", given, errno));
  // Missing, or a symlink to a name that does not exist yet: follow the
  // links to the name to create.
  fs::path path = given;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat link;
    if (::lstat(path.c_str(), &link) != 0 || !S_ISLNK(link.st_mode)) return {path, false};
    std::error_code ec;
    fs::path next = fs::read_symlink(path, ec);
    if (ec) throw Error(io_error("cannot read the symbolic link", path, ec.value()));
    path = next.is_absolute() ? next : path.parent_path() / next;
  }
  throw Error(io_error("cannot write", given, ELOOP));
}

// ".NAME.tmp-": how the temporary files beside NAME begin. Built by
// appending: `"." + std::string` trips GCC 12's -Wrestrict false positive.
std::string temp_prefix(const fs::path& target) {
  std::string prefix = ".";
  prefix += target.filename().string();
  prefix += ".tmp-";
  return prefix;
}

std::uint64_t random_bits() {
  std::uint64_t bits = 0;
  if (::getrandom(&bits, sizeof bits, 0) == static_cast<ssize_t>(sizeof bits)) return bits;
  std::random_device device;  // getrandom missing (an old kernel): the C++ library's source
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

std::string random_hex() {
  static const char digits[] = "0123456789abcdef";
  std::uint64_t bits = random_bits();
  std::string out(16, '0');
  for (auto& c : out) {
    c = digits[bits & 0xF];
    bits >>= 4;
  }
  return out;
}

// The identity of the file `fd` (or, with a path, the file `path` names,
// symlinks followed); nothing when it cannot be read.
bool identify(int fd, const char* path, FileId& id, bool& regular) {
  struct statx sx;
  int flags = path[0] ? 0 : AT_EMPTY_PATH;
  if (::statx(fd, path, flags, STATX_TYPE | STATX_INO | STATX_BTIME, &sx) != 0) return false;
  id.device = (static_cast<std::uint64_t>(sx.stx_dev_major) << 32) | sx.stx_dev_minor;
  id.inode = sx.stx_ino;
  id.born_ns = (sx.stx_mask & STATX_BTIME)
                   ? static_cast<std::uint64_t>(sx.stx_btime.tv_sec) * 1'000'000'000u + sx.stx_btime.tv_nsec
                   : 0;
  regular = S_ISREG(sx.stx_mode);
  return true;
}

void write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(io_error("cannot write", path, errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// A device, FIFO or socket may not support fsync: that is not a failure.
bool sync_unsupported(int error) { return error == EINVAL || error == EROFS || error == ENOTSUP; }

void sync_folder(const fs::path& folder) {
  fs::path dir = folder.empty() ? fs::path(".") : folder;
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw Error(io_error("cannot open the folder", dir, errno));
  int rc = ::fsync(fd);
  int error = errno;
  ::close(fd);
  if (rc != 0) throw Error(io_error("cannot fsync the folder", dir, error));
}

// The writer's process id in a temporary file name ".NAME.tmp-<pid>-<...>"
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

}  // namespace

bool same_file(const FileId& a, const FileId& b) noexcept {
  return a.device == b.device && a.inode == b.inode &&
         (a.born_ns == 0 || b.born_ns == 0 || a.born_ns == b.born_ns);
}

OutputFile::OutputFile(const fs::path& path, unsigned permissions) {
  Resolved where = resolve(path);
  target_ = where.path;
  if (where.direct) {
    // No O_CREAT, no O_TRUNC: it exists and is not a file to replace.
    fd_ = ::open(target_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd_ < 0) throw Error(io_error("cannot open", target_, errno));
    bool regular = false;
    identify(fd_, "", id_, regular);
    if (regular) {
      // Swapped for a regular file since resolve(): it is not to be written through.
      ::close(fd_);
      fd_ = -1;
      throw Error("cannot write " + target_.string() + ": it changed from a device or FIFO to a file meanwhile");
    }
    direct_ = true;
    return;
  }
  std::string prefix = temp_prefix(target_);
  prefix += std::to_string(::getpid());
  prefix += '-';
  for (int attempt = 0; fd_ < 0; ++attempt) {
    temp_ = target_.parent_path() / (prefix + random_hex());
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions);
    if (fd_ >= 0) break;
    int error = errno;
    if (error == EEXIST && attempt < 16) continue;  // a collision of 64 random bits, or a planted name
    if (error == ENOENT)
      throw Error("cannot write " + target_.string() + ": its folder " + target_.parent_path().string() +
                  " does not exist");
    throw Error(io_error("cannot create", temp_, error));
  }
  bool regular = true;
  identify(fd_, "", id_, regular);
  // Keep the permissions of a file being replaced (a 0600 file stays private).
  struct stat existing;
  if (::stat(target_.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) ::fchmod(fd_, existing.st_mode & 07777);
}

OutputFile::~OutputFile() {
  if (!done_) discard();
}

void OutputFile::write(std::string_view bytes) {
  write_all(fd_, bytes, direct_ ? target_ : temp_);
  length_ += bytes.size();
}

void OutputFile::sync() {
  if (fd_ < 0) return;
  if (::fsync(fd_) != 0 && !(direct_ && sync_unsupported(errno)))
    throw Error(io_error("cannot fsync", direct_ ? target_ : temp_, errno));
}

bool OutputFile::commit(bool durable, Replace replace) {
  if (in_place_) return true;
  if (durable) sync();
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) throw Error(io_error("cannot close", direct_ ? target_ : temp_, errno));
  if (direct_) {
    done_ = true;
    return true;
  }
  if (replace == Replace::yes) {
    if (::rename(temp_.c_str(), target_.c_str()) != 0)
      throw Error(io_error("cannot rename the finished file to", target_, errno));
  } else if (::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, target_.c_str(), RENAME_NOREPLACE) != 0) {
    int error = errno;
    if (error == EEXIST) return false;
    throw Error(io_error("cannot rename the finished file to", target_, error));
  }
  done_ = true;
  if (durable) sync_folder(target_.parent_path());
  return true;
}

void OutputFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!done_ && !direct_ && !temp_.empty()) ::unlink(temp_.c_str());
  done_ = true;
}

void OutputFile::keep() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  done_ = true;
}

std::uint64_t OutputFile::copy_existing_target(bool& ends_with_newline) {
  ends_with_newline = false;
  if (direct_) return 0;
  int in = ::open(target_.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    if (errno == ENOENT) return 0;
    throw Error(io_error("cannot read", target_, errno));
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
  if (error != 0) throw Error(io_error("cannot copy the existing", target_, error));
  length_ += copied;
  return copied;
}

OutputFile::Adoption OutputFile::adopt(const fs::path& temp, FileId id, std::uint64_t length) {
  if (direct_) throw Error(target_.string() + " is not a regular file: there is no partial output to continue");
  const std::string again = "; remove it and run again without --resume";
  if (temp.parent_path() != target_.parent_path() || temp.filename().string().rfind(temp_prefix(target_), 0) != 0)
    throw Error("the checkpoint names " + temp.string() + ", which is not a temporary file of " + target_.string());
  // O_NONBLOCK: a FIFO planted there must not hold the run up (it is refused below).
  int fd = ::open(temp.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    if (error == ENOENT) {
      FileId there;
      bool regular = false;
      if (identify(AT_FDCWD, target_.c_str(), there, regular) && regular && same_file(there, id)) {
        // The interrupted run renamed it into place: it had finished.
        discard();
        in_place_ = true;
        id_ = id;
        return Adoption::already_in_place;
      }
      throw Error("the interrupted run's partial output " + temp.string() + " is gone, and " + target_.string() +
                  " is not the file it became (removed or replaced since); run again without --resume");
    }
    if (error == ELOOP)
      throw Error(temp.string() + " is a symbolic link, not the file the interrupted run wrote: it is not "
                  "followed" + again);
    if (error == ENXIO)
      throw Error(temp.string() + " is a FIFO, not the file the interrupted run wrote" + again);
    throw Error(io_error("cannot open the partial output", temp, error));
  }
  FileId found;
  bool regular = false;
  struct stat st;
  if (!identify(fd, "", found, regular) || !regular || !same_file(found, id) || ::fstat(fd, &st) != 0) {
    ::close(fd);
    throw Error(temp.string() + " is not the file the interrupted run wrote (another file was put in its "
                "place): it is left alone" + again);
  }
  if (static_cast<std::uint64_t>(st.st_size) < length) {
    ::close(fd);
    throw Error("the interrupted run's partial output " + temp.string() + " holds fewer bytes (" +
                std::to_string(st.st_size) + ") than the checkpoint says were written (" + std::to_string(length) +
                "); run again without --resume");
  }
  // Bytes after the checkpoint belong to chunks that will be written again.
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 ||
      ::ftruncate(fd, static_cast<off_t>(length)) != 0 || ::lseek(fd, 0, SEEK_END) < 0) {
    int error = errno;
    ::close(fd);
    throw Error(io_error("cannot cut back the partial output", temp, error));
  }
  discard();  // this object's own, still empty, temporary file
  fd_ = fd;
  temp_ = temp;
  id_ = id;
  done_ = false;
  length_ = length;
  return Adoption::resumed;
}

void OutputFile::remove_stale_temps() const noexcept {
  if (!direct_) aton::remove_stale_temps(target_);
}

void remove_stale_temps(const fs::path& target) noexcept {
  std::string prefix = temp_prefix(target);
  std::error_code ec;
  fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  fs::directory_iterator entries(folder, ec);
  for (auto end = fs::directory_iterator(); !ec && entries != end; entries.increment(ec)) {
    pid_t pid = writer_of(entries->path().filename().string(), prefix);
    if (pid > 0 && pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove(entries->path(), ignored);
    }
  }
}

}  // namespace aton
