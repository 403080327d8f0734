#include <aton/printable.hpp>

#include "utf8.hpp"

namespace aton {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// The code point of a valid sequence of `n` bytes at p.
char32_t decode(const char* p, int n) {
  auto b = [&](int i) { return static_cast<char32_t>(static_cast<unsigned char>(p[i])); };
  switch (n) {
    case 1: return b(0);
    case 2: return (b(0) & 0x1F) << 6 | (b(1) & 0x3F);
    case 3: return (b(0) & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
    default: return (b(0) & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
  }
}

bool acts_on_terminal(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// Calls keep(p, n) for each run of bytes to keep and escape(p, n, cp) for
// each sequence to escape (cp: its code point, or -1 for a byte that is
// not UTF-8).
template <class Keep, class Escape>
void scan(std::string_view text, Keep&& keep, Escape&& escape) {
  const char* p = text.data();
  const char* end = p + text.size();
  const char* kept = p;
  while (p < end) {
    auto c = static_cast<unsigned char>(*p);
    if (c >= 0x20 && c < 0x7F) {
      ++p;
      continue;
    }
    int n = c < 0x80 ? 1 : detail::utf8_sequence_length(p, end);
    char32_t cp = n > 0 ? decode(p, n) : 0;
    if (n > 0 && c >= 0x80 && !acts_on_terminal(cp)) {
      p += n;
      continue;
    }
    if (p > kept) keep(kept, static_cast<std::size_t>(p - kept));
    if (n <= 0) {
      escape(p, 1, -1);
      p += 1;
    } else {
      escape(p, n, static_cast<long>(cp));
      p += n;
    }
    kept = p;
  }
  if (p > kept) keep(kept, static_cast<std::size_t>(p - kept));
}

}  // namespace

void append_printable(std::string_view text, std::string& out) {
  scan(
      text, [&](const char* p, std::size_t n) { out.append(p, n); },
      [&](const char* p, int, long cp) {
        if (cp == '\n') {
          out += "\\n";
        } else if (cp == '\t') {
          out += "\\t";
        } else if (cp == '\r') {
          out += "\\r";
        } else if (cp < 0x80) {  // a C0 control or DEL, or (-1) a byte that is not UTF-8
          auto byte = static_cast<unsigned char>(*p);
          out += "\\x";
          out += kHex[byte >> 4];
          out += kHex[byte & 15];
        } else {
          out += "\\u";
          for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 15];
        }
      });
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_printable(text, out);
  return out;
}

bool is_printable(std::string_view text) noexcept {
  bool clean = true;
  scan(text, [](const char*, std::size_t) {}, [&](const char*, int, long) { clean = false; });
  return clean;
}

}  // namespace aton
