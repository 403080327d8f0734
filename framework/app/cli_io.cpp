#include "cli_io.hpp"

#include <aton/errors.hpp>

#include <cerrno>
#include <cstring>

namespace aton::app {

namespace {
std::string os_error(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}
}  // namespace

InputText::InputText(const std::string& path) {
  std::FILE* in = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!in) throw Error(os_error("cannot open", path));
  mapped_ = MappedFile::map(fileno(in));
  if (mapped_) {
    view_ = mapped_->view();
    if (in != stdin) std::fclose(in);
    return;
  }
  char buffer[1 << 16];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, in)) > 0) read_.append(buffer, n);
  bool failed = std::ferror(in);
  if (in != stdin) std::fclose(in);
  if (failed) throw Error(os_error("cannot read", path));
  view_ = read_;
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
