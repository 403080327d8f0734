// The decoder's check of self-contained chunks' order (docs/FORMAT.md, 5):
// chunks carrying `@chunk[id:N, stream:"S"]` must come, per stream, one id
// after the other. The first chunk seen of a stream may have any id, so that
// any run of consecutive chunks (one chunk alone, say) decodes; after it
// every gap is a missing chunk, an id seen before a repeated one, an id
// before the first seen an out-of-order one. Internal to the core.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace aton::detail {

class ChunkSequence {
 public:
  // Chunk `id` of `stream`, a block of `table` whose @chunk line is `line`.
  // Throws DecodingError at that line, naming the chunk and what is wrong.
  void check(std::string_view stream, std::size_t id, std::string_view table, std::size_t line, std::size_t column);

 private:
  struct Stream {
    std::string table;
    std::size_t first_id = 0;
    std::vector<std::size_t> lines;  // where chunks first_id, first_id + 1... stood
  };
  std::unordered_map<std::string, Stream> streams_;
};

}  // namespace aton::detail
