#include "input_stream.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace aton::json_source {

namespace {
// Mapped input stays this far behind the cursor before it is released: the
// records of the batches still queued for the encoder view these bytes.
constexpr std::size_t kReleaseLag = 4u << 20;
}  // namespace

InputStream::InputStream(const std::string& path, std::size_t block_size, Access access,
                         sources::InputFile::CancelCheck cancelled, bool follow)
    : file_(path, std::move(cancelled), follow),
      name_(path.empty() ? "<stdin>" : path),
      block_size_(std::max<std::size_t>(block_size, 1)) {
  if (access == Access::MapFiles && !file_.is_stdin() && !file_.streaming() && !file_.compressed())
    map_ = MappedFile::map(file_.fd());
  if (map_) {
    data_ = map_->view().data();
    end_ = map_->view().size();
    eof_ = true;
  } else {
    buffer_.resize(block_size_);
    data_ = buffer_.data();
  }
}

InputStream::~InputStream() = default;

bool InputStream::more() {
  if (eof_) return false;
  if (no_wait_ && !file_.ready()) throw WouldWait{};
  // The consumed bytes leave memory: count their lines first.
  count_lines_to(pos_);
  if (pos_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
    consumed_ += pos_;
    end_ -= pos_;
    lines_to_ -= pos_;
    pos_ = 0;
  }
  if (end_ == buffer_.size()) {
    buffer_.resize(buffer_.size() * 2);  // one value fills the buffer
  } else if (buffer_.size() > block_size_ && end_ < block_size_ / 2) {
    buffer_.resize(block_size_);  // that value is gone: give the memory back
    buffer_.shrink_to_fit();
  }
  data_ = buffer_.data();
  // A regular file fills the block; a pipe gives what it has, so records
  // flow as a slow writer writes them.
  std::size_t want = buffer_.size() - end_;
  std::size_t n = file_.streaming() ? file_.read_some(buffer_.data() + end_, want)
                                    : file_.read_full(buffer_.data() + end_, want);
  end_ += n;
  eof_ = file_.streaming() ? n == 0 : n < want;  // read_full stops short only at the end
  return n > 0;
}

void InputStream::release_consumed() {
  if (!map_ || pos_ < kReleaseLag) return;
  map_->release_before(pos_ - kReleaseLag);
}

void InputStream::count_lines_to(std::size_t index) {
  const char* p = data_ + lines_to_;
  const char* stop = data_ + index;
  // memchr a line: faster here than std::count and memrchr, which GCC
  // vectorises poorly for SSE2.
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(stop - p))))) {
    ++line_;
    line_start_ = consumed_ + static_cast<std::size_t>(++p - data_);
  }
  lines_to_ = index;
}

InputStream::Where InputStream::where(std::size_t offset) {
  count_lines_to(pos_);
  std::uint64_t line = line_;
  std::size_t line_start = line_start_;
  std::size_t index = std::min(offset - consumed_, end_);
  for (std::size_t i = pos_; i < index; ++i)
    if (data_[i] == '\n') {
      ++line;
      line_start = consumed_ + i + 1;
    }
  return {line, offset - line_start + 1};
}

InputStream::Lines InputStream::lines_at_cursor() {
  if (map_) return {0, 0};
  count_lines_to(pos_);
  return {line_, line_start_};
}

void InputStream::seek(std::size_t offset, Lines lines) {
  if (file_.is_stdin()) throw std::runtime_error(name_ + ": standard input cannot be resumed (it cannot seek)");
  if (map_) {
    if (offset > end_)
      throw std::runtime_error("cannot seek to byte " + std::to_string(offset) + " of " + name_ + ": it has " +
                               std::to_string(end_) + " bytes");
    pos_ = offset;
    lines_to_ = 0;  // counted from the start when asked
    line_ = 1;
    line_start_ = 0;
    return;
  }
  if (lines.line == 0) {
    count_lines_before(offset);
  } else {
    line_ = lines.line;
    line_start_ = lines.line_start;
  }
  file_.seek(offset);
  pos_ = end_ = lines_to_ = 0;
  eof_ = false;
  consumed_ = offset;
}

// A position saved while the file was mapped has no line count; read in
// blocks now, the lines before it are counted by reading them once.
void InputStream::count_lines_before(std::size_t offset) {
  line_ = 1;
  line_start_ = 0;
  file_.seek(0);
  for (std::size_t done = 0; done < offset;) {
    std::size_t n = file_.read_full(buffer_.data(), std::min(buffer_.size(), offset - done));
    if (n == 0) throw std::runtime_error("cannot read " + name_ + " up to byte " + std::to_string(offset));
    for (std::size_t i = 0; i < n; ++i)
      if (buffer_[i] == '\n') {
        ++line_;
        line_start_ = done + i + 1;
      }
    done += n;
  }
}

}  // namespace aton::json_source
