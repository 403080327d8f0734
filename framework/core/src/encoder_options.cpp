#include <aton/encoder_options.hpp>

#include <aton/errors.hpp>

#include <string>

namespace aton {

std::optional<Compression> parse_compression(std::string_view name) noexcept {
  if (name == "fast") return Compression::Fast;
  if (name == "balanced") return Compression::Balanced;
  if (name == "ultra") return Compression::Ultra;
  if (name == "adaptive") return Compression::Adaptive;
  return std::nullopt;
}

std::string_view compression_name(Compression mode) noexcept {
  switch (mode) {
    case Compression::Fast: return "fast";
    case Compression::Balanced: return "balanced";
    case Compression::Ultra: return "ultra";
    case Compression::Adaptive: return "adaptive";
  }
  return "balanced";
}

std::optional<OversizePolicy> parse_oversize(std::string_view name) noexcept {
  if (name == "error") return OversizePolicy::Error;
  if (name == "own_chunk") return OversizePolicy::OwnChunk;
  return std::nullopt;
}

void EncoderOptions::validate() const {
  if (chunk_size == 0) throw EncodingError("chunk_size must be at least 1 (got 0)");
  if (sample_size == 0) throw EncodingError("sample_size must be at least 1 (got 0)");
}

}  // namespace aton
