// Writing a file without harming what its path names: the one primitive
// behind `aton encode -o`, `aton decode -o`, the file sink and the
// checkpoint writer. It lives in the core so the CLI and the host link it,
// and the file sink links it statically, as the json source links the core.
//
// WHAT HAPPENS TO THE PATH
// - Missing, or a regular file: the bytes go to a temporary file beside it,
//   ".<name>.tmp-<pid>-<16 random hex digits>", created with
//   O_CREAT|O_EXCL|O_NOFOLLOW: a name planted in advance (a symlink to a
//   victim) is never followed nor reused, and the random part (getrandom)
//   makes the name unguessable. commit() renames it over the path, so a
//   reader sees the old file or the new one, never a part of one. The pid
//   lets remove_stale_temps() tell a killed writer's file from a live one's.
// - A symlink, or a chain of them, is followed: the temporary file goes
//   beside the file it finally names and commit() replaces that file; the
//   symlink stays a symlink. A dangling symlink: the file it names is made.
// - Exists and is not a regular file (a character or block device, a FIFO,
//   a socket): opened and written through, as a shell's `>` would, with no
//   temporary file and no rename: /dev/null stays /dev/null and a FIFO's
//   reader gets the bytes. What is written cannot be taken back: discard()
//   and keep() only close it. Opening a FIFO waits for its reader.
// - A folder: refused.
//
// Contract:
// - The folder must exist (callers that create folders do so first).
// - A regular file being replaced keeps its permissions (a 0600 file stays
//   private); a new file gets `permissions` less the umask.
// - commit(durable): with durable, fsyncs the data, then renames, then
//   fsyncs the folder, so the data survives a power cut. A device or FIFO
//   that cannot be synced is not an error.
// - The destructor discards unless committed or kept; discard() and keep()
//   never throw.
// - Errors: aton::Error naming the path and the OS's reason (a full disk
//   says so, and what to do).
// Not thread-safe: one writer per object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace aton {

// Which file a path names, independent of its name: what a resumed run
// checks before it continues a file an interrupted run began. An inode
// number freed by a removed file may be given to the next new file, so the
// file's birth time is compared too where the file system records one.
struct FileId {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t born_ns = 0;  // 0: not recorded by the file system
};

// The same device and inode, born at the same time when both know it.
bool same_file(const FileId& a, const FileId& b) noexcept;

class OutputFile {
 public:
  enum class Replace { yes, no };
  enum class Adoption { resumed, already_in_place };

  explicit OutputFile(const std::filesystem::path& path, unsigned permissions = 0666);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view bytes);
  // fsync of what was written so far (a checkpoint that counts these bytes
  // must not outlive them).
  void sync();
  // Makes the file final (see the contract). With Replace::no the rename
  // fails when the target exists: returns false and renames nothing (the
  // temporary file is still there: discard() it). A direct target is never
  // "replaced": it returns true.
  [[nodiscard]] bool commit(bool durable, Replace replace = Replace::yes);
  void discard() noexcept;
  // Closes the temporary file and leaves it for a resumed run to adopt().
  void keep() noexcept;

  // Starts the file with the target's current content (append mode), with
  // the kernel's copy so the bytes do not pass through user space. Returns
  // the bytes copied (0 when the target does not exist, or is direct) and
  // sets `ends_with_newline` from the last one.
  std::uint64_t copy_existing_target(bool& ends_with_newline);

  // Continues an interrupted run's temporary file `temp`, cut back to
  // `length` bytes, instead of this object's own (which is removed). The
  // file is opened without following a symlink and must be the very file
  // that run wrote (a regular file with identity `id`), else it is refused:
  // a file planted under that name is never opened for writing. When `temp`
  // is gone and the target is that file, the run had renamed it into place
  // already: returns already_in_place, and commit() then does nothing.
  // Throws aton::Error saying which of these failed.
  Adoption adopt(const std::filesystem::path& temp, FileId id, std::uint64_t length);

  // Removes the temporary files of this target that writers now gone left
  // (killed runs); a live process's file stays. Reads the whole folder:
  // call it once, after commit(). Never throws.
  void remove_stale_temps() const noexcept;

  bool direct() const noexcept { return direct_; }
  // The file written or replaced: symlinks resolved.
  const std::filesystem::path& target() const noexcept { return target_; }
  // The temporary file (empty when direct).
  const std::filesystem::path& temp() const noexcept { return temp_; }
  FileId id() const noexcept { return id_; }
  std::uint64_t length() const noexcept { return length_; }

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  int fd_ = -1;
  bool direct_ = false;
  bool done_ = false;      // committed, discarded or kept: the destructor leaves it
  bool in_place_ = false;  // adopt() found the file already renamed into place
  FileId id_;
  std::uint64_t length_ = 0;
};

// Removes the temporary files beside `target` (".<name>.tmp-<pid>-...") whose
// writer is no longer running; never throws. OutputFile::remove_stale_temps()
// is this for its resolved target.
void remove_stale_temps(const std::filesystem::path& target) noexcept;

// "<what> <path>: <strerror(error)>", with a hint when the disk is full: the
// shape of every I/O error about a file.
std::string io_error(std::string_view what, const std::filesystem::path& path, int error);

}  // namespace aton
