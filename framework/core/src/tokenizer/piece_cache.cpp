#include "piece_cache.hpp"

#include <algorithm>

namespace aton::tokenizer {

void PieceCache::insert(const unsigned char* p, std::size_t n, std::uint64_t hash,
                        std::span<const std::uint32_t> tokens) {
  if (n > kMaxPiece || tokens.empty() || tokens.size() > kMaxPiece) return;
  if (slots_.empty()) {
    slots_.assign(2 * kMaxEntries, Slot{});
    keys_.reserve(kMaxEntries * 8);
    ids_.reserve(kMaxEntries * 4);
  }
  if (entries_ == kMaxEntries || keys_.size() + n > kMaxKeyBytes || ids_.size() + tokens.size() > kMaxIds) clear();
  std::size_t mask = slots_.size() - 1;
  std::size_t i = hash & mask;
  while (slots_[i].tokens != 0) i = (i + 1) & mask;
  slots_[i] = Slot{hash, static_cast<std::uint32_t>(keys_.size()), static_cast<std::uint32_t>(ids_.size()),
                   static_cast<std::uint16_t>(n), static_cast<std::uint16_t>(tokens.size())};
  keys_.insert(keys_.end(), p, p + n);
  ids_.insert(ids_.end(), tokens.begin(), tokens.end());
  ++entries_;
}

void PieceCache::clear() noexcept {
  std::fill(slots_.begin(), slots_.end(), Slot{});
  keys_.clear();
  ids_.clear();
  entries_ = 0;
}

}  // namespace aton::tokenizer
