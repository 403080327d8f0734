// How the ATON encoder compresses: the modes of the streaming encoder guide.
#pragma once

#include <aton/tokenizer.hpp>

#include <chrono>
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
  // Every chunk a document that decodes alone (docs/FORMAT.md, 5): an
  // @chunk line with its id and stream, the whole schema, the defaults and
  // only the dictionary entries its rows use. Off: the guide's shapes
  // (continuations `table+(N):`), byte for byte.
  bool self_contained = false;
  // How long a chunk that has records may wait to fill before it is emitted
  // short, and the sample to reach sample_size before it closes anyway. The
  // pipeline keeps the clock (aton/host/flush_clock.hpp), not the encoder.
  // Nothing: the pipeline's default (none for an input of known size, 1 s
  // for a pipe, stdin or a followed file); zero: never.
  std::optional<std::chrono::milliseconds> flush_interval;

  // Tokens (docs/TOKENIZER.md). The encoding that counts each chunk's tokens
  // (ChunkMetadata::tokens) and max_tokens. Nothing: chunks carry no count
  // (counting costs more than encoding: it is asked for, not paid by every
  // run), and max_tokens counts in o200k_base. Chunks carry no count when
  // the rank file is not installed, and then max_tokens is a TokenizerError.
  std::optional<TokenEncoding> tokenizer;
  // Budgets of each chunk's text, header included; 0: none. A chunk is
  // closed before the record that would take it over either budget, and
  // holds at most chunk_size records (chunk_budget.hpp). With
  // self_contained, each chunk's own text is counted exactly and rows that
  // take it over move to the next chunk.
  std::size_t max_tokens = 0;
  std::size_t max_bytes = 0;
  OversizePolicy oversize = OversizePolicy::Error;

  bool budgeted() const noexcept { return max_tokens > 0 || max_bytes > 0; }
  // The encoding max_tokens counts in.
  TokenEncoding budget_encoding() const noexcept { return tokenizer.value_or(TokenEncoding::o200k_base); }

  // Throws EncodingError when an option is out of range.
  void validate() const;
};

}  // namespace aton
