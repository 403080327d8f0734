#include "cli_io.hpp"

#include <aton/errors.hpp>

#include <fcntl.h>
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

namespace {
constexpr std::size_t kBlockSize = 1 << 18;
}  // namespace

InputText::InputText(const std::string& path) : path_(path) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(os_error("cannot open", path));
    owns_fd_ = true;
  }
  mapped_ = MappedFile::map(fd_);
  if (mapped_) {
    data_ = mapped_->view().data();
    end_ = mapped_->view().size();
    eof_ = true;
  } else {
    buffer_.resize(kBlockSize);
    data_ = buffer_.data();
  }
}

InputText::~InputText() {
  if (owns_fd_) ::close(fd_);
}

bool InputText::more() {
  if (eof_) return false;
  if (pos_ > 0) {  // keep the unread tail, at the buffer's start
    std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
    consumed_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == buffer_.size()) {
    buffer_.resize(buffer_.size() * 2);  // one value fills the buffer
  } else if (buffer_.size() > kBlockSize && end_ < kBlockSize / 2) {
    buffer_.resize(kBlockSize);  // that value is gone: give the memory back
    buffer_.shrink_to_fit();
  }
  data_ = buffer_.data();
  std::size_t before = end_;
  while (end_ < buffer_.size()) {
    ssize_t n = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(os_error("cannot read", path_ == "-" ? "stdin" : path_));
    if (n == 0) {
      eof_ = true;
      break;
    }
    end_ += static_cast<std::size_t>(n);
  }
  return end_ > before;
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
