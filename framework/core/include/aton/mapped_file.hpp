// A regular file mapped read-only: its bytes without a copy, at one address
// until the MappedFile is destroyed, for readers of inputs larger than
// memory (`aton encode`, the json source).
//
// Pages are read in as the reader touches them; release_before() hands the
// ones behind the reader back, so resident memory stays flat however large
// the file. A released byte can still be read: the kernel reads its page in
// again. The file must not be truncated while mapped (reading past its new
// end raises SIGBUS, as with any mapping).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace aton {

class MappedFile {
 public:
  // Maps the file open as `fd` when it is a regular file that is not empty;
  // nothing otherwise (a pipe, a terminal, an empty file) or when the system
  // refuses: the caller then reads it another way. `fd` may be closed after.
  static std::optional<MappedFile> map(int fd) noexcept;

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::string_view view() const noexcept { return {data_, size_}; }

  // The bytes before `offset` will not be read again soon: their pages
  // leave memory. Works in steps of megabytes (each call costs the kernel a
  // walk of the range), so most calls do nothing.
  void release_before(std::size_t offset) noexcept;

 private:
  MappedFile(const char* data, std::size_t size) noexcept : data_(data), size_(size) {}

  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t released_ = 0;
};

}  // namespace aton
