// A map from strings to small numbers for the encoder's per-value lookups
// (dictionary entries, column keys): open addressing over one flat array
// and a hash that reads a short string in two loads. Lookups never insert,
// so the input cannot lengthen the probe chains. The strings are not
// owned: they must outlive the index.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace aton::detail {

// Two equal-sized strings of sizeof(Word) to 2 * sizeof(Word) bytes are
// equal when their first and last words are: two overlapping loads a side.
template <class Word>
inline bool same_by_two_words(std::string_view a, std::string_view b) noexcept {
  Word x0, y0, x1, y1;
  std::memcpy(&x0, a.data(), sizeof(Word));
  std::memcpy(&y0, b.data(), sizeof(Word));
  std::memcpy(&x1, a.data() + a.size() - sizeof(Word), sizeof(Word));
  std::memcpy(&y1, b.data() + b.size() - sizeof(Word), sizeof(Word));
  return ((x0 ^ y0) | (x1 ^ y1)) == 0;
}

// String equality without a call for the short strings records are made of
// (keys, enum-like values), never reading past either string.
inline bool same_short_string(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.size() >= 8 && a.size() <= 16) return same_by_two_words<std::uint64_t>(a, b);
  if (a.size() >= 4 && a.size() < 8) return same_by_two_words<std::uint32_t>(a, b);
  if (a.size() < 4) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  return a == b;
}

class StringIndex {
 public:
  // The number stored for `key`, or nullptr.
  const std::uint32_t* find(std::string_view key) const noexcept {
    if (slots_.empty()) return nullptr;
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.value == kEmpty) return nullptr;
      if (same_short_string({s.data, s.size}, key)) return &s.value;
    }
  }
  bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }

  // Adds `key` unless present; returns false when it was.
  bool emplace(std::string_view key, std::uint32_t value) {
    if (contains(key)) return false;
    if ((count_ + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    place(key, value);
    ++count_;
    return true;
  }

  bool empty() const noexcept { return count_ == 0; }
  std::size_t size() const noexcept { return count_; }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    const char* data = nullptr;
    std::uint32_t size = 0;
    std::uint32_t value = kEmpty;
  };

  static std::uint64_t load(const char* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    std::memcpy(&v, p, n);
    return v;
  }
  static std::size_t hash(std::string_view s) noexcept {
    std::uint64_t h = s.size() * 0x9E3779B97F4A7C15ULL;
    if (s.size() >= 8) {
      h ^= load(s.data(), 8) * 0xC2B2AE3D27D4EB4FULL;
      h ^= load(s.data() + s.size() - 8, 8) * 0x165667B19E3779F9ULL;
      for (std::size_t i = 8; i + 8 < s.size(); i += 8) h = (h ^ load(s.data() + i, 8)) * 0x9E3779B97F4A7C15ULL;
    } else if (!s.empty()) {
      h ^= load(s.data(), s.size()) * 0xC2B2AE3D27D4EB4FULL;
    }
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return static_cast<std::size_t>(h ^ (h >> 32));
  }
  void place(std::string_view key, std::uint32_t value) {
    std::size_t mask = slots_.size() - 1;
    std::size_t i = hash(key) & mask;
    while (slots_[i].value != kEmpty) i = (i + 1) & mask;
    slots_[i] = Slot{key.data(), static_cast<std::uint32_t>(key.size()), value};
  }
  void rehash(std::size_t capacity) {
    std::vector<Slot> old(capacity);
    old.swap(slots_);
    for (const Slot& s : old)
      if (s.value != kEmpty) place({s.data, s.size}, s.value);
  }

  std::vector<Slot> slots_;
  std::size_t count_ = 0;
};

}  // namespace aton::detail
