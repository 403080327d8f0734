#include "input_stream.hpp"

#include <algorithm>
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

bool InputStream::text_since(std::size_t from, std::string& out) const {
  std::size_t tail_start = consumed_ - previous_tail_.size();
  if (from < tail_start || from > Tell()) return false;
  out.clear();
  if (from < consumed_) out.append(previous_tail_, from - tail_start, std::string::npos);
  const char* begin = buffer_.data() + (from > consumed_ ? from - consumed_ : 0);
  out.append(begin, static_cast<std::size_t>(current_ - begin));
  return true;
}

void InputStream::seek(std::size_t offset, std::uint64_t line, std::size_t line_start) {
  if (!owns_file_) throw std::runtime_error(name_ + ": standard input cannot be resumed (it cannot seek)");
  if (::fseeko(file_, static_cast<off_t>(offset), SEEK_SET) != 0)
    throw std::runtime_error("cannot seek to byte " + std::to_string(offset) + " of " + name_ + ": " +
                             std::strerror(errno));
  current_ = end_ = buffer_.data();
  consumed_ = offset;
  refill();
  line_ = line;
  line_start_ = line_start;
}

void InputStream::refill() {
  // Keep the last kLookback bytes read, across blocks however small.
  std::size_t block = static_cast<std::size_t>(end_ - buffer_.data());
  if (block >= kLookback) {
    previous_tail_.assign(end_ - kLookback, end_);
  } else {
    previous_tail_.append(buffer_.data(), block);
    if (previous_tail_.size() > kLookback) previous_tail_.erase(0, previous_tail_.size() - kLookback);
  }
  consumed_ += static_cast<std::size_t>(end_ - buffer_.data());
  std::size_t n = std::fread(buffer_.data(), 1, buffer_.size() - 1, file_);
  if (n == 0 && std::ferror(file_))
    throw std::runtime_error("cannot read " + name_ + ": " + std::strerror(errno));
  current_ = buffer_.data();
  end_ = current_ + n;
  *end_ = '\0';
}

}  // namespace aton::json_source
