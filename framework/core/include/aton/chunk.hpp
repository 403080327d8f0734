// One encoded chunk, as the streaming encoder guide's "Chunk Structure".
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace aton {

struct ChunkMetadata {
  std::string table;
  std::size_t records_in_chunk = 0;
  std::size_t start_idx = 0;  // index of the chunk's first record
  std::size_t end_idx = 0;    // one past its last record
  // Empty while the source's length is unknown; always set on the last chunk.
  std::optional<std::size_t> total_records;
  // 0.0 to 1.0: end_idx / total_records when the total is known, else the
  // source's own estimate (bytes read / bytes in all) if it gave one, else 0;
  // 1.0 on the last chunk.
  double progress = 0;
  // Tokens in the chunk's text by the encoder's tokenizer; empty when no
  // tokenizer is available.
  std::optional<std::size_t> tokens;
};

struct Chunk {
  std::size_t chunk_id = 0;  // 0-based
  // Empty while unknown; always set on the last chunk.
  std::optional<std::size_t> total_chunks;
  std::string data;  // ATON text, no trailing newline
  bool is_first = false;
  bool is_last = false;
  ChunkMetadata metadata;
  // Columns declared by this chunk and the ones before it (@schema plus any
  // @schema+): what a checkpoint taken after this chunk must remember.
  std::size_t schema_columns = 0;
  // A chunk over max_tokens or max_bytes: one record too large for any
  // chunk, given its own by OversizePolicy::OwnChunk (whoever shows the
  // chunks warns about it).
  bool over_budget = false;
};

}  // namespace aton
