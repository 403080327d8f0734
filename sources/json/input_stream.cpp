#include "input_stream.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace aton::json_source {

InputStream::InputStream(const std::string& path, std::size_t block_size)
    : file_(path.empty() ? stdin : std::fopen(path.c_str(), "rb")),
      owns_file_(!path.empty()),
      name_(path.empty() ? "<stdin>" : path),
      buffer_(block_size + 1) {
  if (!file_)
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno) +
                             " (check the source's \"path\")");
  current_ = end_ = buffer_.data();
  refill();
}

InputStream::~InputStream() {
  if (owns_file_) std::fclose(file_);
}

void InputStream::refill() {
  consumed_ += static_cast<std::size_t>(end_ - buffer_.data());
  std::size_t n = std::fread(buffer_.data(), 1, buffer_.size() - 1, file_);
  if (n == 0 && std::ferror(file_))
    throw std::runtime_error("cannot read " + name_ + ": " + std::strerror(errno));
  current_ = buffer_.data();
  end_ = current_ + n;
  *end_ = '\0';
}

}  // namespace aton::json_source
