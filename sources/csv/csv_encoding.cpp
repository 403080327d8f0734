#include "csv_encoding.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iconv.h>
#include <stdexcept>

namespace aton::csv_source {
namespace {

// The option's names and glibc's.
struct Known {
  const char* option;
  const char* iconv_name;
};
constexpr Known kEncodings[] = {
    {"utf-16", "UTF-16"},
    {"windows-1252", "WINDOWS-1252"},
    {"iso-8859-1", "ISO-8859-1"},
    {"iso-8859-15", "ISO-8859-15"},
};

iconv_t as_iconv(void* cd) { return static_cast<iconv_t>(cd); }

}  // namespace

bool TextDecoder::known(std::string_view encoding) {
  if (encoding == "utf-8") return true;
  for (const auto& k : kEncodings)
    if (encoding == k.option) return true;
  return false;
}

std::unique_ptr<TextDecoder> TextDecoder::make(const std::string& encoding, std::string name) {
  if (encoding.empty() || encoding == "utf-8") return nullptr;
  for (const auto& k : kEncodings) {
    if (encoding != k.option) continue;
    iconv_t cd = iconv_open("UTF-8", k.iconv_name);
    if (cd == reinterpret_cast<iconv_t>(-1))
      throw std::runtime_error(name + ": this system's iconv cannot convert from " + encoding + ": " +
                               std::strerror(errno));
    return std::unique_ptr<TextDecoder>(new TextDecoder(cd, encoding, std::move(name)));
  }
  throw std::runtime_error(name + ": \"encoding\": \"" + encoding +
                           "\" is not one of utf-8, utf-16, windows-1252, iso-8859-1, iso-8859-15");
}

TextDecoder::TextDecoder(void* cd, std::string encoding, std::string name)
    : cd_(cd), encoding_(std::move(encoding)), name_(std::move(name)), raw_(1 << 16) {}

TextDecoder::~TextDecoder() { iconv_close(as_iconv(cd_)); }

void TextDecoder::reset() {
  iconv(as_iconv(cd_), nullptr, nullptr, nullptr, nullptr);
  raw_pos_ = raw_end_ = 0;
  raw_before_ = 0;
  lines_ = 1;
  raw_ended_ = started_ = partial_ = false;
  spill_.clear();
}

void TextDecoder::undecodable(const char* at, std::string_view what) const {
  std::uint64_t byte = raw_before_ + static_cast<std::uint64_t>(at - raw_.data());
  throw std::runtime_error(name_ + ": line " + std::to_string(lines_) + ", byte " + std::to_string(byte) + ": " +
                           std::string(what) + "; is the file in another encoding? (the source's \"encoding\" is \"" +
                           encoding_ + "\")");
}

std::size_t TextDecoder::read(sources::InputFile& file, char* out, std::size_t size, bool some) {
  std::size_t produced = 0;
  for (;;) {
    if (!spill_.empty()) {
      std::size_t n = std::min(size - produced, spill_.size());
      std::memcpy(out + produced, spill_.data(), n);
      spill_.erase(0, n);
      produced += n;
    }
    if (produced == size || (some && produced > 0)) return produced;
    if (raw_pos_ < raw_end_) {
      // A buffer too small for one character: decode into a spare one.
      char spare[16];
      bool small = size - produced < 4;
      char* in = raw_.data() + raw_pos_;
      std::size_t in_left = raw_end_ - raw_pos_;
      char* o = small ? spare : out + produced;
      char* o_start = o;
      std::size_t o_left = small ? sizeof spare : size - produced;
      std::size_t r = iconv(as_iconv(cd_), &in, &in_left, &o, &o_left);
      int err = errno;
      partial_ = r == static_cast<std::size_t>(-1) && err == EINVAL;
      lines_ += static_cast<std::uint64_t>(std::count(o_start, o, '\n'));
      raw_pos_ = static_cast<std::size_t>(in - raw_.data());
      if (small) {
        spill_.append(o_start, o);
      } else {
        produced += static_cast<std::size_t>(o - o_start);
      }
      if (r == static_cast<std::size_t>(-1) && err == EILSEQ) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(*in));
        undecodable(in, std::string(hex) + " is not a " + encoding_ + " character" +
                            (encoding_ == "utf-16" ? " (or starts an unpaired surrogate)" : ""));
      }
      if (r == static_cast<std::size_t>(-1) && err == E2BIG) continue;  // out is full, or spill_ has it
      if (o != o_start && raw_pos_ < raw_end_ && err != EINVAL) continue;
    }
    if (produced == size || (some && produced > 0) || !spill_.empty()) continue;
    // More of the file: what is left of the last read (part of a character) first.
    if (raw_ended_) {
      if (raw_pos_ < raw_end_) undecodable(raw_.data() + raw_pos_, "the input ends inside a " + encoding_ + " character");
      return produced;
    }
    std::memmove(raw_.data(), raw_.data() + raw_pos_, raw_end_ - raw_pos_);
    raw_before_ += raw_pos_;
    raw_end_ -= raw_pos_;
    raw_pos_ = 0;
    std::size_t got = some ? file.read_some(raw_.data() + raw_end_, raw_.size() - raw_end_)
                           : file.read_full(raw_.data() + raw_end_, raw_.size() - raw_end_);
    raw_end_ += got;
    raw_ended_ = got == 0;
    partial_ = false;
    if (!started_ && (raw_end_ >= 2 || raw_ended_)) {
      started_ = true;
      // glibc reads UTF-16 without a mark as big-endian: a guess, refused.
      bool marked = raw_end_ >= 2 && ((raw_[0] == '\xFF' && raw_[1] == '\xFE') || (raw_[0] == '\xFE' && raw_[1] == '\xFF'));
      if (encoding_ == "utf-16" && !marked && raw_end_ > 0)
        undecodable(raw_.data(), "no UTF-16 byte order mark (FF FE or FE FF) at the start, and without one the "
                                 "byte order is a guess");
    }
  }
}

}  // namespace aton::csv_source
