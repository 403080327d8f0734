#include "compression.hpp"

#include <zlib.h>
#include <zstd.h>

#include <stdexcept>
#include <vector>

namespace aton::test {
namespace {

std::vector<std::string_view> pieces(std::string_view text, std::size_t count) {
  std::vector<std::string_view> out;
  if (count == 0) count = 1;
  std::size_t size = (text.size() + count - 1) / count;
  for (std::size_t at = 0; at < text.size() || out.empty(); at += size) out.push_back(text.substr(at, size));
  return out;
}

}  // namespace

std::string gzip_text(std::string_view text, std::size_t members) {
  std::string out;
  for (std::string_view piece : pieces(text, members)) {
    z_stream z{};
    if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::bad_alloc();
    std::string member(deflateBound(&z, piece.size()), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
    z.avail_in = static_cast<uInt>(piece.size());
    z.next_out = reinterpret_cast<Bytef*>(member.data());
    z.avail_out = static_cast<uInt>(member.size());
    int rc = deflate(&z, Z_FINISH);
    member.resize(member.size() - z.avail_out);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw std::runtime_error("gzip_text: deflate failed");
    out += member;
  }
  return out;
}

std::string zstd_text(std::string_view text, std::size_t frames) {
  std::string out;
  for (std::string_view piece : pieces(text, frames)) {
    std::string frame(ZSTD_compressBound(piece.size()), '\0');
    std::size_t n = ZSTD_compress(frame.data(), frame.size(), piece.data(), piece.size(), 3);
    if (ZSTD_isError(n)) throw std::runtime_error("zstd_text: compression failed");
    out.append(frame.data(), n);
  }
  return out;
}

Decompressed gunzip_text(std::string_view data) {
  Decompressed result;
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  char buffer[1 << 14];
  bool in_member = false;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    int rc = inflate(&z, Z_NO_FLUSH);
    result.text.append(buffer, sizeof buffer - z.avail_out);
    in_member = true;
    if (rc == Z_STREAM_END) {
      ++result.parts;
      in_member = false;
      if (z.avail_in == 0) break;
      inflateReset(&z);
    } else if (rc != Z_OK) {
      break;  // corrupt, or cut short (Z_BUF_ERROR)
    }
  }
  inflateEnd(&z);
  result.ok = !in_member && z.avail_in == 0;
  return result;
}

Decompressed unzstd_text(std::string_view data) {
  Decompressed result;
  std::size_t at = 0;
  while (at < data.size()) {
    std::size_t frame = ZSTD_findFrameCompressedSize(data.data() + at, data.size() - at);
    if (ZSTD_isError(frame)) return result;
    unsigned long long size = ZSTD_getFrameContentSize(data.data() + at, frame);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) return result;
    std::string text(size, '\0');
    std::size_t n = ZSTD_decompress(text.data(), text.size(), data.data() + at, frame);
    if (ZSTD_isError(n)) return result;
    result.text.append(text.data(), n);
    ++result.parts;
    at += frame;
  }
  result.ok = true;
  return result;
}

}  // namespace aton::test
