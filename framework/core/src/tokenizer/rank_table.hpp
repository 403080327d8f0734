// The BPE ranks of one encoding: token bytes to rank (the token id) and
// back, read from tiktoken's .tiktoken form (one "<base64 bytes> <rank>"
// line per token). Immutable once loaded; lookups are safe from any thread.
#pragma once

#include "bytes_hash.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aton::tokenizer {

class RankTable {
 public:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  // Parses the text of a .tiktoken file: ranks must run 0, 1, 2... in line
  // order and every token must be distinct and non-empty. Throws
  // TokenizerError naming `file` and the line on anything else.
  RankTable(std::string_view text, const std::string& file);

  // The rank of the token with these bytes, or kNone. `hash` is
  // hash_bytes(p, n).
  std::uint32_t find(const unsigned char* p, std::size_t n, std::uint64_t hash) const noexcept {
    std::size_t mask = slots_.size() - 1;
    std::uint32_t tag = static_cast<std::uint32_t>(hash >> 32);
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.rank == kNone) return kNone;
      if (s.tag == tag && offsets_[s.rank + 1] - offsets_[s.rank] == n &&
          same_bytes(reinterpret_cast<const unsigned char*>(bytes_.data()) + offsets_[s.rank], p, n))
        return s.rank;
    }
  }
  std::uint32_t find(const unsigned char* p, std::size_t n) const noexcept;

  // The rank of a single byte (every byte is a token of both encodings).
  std::uint32_t byte_rank(unsigned char b) const noexcept { return byte_ranks_[b]; }

  std::size_t size() const noexcept { return offsets_.size() - 1; }
  std::string_view bytes(std::uint32_t rank) const noexcept {
    return std::string_view(bytes_).substr(offsets_[rank], offsets_[rank + 1] - offsets_[rank]);
  }

 private:
  struct Slot {
    std::uint32_t tag;  // the hash's high half: most misses end here
    std::uint32_t rank;
  };

  std::string bytes_;                  // every token's bytes, in rank order
  std::vector<std::uint32_t> offsets_;  // token r is bytes_[offsets_[r], offsets_[r + 1])
  std::vector<Slot> slots_;            // open addressing, a power of two, at most half full
  std::uint32_t byte_ranks_[256];
};

}  // namespace aton::tokenizer
