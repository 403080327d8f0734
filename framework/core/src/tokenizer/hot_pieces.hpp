// The most recent short pieces of one thread, for one tokenizer: a small
// direct-mapped table (128 KB, stays in the core's cache) in front of the
// rank table and the piece cache. ATON text is a few hundred distinct short
// pieces over and over (separators, column values, digit groups), so most
// pieces are answered here with one probe and one compare of at most 14
// bytes, where the rank table of o200k_base is 4 MB of random probes.
// Overwritten freely: a piece whose slot is taken is looked up again.
#pragma once

#include "bytes_hash.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace aton::tokenizer {

class HotPieces {
 public:
  static constexpr std::size_t kMaxPiece = 14;
  static constexpr std::size_t kMaxTokens = 2;

  struct Entry {
    std::uint64_t hash;
    std::uint8_t size;    // 0: empty
    std::uint8_t tokens;  // 1 or 2
    unsigned char key[kMaxPiece];
    std::uint32_t ids[kMaxTokens];
  };

  // The entry of the piece p[0, n) (n <= kMaxPiece), or nullptr.
  const Entry* find(const unsigned char* p, std::size_t n, std::uint64_t hash) const noexcept {
    if (!entries_) return nullptr;
    const Entry& e = entries_[hash & kMask];
    return e.hash == hash && e.size == n && same_bytes(e.key, p, n) ? &e : nullptr;
  }

  // Remembers a piece of at most kMaxPiece bytes and kMaxTokens tokens,
  // in place of the one in its slot.
  void insert(const unsigned char* p, std::size_t n, std::uint64_t hash, const std::uint32_t* ids,
              std::size_t tokens) {
    if (n == 0 || n > kMaxPiece || tokens == 0 || tokens > kMaxTokens) return;
    if (!entries_) entries_ = std::make_unique<Entry[]>(kEntries);
    Entry& e = entries_[hash & kMask];
    e.hash = hash;
    e.size = static_cast<std::uint8_t>(n);
    e.tokens = static_cast<std::uint8_t>(tokens);
    std::memcpy(e.key, p, n);
    std::memcpy(e.ids, ids, tokens * sizeof ids[0]);
  }

  void clear() noexcept { entries_.reset(); }

 private:
  static constexpr std::size_t kEntries = 4096;
  static constexpr std::size_t kMask = kEntries - 1;

  std::unique_ptr<Entry[]> entries_;  // kEntries once used
};

}  // namespace aton::tokenizer
