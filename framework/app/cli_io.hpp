// Input and output for the CLI: a path or "-" for stdin / stdout.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace aton::app {

// The whole of `path` ("-" reads stdin). Throws aton::Error naming the path
// and the OS's reason.
std::string read_input(const std::string& path);

// Writes to `path` ("-" is stdout). A file is written beside the target and
// renamed into place by commit(), so a failed command leaves no half file.
class Output {
 public:
  explicit Output(const std::string& path);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  void write(std::string_view text);
  void flush();
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  std::FILE* file_;
  bool committed_ = false;
};

}  // namespace aton::app
