// Input and output for the CLI: a path or "-" for stdin / stdout.
#pragma once

#include <aton/mapped_file.hpp>
#include <aton/output_file.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace aton::app {

// The whole text of `path` ("-" reads stdin). A regular file is mapped, not
// read: no copy, and pages the kernel can drop again. Anything else (a pipe,
// a terminal) is read into memory. Throws aton::Error naming the path and
// the OS's reason. The file must not shrink while mapped.
class InputText {
 public:
  explicit InputText(const std::string& path);
  InputText(const InputText&) = delete;
  InputText& operator=(const InputText&) = delete;

  std::string_view view() const noexcept { return view_; }
  // Tells the kernel the text before `offset` will not be read again, so a
  // mapped file's pages leave memory behind the reader: resident memory
  // stays flat however large the file.
  void release_before(std::size_t offset) noexcept {
    if (mapped_) mapped_->release_before(offset);
  }

 private:
  std::string read_;
  std::optional<MappedFile> mapped_;
  std::string_view view_;
};

// Writes to `path` ("-" is stdout) through aton::OutputFile: a file is
// written beside its target and renamed into place by commit(), so a failed
// command leaves no half file; a symlink is followed, and a device or FIFO
// (-o /dev/null) is written through, never replaced. Writes are buffered.
class Output {
 public:
  explicit Output(const std::string& path);
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  void write(std::string_view text);
  void flush();
  void commit();

 private:
  void put(std::string_view text);

  std::string path_;
  std::optional<OutputFile> file_;  // none: stdout
  std::string buffer_;
};

}  // namespace aton::app
