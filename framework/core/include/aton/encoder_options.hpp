// How the ATON encoder compresses: the modes of the streaming encoder guide.
#pragma once

#include <aton/tokenizer.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

namespace aton {

enum class Compression {
  Fast,      // schema and rows only: no dictionary, no defaults
  Balanced,  // dictionary (strings of 5+ chars seen 3+ times) and >60% defaults
  Ultra,     // every lossless saving: any repeated string that pays, any default
             // that pays, strings left bare where no decoder can misread them
  Adaptive,  // tries the three on the sample and keeps the smallest
};

std::optional<Compression> parse_compression(std::string_view name) noexcept;
std::string_view compression_name(Compression mode) noexcept;

// What to do with a key that appears after the schema was fixed.
enum class NewKeyPolicy {
  Extend,  // declare it with @schema+[...] before the chunk that first uses it
  Error,   // throw EncodingError naming the key and the record
};

// What to do with a record whose row alone, with its chunk's header, is over
// max_tokens or max_bytes.
enum class OversizePolicy {
  Error,     // throw EncodingError naming the record and its size
  OwnChunk,  // give it a chunk of its own, over the budget, marked Chunk::over_budget
};

std::optional<OversizePolicy> parse_oversize(std::string_view name) noexcept;

struct EncoderOptions {
  std::size_t chunk_size = 100;  // records per chunk, >= 1
  Compression compression = Compression::Balanced;
  // Records analysed before the first chunk to choose schema, defaults and
  // dictionary. Independent of chunk_size; bounded memory.
  std::size_t sample_size = 1000;
  NewKeyPolicy on_new_key = NewKeyPolicy::Extend;

  // Tokens (docs/TOKENIZER.md). The encoding that counts each chunk's tokens
  // (ChunkMetadata::tokens) and max_tokens; nothing: no counting. Chunks
  // carry no count when its rank file is not installed, and then max_tokens
  // is a TokenizerError.
  std::optional<TokenEncoding> tokenizer = TokenEncoding::o200k_base;
  // Budgets of each chunk's text, header included; 0: none. A chunk is
  // closed before the record that would take it over either budget, and
  // holds at most chunk_size records (chunk_budget.hpp).
  std::size_t max_tokens = 0;
  std::size_t max_bytes = 0;
  OversizePolicy oversize = OversizePolicy::Error;

  // Throws EncodingError when an option is out of range.
  void validate() const;
};

}  // namespace aton
