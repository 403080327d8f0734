// A regular file mapped read-only: its bytes without a copy, at one address
// until the MappedFile is destroyed, for readers of inputs larger than
// memory (`aton encode`, the json source).
//
// Pages are read in as the reader touches them; release_before() hands the
// ones behind the reader back, so resident memory stays flat however large
// the file. A released byte can still be read: the kernel reads its page in
// again.
//
// A file truncated while mapped (log rotation by copytruncate does this):
// touching a page past its new end raises SIGBUS, which would kill the
// process with no message and leave whatever it was writing half done. Two
// ways out were weighed. Checking the file's size before each read narrows
// the window but cannot close it (the file may shrink between the check and
// the read, and the encoder thread reads records' strings in place long
// after they were parsed), and costs a system call per window. So instead a
// SIGBUS handler, installed with the first mapping, looks up the faulting
// address among the live mappings; when it is one of them, it maps zero
// pages from the faulting page to the mapping's end (all of it lies past the
// new end of the file, since a page faults only when it lies wholly past
// it), sets the mapping's truncated() flag and returns, so the faulting read
// goes on and sees zeros. The reader (a NUL byte is never valid JSON) fails
// at the next record, checks truncated() and says the file was truncated
// while it was read; callers also check it after each batch, so records
// that read zeros are never passed on as complete. A SIGBUS elsewhere goes
// to the handler that was there before (or the default action).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
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

  std::string_view view() const noexcept;

  // The bytes before `offset` will not be read again soon: their pages
  // leave memory. Works in steps of megabytes (each call costs the kernel a
  // walk of the range), so most calls do nothing.
  void release_before(std::size_t offset) noexcept;

  // Whether the file shrank while mapped and a read past its new end was
  // answered with zeros (see above). Any thread.
  bool truncated() const noexcept;

  struct Region;  // the mapping as the SIGBUS handler sees it

 private:
  explicit MappedFile(std::unique_ptr<Region> region) noexcept;
  void unmap() noexcept;

  std::unique_ptr<Region> region_;  // a stable address for the handler's table
  std::size_t released_ = 0;
};

}  // namespace aton
