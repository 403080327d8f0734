#include "gzip.hpp"

#include <zlib.h>

#include <stdexcept>

namespace aton::sinks {

void gzip_compress(std::string_view in, std::string& out) {
  if (in.size() > 0xFFFF'FFFFu) throw std::runtime_error("gzip: a chunk over 4 GiB cannot be compressed");
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("gzip: zlib could not start (out of memory?)");
  out.resize(deflateBound(&z, static_cast<uLong>(in.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  // deflateBound guarantees room for the whole stream in one call.
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip: zlib could not compress the chunk");
}

}  // namespace aton::sinks
