// A file written under a temporary name beside its target and renamed into
// place only when complete, so the target path never holds a partial file.
//
// Contract:
// - The constructor creates missing parent folders and the temporary file
//   (".<name>.tmp-<pid>-<n>" in the target's folder, so the rename stays on
//   one file system and is atomic).
// - commit() flushes (and with durable=true fsyncs the file, then its folder,
//   so the data survives a power cut), then renames over the target, or, with
//   Replace::no, fails if the target appeared meanwhile.
// - remove_stale_temps() removes the temporary files of this target that
//   killed runs left (their process is gone); a live process's file stays.
//   It reads the whole folder: call it once per target, after commit().
// - discard() removes the temporary file; the destructor discards unless
//   committed. Neither ever throws.
// - Every error is a std::runtime_error naming the path and the OS's reason.
// Not thread-safe; one writer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace aton::sinks {

class AtomicFile {
 public:
  enum class Replace { yes, no };

  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Starts the file with the target's current content (for append mode),
  // using the kernel's copy so the bytes do not pass through user space.
  // Returns the number of bytes copied (0 if the target does not exist) and
  // sets `ends_with_newline` from the last byte copied.
  std::uint64_t copy_existing_target(bool& ends_with_newline);

  void write(std::string_view bytes);
  void commit(bool durable, Replace replace);
  void discard() noexcept;
  void remove_stale_temps() const noexcept;

  // Resumable runs. length(): the bytes in the temporary file so far.
  // sync(): fsync it. keep(): close it and leave it for a later resume.
  // adopt(): discard this object's own temporary file and continue an
  // interrupted run's instead, cut back to `length` bytes; throws when it is
  // gone, shorter than `length`, or not a temporary file of this target.
  std::uint64_t length() const noexcept { return length_; }
  const std::filesystem::path& temp() const noexcept { return temp_; }
  void sync();
  void keep() noexcept;
  void adopt(const std::filesystem::path& temp, std::uint64_t length);

  const std::filesystem::path& target() const noexcept { return target_; }

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  int fd_ = -1;
  bool done_ = false;
  std::uint64_t length_ = 0;
};

// "<what> <path>: <strerror(error)>", the shape of every I/O error here.
std::string os_error(std::string_view what, const std::filesystem::path& path, int error);

// Creates the folder that will hold `target`, with its missing parents; when
// a file is in the way, the error names that file.
void create_parent_folders(const std::filesystem::path& target);

}  // namespace aton::sinks
