// The file sink's `compress`: each chunk's bytes become one complete gzip
// member or zstd frame. A file of such members is one valid stream (gzip -d
// and zstd -d read members and frames back to back as one text), and it
// stays one when a resumed run cuts it back to the end of its last
// checkpointed chunk and appends: every cut falls between members.
//
// Memory: one chunk's compressed bytes (a chunk is bounded by the encoder's
// chunk size) and the library's state (zlib about 256 KiB, zstd a few MiB at
// the levels allowed). Not thread-safe: one per sink.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace aton::sinks {

enum class Compress { none, gzip, zstd };

// "none", "gzip" or "zstd"; nothing for another word.
std::optional<Compress> parse_compress(const std::string& text);

// The levels each kind accepts, and its default: gzip 1-9 (6, gzip's own),
// zstd 1-19 (3, zstd's own; 20-22 would need up to 128 MiB windows to read).
struct LevelRange {
  int lowest, highest, fallback;
};
LevelRange level_range(Compress kind);

// Whether `bytes` (a file's first bytes) begin a stream of this kind.
bool starts_stream(Compress kind, std::string_view bytes);

class ChunkCompressor {
 public:
  // `level` within level_range(kind). Throws std::bad_alloc when the
  // library cannot set up.
  ChunkCompressor(Compress kind, int level);
  ~ChunkCompressor();
  ChunkCompressor(const ChunkCompressor&) = delete;
  ChunkCompressor& operator=(const ChunkCompressor&) = delete;

  // `prefix` then `text` as one member or frame. The view is valid until the
  // next call. Throws std::runtime_error if the library fails.
  std::string_view compress(std::string_view prefix, std::string_view text);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace aton::sinks
