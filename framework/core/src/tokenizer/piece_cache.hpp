// The tokens of pieces met before, for one thread and one tokenizer. ATON
// repeats its pieces row after row (the same names, separators, numbers), so
// most pieces that need byte pair merges were merged already.
//
// Bounded: at most kMaxEntries pieces of at most kMaxPiece bytes, holding
// at most kMaxKeyBytes of piece bytes and kMaxIds tokens in all (some 3.5 MB
// with the slots); when full it empties and fills again (cheap, and the
// pieces that repeat come back at once). Memory is taken on first insert.
#pragma once

#include "bytes_hash.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace aton::tokenizer {

class PieceCache {
 public:
  static constexpr std::size_t kMaxPiece = 128;
  static constexpr std::size_t kMaxEntries = 1 << 15;
  static constexpr std::size_t kMaxKeyBytes = 1 << 20;
  static constexpr std::size_t kMaxIds = 1 << 18;

  // The tokens of the piece, or an empty span when it is not cached.
  std::span<const std::uint32_t> find(const unsigned char* p, std::size_t n, std::uint64_t hash) const noexcept {
    if (slots_.empty()) return {};
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.tokens == 0) return {};
      if (s.hash == hash && s.key_size == n && same_bytes(keys_.data() + s.key, p, n))
        return {ids_.data() + s.ids, s.tokens};
    }
  }

  // Remembers the tokens of a piece not cached yet (n <= kMaxPiece, at least
  // one token).
  void insert(const unsigned char* p, std::size_t n, std::uint64_t hash, std::span<const std::uint32_t> tokens);

  void clear() noexcept;

 private:
  struct Slot {
    std::uint64_t hash;
    std::uint32_t key;   // offset in keys_
    std::uint32_t ids;   // offset in ids_
    std::uint16_t key_size;
    std::uint16_t tokens;  // 0: an empty slot
  };

  std::vector<Slot> slots_;  // 2 * kMaxEntries once used
  std::vector<unsigned char> keys_;
  std::vector<std::uint32_t> ids_;
  std::size_t entries_ = 0;
};

}  // namespace aton::tokenizer
