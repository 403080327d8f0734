#include "cli_io.hpp"

#include <aton/errors.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

namespace {
constexpr std::size_t kOutputBuffer = 1 << 16;
}  // namespace

Output::Output(const std::string& path) : path_(path) {
  if (path != "-") file_.emplace(path);
}

void Output::write(std::string_view text) {
  if (buffer_.size() + text.size() < kOutputBuffer) {
    buffer_.append(text);
    return;
  }
  flush();
  put(text);  // a large piece (a chunk) goes out without a copy
}

void Output::flush() {
  put(buffer_);
  buffer_.clear();
}

void Output::put(std::string_view text) {
  if (file_) file_->write(text);
  else if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
    throw Error(os_error("cannot write", "stdout"));
}

void Output::commit() {
  flush();
  if (file_ && !file_->commit(false)) throw Error("cannot replace " + path_);  // Replace::yes: never false
}

}  // namespace aton::app
