#include "chunk_compressor.hpp"

#include <zlib.h>
#include <zstd.h>

#include <limits>
#include <new>
#include <stdexcept>

namespace aton::sinks {

std::optional<Compress> parse_compress(const std::string& text) {
  if (text == "none") return Compress::none;
  if (text == "gzip") return Compress::gzip;
  if (text == "zstd") return Compress::zstd;
  return std::nullopt;
}

LevelRange level_range(Compress kind) {
  if (kind == Compress::gzip) return {1, 9, 6};
  if (kind == Compress::zstd) return {1, 19, 3};
  return {0, 0, 0};
}

bool starts_stream(Compress kind, std::string_view bytes) {
  if (kind == Compress::gzip) return bytes.substr(0, 2) == std::string_view("\x1f\x8b", 2);
  if (kind == Compress::zstd) return bytes.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4);
  return true;
}

struct ChunkCompressor::State {
  Compress kind;
  z_stream z{};
  ZSTD_CCtx* zstd = nullptr;
  std::string text;  // prefix + text, when there is a prefix
  std::string out;

  State(Compress k, int level) : kind(k) {
    if (kind == Compress::gzip) {
      // 16 + MAX_WBITS: a gzip header and trailer around the deflate data.
      if (deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::bad_alloc();
    } else {
      zstd = ZSTD_createCCtx();
      if (!zstd) throw std::bad_alloc();
      ZSTD_CCtx_setParameter(zstd, ZSTD_c_compressionLevel, level);
      ZSTD_CCtx_setParameter(zstd, ZSTD_c_checksumFlag, 1);  // a damaged file is told, as gzip's CRC does
    }
  }
  ~State() {
    if (kind == Compress::gzip) deflateEnd(&z);
    else ZSTD_freeCCtx(zstd);
  }
};

ChunkCompressor::ChunkCompressor(Compress kind, int level) {
  if (kind == Compress::none) throw std::logic_error("ChunkCompressor: nothing to compress with");
  state_ = std::make_unique<State>(kind, level);
}

ChunkCompressor::~ChunkCompressor() = default;

std::string_view ChunkCompressor::compress(std::string_view prefix, std::string_view text) {
  State& s = *state_;
  std::string_view whole = text;
  if (!prefix.empty()) {
    s.text.assign(prefix);
    s.text.append(text);
    whole = s.text;
  }
  if (s.kind == Compress::gzip) {
    if (whole.size() > std::numeric_limits<uInt>::max() / 2)
      throw std::runtime_error("a chunk of " + std::to_string(whole.size()) + " bytes is too large for gzip here");
    s.out.resize(deflateBound(&s.z, static_cast<uLong>(whole.size())));
    s.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(whole.data()));
    s.z.avail_in = static_cast<uInt>(whole.size());
    s.z.next_out = reinterpret_cast<Bytef*>(s.out.data());
    s.z.avail_out = static_cast<uInt>(s.out.size());
    int rc = deflate(&s.z, Z_FINISH);  // deflateBound room: one call ends the member
    std::size_t made = s.out.size() - s.z.avail_out;
    deflateReset(&s.z);
    if (rc != Z_STREAM_END) throw std::runtime_error("gzip compression failed (zlib " + std::to_string(rc) + ")");
    return {s.out.data(), made};
  }
  s.out.resize(ZSTD_compressBound(whole.size()));
  std::size_t made = ZSTD_compress2(s.zstd, s.out.data(), s.out.size(), whole.data(), whole.size());
  if (ZSTD_isError(made)) throw std::runtime_error(std::string("zstd compression failed: ") + ZSTD_getErrorName(made));
  return {s.out.data(), made};
}

}  // namespace aton::sinks
