// A fast 64-bit hash of short byte strings (tokens and pieces are mostly a
// few bytes), for the rank table and the piece caches: one hash per piece
// serves all three. Not for anything an attacker chooses to collide: tables
// that use it compare the bytes too, with same_bytes().
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace aton::tokenizer {

namespace hash_detail {

inline std::uint64_t read8(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline std::uint64_t read4(const unsigned char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// The two halves of the 128-bit product, folded.
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) {
  unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

inline constexpr std::uint64_t kK0 = 0xa0761d6478bd642full;
inline constexpr std::uint64_t kK1 = 0xe7037ed1a0b428dbull;
inline constexpr std::uint64_t kK2 = 0x8ebc6af09c88c6e3ull;

}  // namespace hash_detail

inline std::uint64_t hash_bytes(const unsigned char* p, std::size_t n) {
  using namespace hash_detail;
  std::uint64_t seed = kK0 ^ n;
  std::uint64_t a, b;
  if (n <= 16) {
    // Overlapping reads cover 4..16 bytes without a loop or a branch per byte.
    if (n >= 4) {
      std::size_t step = (n >> 3) << 2;
      a = (read4(p) << 32) | read4(p + step);
      b = (read4(p + n - 4) << 32) | read4(p + n - 4 - step);
    } else if (n > 0) {
      a = (std::uint64_t{p[0]} << 16) | (std::uint64_t{p[n >> 1]} << 8) | p[n - 1];
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    std::size_t i = n;
    while (i > 16) {
      seed = fold_multiply(read8(p) ^ kK1, read8(p + 8) ^ seed);
      p += 16;
      i -= 16;
    }
    a = read8(p + i - 16);
    b = read8(p + i - 8);
  }
  return fold_multiply(kK1 ^ n, fold_multiply(a ^ kK1, b ^ seed) ^ kK2);
}

// a[0, n) == b[0, n): two overlapping loads up to 16 bytes, where memcmp
// would be a call for the few bytes of a token.
inline bool same_bytes(const unsigned char* a, const unsigned char* b, std::size_t n) {
  using namespace hash_detail;
  if (n > 16) return std::memcmp(a, b, n) == 0;
  if (n >= 8) return read8(a) == read8(b) && read8(a + n - 8) == read8(b + n - 8);
  if (n >= 4) return read4(a) == read4(b) && read4(a + n - 4) == read4(b + n - 4);
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

}  // namespace aton::tokenizer
