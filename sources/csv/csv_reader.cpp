#include "csv_reader.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace aton::csv_source {

CsvReader::CsvReader(const std::string& path, char delimiter, char quote, std::string name,
                     sources::InputFile::CancelCheck cancelled, std::size_t max_row_bytes, bool follow,
                     const std::string& encoding)
    : file_(path, std::move(cancelled), follow),
      name_(std::move(name)),
      max_row_bytes_(std::max<std::size_t>(max_row_bytes, 1)),
      delimiter_(delimiter),
      quote_(quote),
      buffer_(1 << 16) {
  decoder_ = TextDecoder::make(encoding, name_);
}

std::size_t CsvReader::read_input(char* out, std::size_t size, bool some) {
  if (decoder_) return decoder_->read(file_, out, size, some);
  return some ? file_.read_some(out, size) : file_.read_full(out, size);
}

void CsvReader::seek(std::uint64_t offset, std::uint64_t line, bool skip_lf) {
  if (file_.is_stdin()) throw std::runtime_error(name_ + ": standard input cannot be resumed (it cannot seek)");
  if (decoder_) {
    // Offsets count decoded bytes: decode again from the start up to it.
    file_.seek(0);
    decoder_->reset();
    for (std::uint64_t left = offset; left > 0;) {
      auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer_.size()));
      std::size_t got = decoder_->read(file_, buffer_.data(), want, false);
      if (got == 0)
        throw std::runtime_error(name_ + ": the saved position is past the end of the file: it changed since");
      left -= got;
    }
  } else {
    file_.seek(offset);
  }
  consumed_ = offset;
  pos_ = size_ = 0;
  eof_ = false;
  started_ = true;  // past the byte order mark
  line_ = line;
  skip_lf_ = skip_lf;
  ready_until_ = 0;
}

bool CsvReader::fill() {
  if (eof_) return false;
  consumed_ += size_;
  pos_ = 0;
  // A pipe gives what it has, so rows flow as a slow writer writes them.
  size_ = read_input(buffer_.data(), buffer_.size(), file_.streaming());
  eof_ = size_ == 0;
  if (!started_) {
    started_ = true;
    if (size_ >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
  }
  return size_ > pos_ || (size_ > 0 && fill());
}

bool CsvReader::row_arrived() {
  for (;;) {
    // The LF of the last row's CR is that row's: the next starts after it.
    if (skip_lf_ && pos_ < size_) {
      skip_lf_ = false;
      if (buffer_[pos_] == '\n') ++pos_;
    }
    if (eof_ || bytes() < ready_until_) return true;
    scan_rows();
    if (bytes() < ready_until_) return true;
    // A row longer than the limit: next() says so.
    if (size_ - pos_ > max_row_bytes_ || !input_ready()) return size_ - pos_ > max_row_bytes_;
    // Take in what has arrived after the part of a row held.
    std::memmove(buffer_.data(), buffer_.data() + pos_, size_ - pos_);
    consumed_ += pos_;
    size_ -= pos_;
    pos_ = 0;
    if (size_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
    std::size_t got = read_input(buffer_.data() + size_, buffer_.size() - size_, true);
    size_ += got;
    if (got == 0) eof_ = true;
  }
}

// Row ends as next() finds them: a line end outside quotes, where a quote
// opens a field only at its start and a CR's LF belongs to it.
void CsvReader::scan_rows() {
  const char* data = buffer_.data();
  std::size_t i = pos_;
  enum { FieldStart, Unquoted, Quoted, AfterQuote } state = FieldStart;
  for (; i < size_; ++i) {
    char c = data[i];
    switch (state) {
      case FieldStart:
        if (c == quote_) {
          state = Quoted;
          continue;
        }
        state = Unquoted;
        [[fallthrough]];
      case Unquoted:
      case AfterQuote:
        if (c == delimiter_) {
          state = FieldStart;
        } else if (c == '\n' || c == '\r') {
          if (c == '\r' && i + 1 < size_ && data[i + 1] == '\n') ++i;
          ready_until_ = consumed_ + i + 1;
          state = FieldStart;
        } else if (state == AfterQuote) {
          state = c == quote_ ? Quoted : Unquoted;  // a doubled quote; else next() reports it
        }
        break;
      case Quoted:
        if (c == quote_) state = AfterQuote;
        break;
    }
  }
}

// The first delimiter, CR or LF at or after `i` in the buffer, or size_.
// Sixteen bytes at a time where SSE2 is there: fields are short, but most
// are found by one compare.
std::size_t CsvReader::field_end(std::size_t i) const {
  const char* data = buffer_.data();
#ifdef __SSE2__
  const __m128i delimiter = _mm_set1_epi8(delimiter_), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
  for (; i + 16 <= size_; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(v, delimiter), _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
    if (auto mask = static_cast<unsigned>(_mm_movemask_epi8(stop))) return i + static_cast<std::size_t>(std::countr_zero(mask));
  }
#endif
  while (i < size_ && data[i] != delimiter_ && data[i] != '\n' && data[i] != '\r') ++i;
  return i;
}

void CsvReader::row_too_long(std::uint64_t line) const {
  throw std::runtime_error(name_ + ": line " + std::to_string(line) + ": a row of more than " +
                           std::to_string(max_row_bytes_) +
                           " bytes (max_record_bytes) and still not complete: is this a CSV file, or is a quote "
                           "never closed? (raise the source's \"max_record_bytes\" for longer rows)");
}

void CsvReader::end_field(CsvRow& row, bool quoted) {
  auto end = static_cast<std::uint32_t>(row.text.size());
  row.fields.push_back({field_begin_, end - field_begin_, quoted});
  field_begin_ = end;
}

bool CsvReader::next(CsvRow& row) {
  row.text.clear();
  row.fields.clear();
  row.blank = false;
  field_begin_ = 0;
  enum class State { FieldStart, Unquoted, Quoted, AfterQuote } state = State::FieldStart;
  bool begun = false;
  std::uint64_t quote_line = 0;
  const std::uint64_t row_start = bytes();
  row.offset = row_start;

  auto end_row = [&](char c) {
    ++line_;
    if (c == '\r') skip_lf_ = true;
    row.blank = row.fields.size() == 1 && row.fields[0].size == 0 && !row.fields[0].quoted;
    return true;
  };

  for (;;) {
    // Each pass takes a field or at most a block: the bound is checked often enough.
    if (bytes() - row_start > max_row_bytes_) row_too_long(row.line);
    if (pos_ == size_ && !fill()) break;
    char c = buffer_[pos_];
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') {
        ++pos_;
        continue;
      }
    }
    if (!begun) {
      begun = true;
      row.line = line_;
    }
    switch (state) {
      case State::FieldStart:
        if (c == quote_) {
          state = State::Quoted;
          quote_line = line_;
          ++pos_;
          break;
        }
        state = State::Unquoted;
        [[fallthrough]];
      case State::Unquoted: {
        std::size_t start = pos_;
        pos_ = field_end(pos_);
        if (pos_ < size_) c = buffer_[pos_];
        row.text.append(buffer_.data() + start, pos_ - start);
        if (pos_ == size_) break;  // the field goes on in the next block
        ++pos_;
        end_field(row, false);
        if (c == delimiter_) {
          state = State::FieldStart;
          break;
        }
        return end_row(c);
      }
      case State::Quoted: {
        std::size_t start = pos_;
        while (pos_ < size_ && (c = buffer_[pos_]) != quote_) {
          line_ += c == '\n';
          ++pos_;
        }
        row.text.append(buffer_.data() + start, pos_ - start);
        if (pos_ == size_) break;
        ++pos_;
        state = State::AfterQuote;
        break;
      }
      case State::AfterQuote:
        ++pos_;
        if (c == quote_) {  // a doubled quote stands for one
          row.text.push_back(quote_);
          state = State::Quoted;
        } else if (c == delimiter_) {
          end_field(row, true);
          state = State::FieldStart;
        } else if (c == '\n' || c == '\r') {
          end_field(row, true);
          return end_row(c);
        } else {
          throw std::runtime_error(name_ + ": line " + std::to_string(line_) + ", field " +
                                   std::to_string(row.fields.size() + 1) + ": '" + std::string(1, c) +
                                   "' after a closing quote; a quote inside a quoted field must be doubled");
        }
        break;
    }
  }
  // The end of the input.
  if (!begun) return false;
  if (state == State::Quoted)
    throw std::runtime_error(name_ + ": line " + std::to_string(quote_line) +
                             ": a quoted field starts here and is never closed");
  end_field(row, state == State::AfterQuote);
  row.blank = row.fields.size() == 1 && row.fields[0].size == 0 && !row.fields[0].quoted;
  return true;
}

}  // namespace aton::csv_source
