#include "cli_io.hpp"

#include <aton/errors.hpp>

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
