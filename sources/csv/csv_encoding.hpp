// The csv source's `encoding` (docs/sources.md, "csv"): the input's bytes
// turned into UTF-8 before the CSV reader sees them, with glibc's iconv,
// exactly (Windows-1252 0x80 is U+20AC '€', not U+0080).
//
// Every offset the reader gives (positions, checkpoints) then counts UTF-8
// bytes, as offsets of a compressed input count decompressed ones: a resume
// decodes again from the start (CsvReader::seek). A byte that is no
// character of the encoding (Windows-1252 0x81, an unpaired UTF-16
// surrogate, a UTF-16 input of an odd length) is an error naming the line and
// the byte: std::runtime_error "<name>: line L, byte B: ...".
#pragma once

#include "../common/input_file.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton::csv_source {

class TextDecoder {
 public:
  // The encodings taken: "utf-8" (no decoder), "utf-16" (a byte order mark
  // first), "windows-1252", "iso-8859-1", "iso-8859-15".
  static bool known(std::string_view encoding);
  // nullptr for "utf-8": the bytes are read as they are.
  static std::unique_ptr<TextDecoder> make(const std::string& encoding, std::string name);
  ~TextDecoder();
  TextDecoder(const TextDecoder&) = delete;
  TextDecoder& operator=(const TextDecoder&) = delete;

  // Up to `size` bytes of UTF-8 from `file`: at least one, or 0 at the end.
  // `some`: what the file has (InputFile::read_some), else as many as fit.
  std::size_t read(sources::InputFile& file, char* out, std::size_t size, bool some);
  // Whether read() has bytes to give without reading the file: decoded
  // ones, or read ones that are more than the start of a character.
  bool pending() const { return !spill_.empty() || (raw_pos_ < raw_end_ && !partial_); }
  // The file went back to its start.
  void reset();

 private:
  TextDecoder(void* cd, std::string encoding, std::string name);
  [[noreturn]] void undecodable(const char* at, std::string_view what) const;

  void* cd_;  // iconv_t
  std::string encoding_, name_;
  std::vector<char> raw_;
  std::string spill_;  // decoded bytes that did not fit the last read's buffer
  std::size_t raw_pos_ = 0, raw_end_ = 0;
  std::uint64_t raw_before_ = 0;  // the file's bytes before raw_
  std::uint64_t lines_ = 1;       // the line of the next byte decoded
  bool raw_ended_ = false, started_ = false;
  bool partial_ = false;  // what raw_ holds is only the start of a character
};

}  // namespace aton::csv_source
