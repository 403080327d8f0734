// Texts that the tokenizer tests compare with tiktoken, each a valid UTF-8
// string, the same on every run (seeded): every Unicode general category in
// the contexts where the split rules look at it, emoji and ZWJ sequences,
// CJK, combining marks, whitespace runs, digit runs, contractions in every
// case, punctuation runs, UTF-8 boundary code points, random mixtures, long
// runs, and a sweep over the code points.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace aton::test {

struct TokenText {
  std::string kind;  // what it exercises: "whitespace", "emoji", ...
  std::string text;
};

// Some 15,000 texts of up to a few hundred bytes, and a few long ones.
std::vector<TokenText> token_test_texts();

// Code points in runs of `per_text`, each in contexts that show its class:
// all of planes 0 and 1 and of U+E0000..U+E0FFF (tags, variation
// selectors), every 16th code point of planes 2 and 3, every 4,099th of the
// rest (unassigned or private use).
std::vector<TokenText> code_point_sweep(std::size_t per_text = 64);

}  // namespace aton::test
