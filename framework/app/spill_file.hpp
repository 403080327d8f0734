// Bytes set aside on disk while `aton decode` streams, to be copied out in
// the end: the records of every table but the first, which the default
// output ({"a": [...], "b": [...]}) can only write after the first table's
// array is closed, and tables may interleave in the input.
//
// The file has no name: O_TMPFILE in $TMPDIR (else /tmp), or a mkstemp
// file (O_CREAT|O_EXCL) removed at once, so nothing is left behind whatever
// ends the process, and no other process can open it. Memory holds one
// buffer and one entry per run of appends to the same key.
// Errors: aton::Error naming the folder and the OS's reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace aton::app {

class SpillFile {
 public:
  SpillFile();
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  // Appends `bytes` to what is kept under `key`.
  void append(std::size_t key, std::string_view bytes);
  // Everything appended under `key`, in order, handed to `out` in blocks.
  void copy_out(std::size_t key, const std::function<void(std::string_view)>& out);

 private:
  struct Segment {
    std::size_t key;
    std::uint64_t offset;
    std::uint64_t length;
  };
  void flush();

  int fd_ = -1;
  std::string folder_;
  std::string buffer_;
  std::uint64_t written_ = 0;  // bytes in the file, buffer not counted
  std::vector<Segment> segments_;
};

}  // namespace aton::app
