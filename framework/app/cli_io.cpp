#include "cli_io.hpp"

#include <aton/errors.hpp>

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace aton::app {

namespace {
std::string os_error(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}
}  // namespace

InputText::InputText(const std::string& path) {
  std::FILE* in = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!in) throw Error(os_error("cannot open", path));
  struct stat info {};
  if (fstat(fileno(in), &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
    auto size = static_cast<std::size_t>(info.st_size);
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fileno(in), 0);
    if (p != MAP_FAILED) {
      madvise(p, size, MADV_SEQUENTIAL);
      mapped_ = p;
      mapped_size_ = size;
      view_ = std::string_view(static_cast<const char*>(p), size);
      if (in != stdin) std::fclose(in);
      return;
    }
  }
  char buffer[1 << 16];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, in)) > 0) read_.append(buffer, n);
  bool failed = std::ferror(in);
  if (in != stdin) std::fclose(in);
  if (failed) throw Error(os_error("cannot read", path));
  view_ = read_;
}

void InputText::release_before(std::size_t offset) noexcept {
  if (!mapped_) return;
  static const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  std::size_t end = std::min(offset, mapped_size_) / page * page;
  // In steps of megabytes: each call costs the kernel a walk of the range.
  if (end < released_ + (8u << 20)) return;
  madvise(static_cast<char*>(mapped_) + released_, end - released_, MADV_DONTNEED);
  released_ = end;
}

InputText::~InputText() {
  if (mapped_) munmap(mapped_, mapped_size_);
}

Output::Output(const std::string& path) : path_(path) {
  if (path == "-") {
    file_ = stdout;
    return;
  }
  auto target = std::filesystem::path(path);
  std::string temp_name = ".";
  temp_name += target.filename().string();
  temp_name += ".tmp-";
  temp_name += std::to_string(getpid());
  temp_path_ = (target.parent_path() / temp_name).string();
  file_ = std::fopen(temp_path_.c_str(), "wb");
  if (!file_) throw Error(os_error("cannot write", temp_path_));
}

Output::~Output() {
  if (file_ && file_ != stdout) {
    std::fclose(file_);
    if (!committed_) std::remove(temp_path_.c_str());
  }
}

void Output::write(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size())
    throw Error(os_error("cannot write", path_ == "-" ? "stdout" : path_));
}

void Output::flush() {
  if (std::fflush(file_) != 0) throw Error(os_error("cannot write", path_ == "-" ? "stdout" : path_));
}

void Output::commit() {
  flush();
  if (file_ == stdout) return;
  if (std::fclose(file_) != 0) {
    file_ = nullptr;
    std::remove(temp_path_.c_str());
    throw Error(os_error("cannot write", path_));
  }
  file_ = nullptr;
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    std::remove(temp_path_.c_str());
    throw Error(os_error("cannot rename the output into place at", path_));
  }
  committed_ = true;
}

}  // namespace aton::app
