// Gzip and zstd for tests, with the libraries (zlib, libzstd): inputs made
// of several members or frames, and whole-file decompression that says how
// many members or frames it read. Independent of the product's code.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aton::test {

// `text` as gzip, cut into `members` members of about equal size (each a
// complete gzip stream; together one text, as `cat a.gz b.gz` gives).
std::string gzip_text(std::string_view text, std::size_t members = 1);
// `text` as zstd, cut into `frames` frames.
std::string zstd_text(std::string_view text, std::size_t frames = 1);

struct Decompressed {
  std::string text;
  std::size_t parts = 0;  // members or frames
  bool ok = false;        // every byte was part of a complete member or frame
};
Decompressed gunzip_text(std::string_view data);
Decompressed unzstd_text(std::string_view data);

}  // namespace aton::test
