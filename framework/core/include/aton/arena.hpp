// A bump allocator for the bytes and nodes of one batch of records.
//
// Values never own memory: their strings, arrays and objects live in an
// Arena, and everything a batch holds is freed at once by reset() or by the
// arena's destruction. This keeps the hot path free of per-value heap calls.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace aton {

class Arena {
 public:
  explicit Arena(std::size_t block_size = 64 * 1024) : block_size_(block_size) {}
  Arena(Arena&&) noexcept = default;
  Arena& operator=(Arena&&) noexcept = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Raw storage, aligned to `align` (a power of two).
  void* allocate(std::size_t bytes, std::size_t align = alignof(std::max_align_t)) {
    std::size_t offset = (used_ + align - 1) & ~(align - 1);
    if (blocks_.empty() || offset + bytes > capacity_) {
      grow(bytes + align);
      offset = (used_ + align - 1) & ~(align - 1);
    }
    used_ = offset + bytes;
    return blocks_.back().get() + offset;
  }

  template <class T>
  T* allocate_array(std::size_t count) {
    return static_cast<T*>(allocate(sizeof(T) * count, alignof(T)));
  }

  // A copy of `text` that lives as long as the arena's current contents.
  std::string_view copy(std::string_view text) {
    if (text.empty()) return {};
    char* out = static_cast<char*>(allocate(text.size(), 1));
    std::memcpy(out, text.data(), text.size());
    return {out, text.size()};
  }

  // Drops every allocation but keeps the first block for reuse.
  void reset() noexcept {
    if (blocks_.size() > 1) {
      blocks_.erase(blocks_.begin() + 1, blocks_.end());
      capacity_ = first_capacity_;
      reserved_ = first_capacity_;
    }
    used_ = 0;
  }

  // Bytes reserved from the system, for memory accounting.
  std::size_t reserved() const noexcept { return reserved_; }

 private:
  void grow(std::size_t at_least) {
    std::size_t size = at_least > block_size_ ? at_least : block_size_;
    blocks_.emplace_back(new std::byte[size]);
    if (blocks_.size() == 1) first_capacity_ = size;
    capacity_ = size;
    used_ = 0;
    reserved_ += size;
  }

  std::size_t block_size_;
  std::vector<std::unique_ptr<std::byte[]>> blocks_;
  std::size_t capacity_ = 0;
  std::size_t first_capacity_ = 0;
  std::size_t used_ = 0;
  std::size_t reserved_ = 0;
};

}  // namespace aton
