// UTF-8 for the readers: one code point encoded (for \uXXXX escapes), and
// the length of the sequence at a lead byte, checked after RFC 3629.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace aton::detail {

inline void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The sequence at p (p < end): its length in bytes when valid UTF-8 (no
// overlong forms, no surrogates, nothing above U+10FFFF; ASCII is 1);
// 0 when invalid; -1 when `end` cuts a sequence that was valid so far.
inline int utf8_sequence_length(const char* p, const char* end) {
  auto byte = [&](std::ptrdiff_t i) { return static_cast<unsigned char>(p[i]); };
  unsigned c = byte(0);
  if (c < 0x80) return 1;
  int n;
  unsigned lo = 0x80, hi = 0xBF;  // the second byte's range
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  for (int i = 1; i < n; ++i) {
    if (p + i >= end) return -1;
    unsigned b = byte(i);
    if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
  }
  return n;
}

// The offset of the first byte of `text` that is not valid UTF-8, or npos.
inline std::size_t first_invalid_utf8(std::string_view text) {
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    std::uint64_t word;
    if (end - p >= 8 && (std::memcpy(&word, p, 8), (word & 0x8080808080808080ULL) == 0)) {
      p += 8;  // eight ASCII bytes
      continue;
    }
    int n = utf8_sequence_length(p, end);
    if (n <= 0) return static_cast<std::size_t>(p - text.data());
    p += n;
  }
  return std::string_view::npos;
}

}  // namespace aton::detail
