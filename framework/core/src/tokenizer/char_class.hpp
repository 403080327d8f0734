// The classes of code points that the split rules of o200k_base and
// cl100k_base ask about, as Unicode 16.0 assigns them (the tables of Rust's
// regex crate, which tiktoken matches with): see unicode_classes.inc.
#pragma once

#include <cstdint>

namespace aton::tokenizer {

// Bits, so that a rule's character class is one mask test.
enum CharFlags : std::uint8_t {
  kLetter = 1 << 0,   // \p{L}
  kNumber = 1 << 1,   // \p{N}
  kSpace = 1 << 2,    // \s: White_Space
  kUpper = 1 << 3,    // o200k's [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
  kLower = 1 << 4,    // o200k's [\p{Ll}\p{Lm}\p{Lo}\p{M}]
  kNewline = 1 << 5,  // \r or \n
};

// The flags of a code point (any value up to 0x10FFFF; surrogates and
// unassigned code points have none). The table behind it is built on first
// use (thread-safe) from the ranges in unicode_classes.inc.
std::uint8_t char_flags(char32_t cp) noexcept;

}  // namespace aton::tokenizer
