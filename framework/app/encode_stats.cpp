#include "encode_stats.hpp"

#include <aton/json.hpp>

namespace aton::app {

EncodeStats::EncodeStats(const EncoderOptions& options, const std::string& table, TokenEncoding encoding)
    : tokenizer_(Tokenizer::get(encoding)), table_(table), json_(tokenizer_) {
  for (Compression c : {Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive}) {
    EncoderOptions mode = options;
    mode.compression = c;
    mode.tokenizer = options.max_tokens > 0 ? std::optional(encoding) : std::nullopt;
    modes_.push_back({c, IncrementalEncoder(mode, table), Count(tokenizer_)});
  }
  // The document as `{"table":[...]}`, minified.
  scratch_ = "{";
  append_json_string(table, scratch_);
  scratch_ += ":[";
  json_.add(scratch_);
}

void EncodeStats::Count::add(std::string_view text) {
  unsettled += text;
  bytes += text.size();
  tokens = tally.count(unsettled);
  // Drop what is counted for good once it is worth the copy.
  if (tally.settled_bytes() > (1u << 16)) {
    std::size_t settled = tally.settled_bytes();
    unsettled.erase(0, settled);
    tally.dropped(settled);
  }
}

// The ATON file is the chunks, each followed by a newline.
void EncodeStats::drain(Mode& mode) {
  while (auto chunk = mode.encoder.pop()) {
    chunk->data.push_back('\n');
    mode.count.add(chunk->data);
  }
}

void EncodeStats::push(const Value& record) {
  scratch_.clear();
  if (records_++ > 0) scratch_.push_back(',');
  append_json(record, scratch_);
  json_.add(scratch_);
  for (Mode& mode : modes_) {
    mode.encoder.push(record);
    drain(mode);
  }
}

void EncodeStats::finish() {
  json_.add("]}");
  for (Mode& mode : modes_) {
    mode.encoder.finish();
    drain(mode);
  }
}

void EncodeStats::print(std::FILE* out, Compression written) const {
  std::fprintf(out, "aton encode: %zu records, %s tokens:\n", records_,
               std::string(encoding_name(tokenizer_.encoding())).c_str());
  std::fprintf(out, "  %-14s %12s %12s %9s\n", "format", "bytes", "tokens", "x JSON");
  auto line = [&](const std::string& name, const Count& c) {
    double ratio = json_.tokens > 0 ? static_cast<double>(c.tokens) / static_cast<double>(json_.tokens) : 0;
    std::fprintf(out, "  %-14s %12zu %12zu %9.3f\n", name.c_str(), c.bytes, c.tokens, ratio);
  };
  line("compact JSON", json_);
  for (const Mode& mode : modes_)
    line(std::string(compression_name(mode.compression)) + (mode.compression == written ? " *" : ""), mode.count);
  std::fprintf(out, "  (* the mode written)\n");
}

}  // namespace aton::app
