#include "char_class.hpp"

#include <array>
#include <cstring>
#include <map>
#include <vector>

namespace aton::tokenizer {
namespace {

constexpr std::uint32_t kRanges[] = {
#include "unicode_classes.inc"
};

// Class numbers of unicode_classes.inc to flags.
constexpr std::uint8_t kClassFlags[8] = {
    0,                                 // other
    kLetter | kUpper,                  // Lu Lt
    kLetter | kLower,                  // Ll
    kLetter | kUpper | kLower,         // Lm Lo
    kUpper | kLower,                   // Mn Mc Me
    kNumber,                           // Nd Nl No
    kSpace,                            // White_Space
    0,
};

constexpr char32_t kCodePoints = 0x110000;
constexpr unsigned kBlockBits = 8;
constexpr unsigned kBlockSize = 1u << kBlockBits;

// Two stages: the block of a code point (its high bits), then its flags in
// that block. Of the 4,352 blocks of 256 code points only about 140 differ,
// so the table is some 45 KB where a flat one would be 1.1 MB.
struct Table {
  std::vector<std::uint16_t> block_of;  // kCodePoints / kBlockSize entries
  std::vector<std::uint8_t> flags;      // distinct blocks, kBlockSize each

  Table() {
    std::vector<std::uint8_t> all(kCodePoints);
    constexpr std::size_t n = sizeof kRanges / sizeof kRanges[0];
    for (std::size_t i = 0; i < n; ++i) {
      char32_t first = kRanges[i] >> 3;
      char32_t end = i + 1 < n ? kRanges[i + 1] >> 3 : kCodePoints;
      std::memset(all.data() + first, kClassFlags[kRanges[i] & 7], end - first);
    }
    all['\r'] |= kNewline;
    all['\n'] |= kNewline;
    std::map<std::array<std::uint8_t, kBlockSize>, std::uint16_t> seen;
    block_of.resize(kCodePoints / kBlockSize);
    for (std::size_t b = 0; b < block_of.size(); ++b) {
      std::array<std::uint8_t, kBlockSize> block;
      std::memcpy(block.data(), all.data() + b * kBlockSize, kBlockSize);
      auto [it, added] = seen.emplace(block, static_cast<std::uint16_t>(seen.size()));
      if (added) flags.insert(flags.end(), block.begin(), block.end());
      block_of[b] = it->second;
    }
  }
};

}  // namespace

std::uint8_t char_flags(char32_t cp) noexcept {
  static const Table table;
  if (cp >= kCodePoints) return 0;
  return table.flags[(std::size_t{table.block_of[cp >> kBlockBits]} << kBlockBits) | (cp & (kBlockSize - 1))];
}

}  // namespace aton::tokenizer
