// The pre-tokenizers of o200k_base and cl100k_base: where tiktoken's split
// regex cuts a text into pieces, written out by hand (no regex engine).
// BPE then never merges across a cut.
//
// tiktoken's patterns (tiktoken_ext/openai_public.py; the npm package
// tiktoken carries the same), with P = [^\r\n\p{L}\p{N}],
// UP = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}], LO = [\p{Ll}\p{Lm}\p{Lo}\p{M}],
// C = (?i:'s|'t|'re|'ve|'m|'ll|'d):
//
//   o200k_base   P?UP*LO+C? | P?UP+LO*C? | \p{N}{1,3} | ' '?[^\s\p{L}\p{N}]+[\r\n/]*
//                | \s*[\r\n]+ | \s+(?!\S) | \s+
//   cl100k_base  C | P?\p{L}+ | \p{N}{1,3} | ' '?[^\s\p{L}\p{N}]+[\r\n]*
//                | \s*[\r\n]+ | \s+(?!\S) | \s+
//
// A backtracking engine takes the first alternative that matches at the
// current position (every character starts some match, so the pieces tile
// the text). Each function below returns where that match ends, following
// the engine's backtracking where it matters: UP and LO overlap, so UP*LO+
// gives back upper-set characters until LO+ gets one; \s*[\r\n]+ ends after
// the run's last newline; \s+(?!\S) leaves a run's last character to the
// next piece when a non-space follows. (?i) folds as Rust's regex crate does:
// 's also matches 'S and 'ſ (U+017F).
//
// Python's tiktoken (0.8 and later) writes cl100k_base with possessive
// quantifiers and \s++$ before \s*[\r\n]: that splits trailing whitespace
// after a newline at the very end of a text differently ("\n " is one piece
// there, two here), yet gives the same tokens (no token of either
// vocabulary holds a newline followed by blanks at its end; checked on
// 1.46 million whitespace tails). The pattern here is the one the tests'
// reference runs.
//
// Text is UTF-8. A byte that does not begin a valid UTF-8 sequence counts as
// one character of no class (like a symbol), so any bytes split and encode
// (tiktoken itself only takes valid text).
#pragma once

#include "char_class.hpp"

#include "../utf8.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aton::tokenizer {

namespace split_detail {

struct Char {
  std::uint8_t flags;
  std::uint8_t size;  // bytes
};

// The flags of ASCII, without the table lookup (a test checks they agree).
inline constexpr std::uint8_t kAsciiFlags[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, kSpace, kSpace | kNewline, kSpace, kSpace, kSpace | kNewline, 0, 0,  //
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                                                   //
    kSpace, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                                              //
    kNumber, kNumber, kNumber, kNumber, kNumber, kNumber, kNumber, kNumber, kNumber, kNumber, 0, 0, 0, 0, 0, 0,
#define ATON_U (kLetter | kUpper)
#define ATON_L (kLetter | kLower)
    0, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U,
    ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, ATON_U, 0, 0, 0, 0, 0,  //
    0, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L,
    ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, ATON_L, 0, 0, 0, 0, 0,
#undef ATON_U
#undef ATON_L
};

// Reads characters of one text.
class Text {
 public:
  explicit Text(std::string_view text) noexcept
      : p_(reinterpret_cast<const unsigned char*>(text.data())), n_(text.size()) {}

  std::size_t size() const noexcept { return n_; }
  unsigned char byte(std::size_t i) const noexcept { return p_[i]; }

  // The character at i (< size()).
  Char at(std::size_t i) const noexcept {
    unsigned char b = p_[i];
    if (b < 0x80) return {kAsciiFlags[b], 1};
    return decode(i);
  }

 private:
  Char decode(std::size_t i) const noexcept {
    const char* s = reinterpret_cast<const char*>(p_ + i);
    int len = aton::detail::utf8_sequence_length(s, reinterpret_cast<const char*>(p_ + n_));
    if (len <= 0) return {0, 1};
    char32_t cp = p_[i] & (0x7F >> len);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (p_[i + k] & 0x3F);
    return {char_flags(cp), static_cast<std::uint8_t>(len)};
  }

  const unsigned char* p_;
  std::size_t n_;
};

inline constexpr std::size_t kNoMatch = static_cast<std::size_t>(-1);

inline bool is_prefix(std::uint8_t f) { return !(f & (kLetter | kNumber | kNewline)); }  // P
inline bool is_symbol(std::uint8_t f) { return !(f & (kSpace | kLetter | kNumber)); }   // [^\s\p{L}\p{N}]

// The end of the run of characters having any of `mask` from i.
inline std::size_t run(const Text& t, std::size_t i, std::uint8_t mask) {
  while (i < t.size()) {
    Char c = t.at(i);
    if (!(c.flags & mask)) break;
    i += c.size;
  }
  return i;
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d) at i: its end, or i.
inline std::size_t contraction_end(const Text& t, std::size_t i) {
  if (i + 1 >= t.size() || t.byte(i) != '\'') return i;
  auto lower = [&](std::size_t k) -> unsigned char {
    return k < t.size() ? static_cast<unsigned char>(t.byte(k) | 0x20) : 0;
  };
  switch (lower(i + 1)) {
    case 's':
    case 't':
    case 'm':
    case 'd':
      return i + 2;
    case 'r':
    case 'v':
      return lower(i + 2) == 'e' ? i + 3 : i;
    case 'l':
      return lower(i + 2) == 'l' ? i + 3 : i;
    default:
      // U+017F LATIN SMALL LETTER LONG S folds to s.
      return t.byte(i + 1) == 0xC5 && i + 2 < t.size() && t.byte(i + 2) == 0xBF ? i + 3 : i;
  }
}

// UP*LO+ from i, as a backtracking engine matches it.
inline std::size_t upper_star_lower_plus(const Text& t, std::size_t i) {
  std::size_t last_lower_end = kNoMatch;
  while (i < t.size()) {
    Char c = t.at(i);
    if (!(c.flags & kUpper)) break;
    i += c.size;
    if (c.flags & kLower) last_lower_end = i;
  }
  if (i < t.size() && (t.at(i).flags & kLower)) return run(t, i, kLower);
  // LO+ found nothing after the greedy UP*: UP* gives back characters up to
  // the last one that is in LO too, which LO+ then takes alone.
  return last_lower_end;
}

// UP+LO* from i.
inline std::size_t upper_plus_lower_star(const Text& t, std::size_t i) {
  std::size_t end = run(t, i, kUpper);
  return end == i ? kNoMatch : run(t, end, kLower);
}

// \p{N}{1,3} from i (a number there).
inline std::size_t numbers_end(const Text& t, std::size_t i) {
  for (int k = 0; k < 3 && i < t.size(); ++k) {
    Char c = t.at(i);
    if (!(c.flags & kNumber)) break;
    i += c.size;
  }
  return i;
}

// ' '?[^\s\p{L}\p{N}]+ then a run of `tail` bytes ("\r\n/" or "\r\n").
inline std::size_t symbols_end(const Text& t, std::size_t i, Char c0, bool slash_tail) {
  std::size_t start;
  if (t.byte(i) == ' ' && i + 1 < t.size() && is_symbol(t.at(i + 1).flags)) {
    start = i + 1;
  } else if (is_symbol(c0.flags)) {
    start = i;
  } else {
    return kNoMatch;
  }
  std::size_t end = start;
  while (end < t.size()) {
    Char c = t.at(end);
    if (!is_symbol(c.flags)) break;
    end += c.size;
  }
  while (end < t.size()) {
    unsigned char b = t.byte(end);
    if (b != '\r' && b != '\n' && !(slash_tail && b == '/')) break;
    ++end;
  }
  return end;
}

// \s*[\r\n]+ | \s+(?!\S) | \s+ from i (a space there).
inline std::size_t spaces_end(const Text& t, std::size_t i) {
  std::size_t last_newline_end = kNoMatch, last_start = i, count = 0;
  while (i < t.size()) {
    Char c = t.at(i);
    if (!(c.flags & kSpace)) break;
    if (c.flags & kNewline) last_newline_end = i + c.size;
    last_start = i;
    i += c.size;
    ++count;
  }
  if (count == 0) return i + t.at(i).size;                     // not reached: no rule left
  if (last_newline_end != kNoMatch) return last_newline_end;  // \s*[\r\n]+
  if (i == t.size()) return i;                                 // \s+(?!\S) at the end
  if (count >= 2) return last_start;                           // \s+(?!\S) before a non-space
  return i;                                                    // \s+
}

}  // namespace split_detail

// The end of o200k_base's piece starting at `pos` (< text.size()).
inline std::size_t o200k_piece_end(std::string_view text, std::size_t pos) {
  using namespace split_detail;
  Text t(text);
  Char c0 = t.at(pos);
  if (!(c0.flags & (kNumber | kNewline))) {  // a letter, a mark or a P
    bool prefix = is_prefix(c0.flags);
    std::size_t end;
    if ((prefix && (end = upper_star_lower_plus(t, pos + c0.size)) != kNoMatch) ||
        (end = upper_star_lower_plus(t, pos)) != kNoMatch ||
        (prefix && (end = upper_plus_lower_star(t, pos + c0.size)) != kNoMatch) ||
        (end = upper_plus_lower_star(t, pos)) != kNoMatch)
      return contraction_end(t, end);
  }
  if (c0.flags & kNumber) return numbers_end(t, pos);
  std::size_t end = symbols_end(t, pos, c0, true);
  return end != kNoMatch ? end : spaces_end(t, pos);
}

// The end of cl100k_base's piece starting at `pos` (< text.size()).
inline std::size_t cl100k_piece_end(std::string_view text, std::size_t pos) {
  using namespace split_detail;
  Text t(text);
  std::size_t end = contraction_end(t, pos);
  if (end != pos) return end;
  Char c0 = t.at(pos);
  if (c0.flags & kLetter) return run(t, pos, kLetter);
  if (is_prefix(c0.flags) && pos + c0.size < t.size() && (t.at(pos + c0.size).flags & kLetter))
    return run(t, pos + c0.size, kLetter);
  if (c0.flags & kNumber) return numbers_end(t, pos);
  end = symbols_end(t, pos, c0, false);
  return end != kNoMatch ? end : spaces_end(t, pos);
}

}  // namespace aton::tokenizer
