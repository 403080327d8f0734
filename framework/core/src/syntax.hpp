// The lexical rules of ATON shared by the writer and the reader, so that
// what one leaves bare the other always reads back the same way.
// docs/FORMAT.md states them for implementers of other decoders.
#pragma once

#include <string_view>

namespace aton::syntax {

inline bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// Keys, table names: written bare when they match [A-Za-z_][A-Za-z0-9_]*.
inline bool is_identifier(std::string_view s) {
  if (s.empty() || !(is_ascii_letter(s[0]) || s[0] == '_')) return false;
  for (char c : s)
    if (!(is_ascii_letter(c) || is_ascii_digit(c) || c == '_')) return false;
  return true;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// A string value may be written without quotes (ULTRA) only when no decoder,
// ours or the reference implementations', can read it as anything else:
// printable ASCII, starting with a letter, ending with a letter or digit,
// none of the characters that delimit or mark values, and no word that any
// of them treats as a keyword or a number.
inline bool can_be_bare(std::string_view s) {
  if (s.empty() || !is_ascii_letter(s[0])) return false;
  char last = s.back();
  if (!(is_ascii_letter(last) || is_ascii_digit(last))) return false;
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
    switch (c) {
      case ',': case ':': case '"': case '\\': case '#': case '[': case ']':
      case '{': case '}': case '(': case ')': case '~': case '\'':
        return false;
      default:
        break;
    }
  }
  for (std::string_view word : {"true", "false", "null", "none", "nan", "inf", "infinity"})
    if (iequals(s, word)) return false;
  return true;
}

}  // namespace aton::syntax
