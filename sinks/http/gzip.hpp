// gzip (RFC 1952) compression of a whole buffer, for Content-Encoding: gzip.
#pragma once

#include <string>
#include <string_view>

namespace aton::sinks {

// Replaces `out` with the gzip stream of `in`. Reuses out's capacity, so
// calling it once per chunk with the same string allocates rarely.
// Throws std::runtime_error if zlib fails (out of memory).
void gzip_compress(std::string_view in, std::string& out);

}  // namespace aton::sinks
