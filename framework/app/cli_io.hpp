// Input and output for the CLI: a path or "-" for stdin / stdout.
#pragma once

#include <aton/json.hpp>
#include <aton/mapped_file.hpp>
#include <aton/output_file.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton::app {

// The text of `path` ("-" reads stdin) as aton::for_each_batch reads it. A
// regular file is mapped, not read: no copy, one stable window, and pages
// the kernel can drop again behind the reader. Anything else (a pipe, a
// terminal, a device) is read in blocks of 256 KiB: the window holds what
// was read and not consumed, and grows only while one value needs it (the
// reader holds a value to --max-record-bytes), so memory stays flat however
// long the stream. Throws aton::Error naming the path and the OS's reason.
// A file that shrinks while mapped reads as zeros and says so (truncated()).
class InputText final : public JsonText {
 public:
  explicit InputText(const std::string& path);
  ~InputText() override;
  InputText(const InputText&) = delete;
  InputText& operator=(const InputText&) = delete;

  std::string_view window() const override { return {data_ + pos_, end_ - pos_}; }
  void consume(std::size_t n) override { pos_ += n; }
  bool more() override;
  bool ended() const override { return eof_; }
  bool stable() const override { return mapped_.has_value(); }
  std::size_t offset() const override { return consumed_ + pos_; }
  bool truncated() const override { return mapped_ && mapped_->truncated(); }

  // All of the text at once, for `aton decode` (which holds its whole
  // output anyway): the mapping, or stdin read to its end.
  std::string_view view() {
    while (more()) {
    }
    return window();
  }

  // Tells the kernel the text before `offset` will not be read again, so a
  // mapped file's pages leave memory behind the reader: resident memory
  // stays flat however large the file. Any thread.
  void release_before(std::size_t offset) noexcept {
    if (mapped_) mapped_->release_before(offset);
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool owns_fd_ = false;
  std::optional<MappedFile> mapped_;
  std::vector<char> buffer_;
  const char* data_ = nullptr;
  std::size_t pos_ = 0, end_ = 0;  // the window: data_[pos_, end_)
  std::size_t consumed_ = 0;       // the text's offset of data_[0]
  bool eof_ = false;
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
