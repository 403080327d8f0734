// How the ATON encoder compresses: the modes of the streaming encoder guide.
#pragma once

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

  // Throws EncodingError when an option is out of range.
  void validate() const;
};

}  // namespace aton
