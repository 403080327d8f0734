// The bodies of the core's fuzz targets, shared by the libFuzzer binaries
// (scripts/fuzz) and the regression test that replays every input kept in
// tests/fuzz/regressions/. Each returns normally or aborts on a broken
// invariant; expected errors (malformed input) are caught here.
#pragma once

#include <aton/decoder.hpp>
#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/stream_encoder.hpp>
#include <aton/tokenizer.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton::fuzz {

// Stops the run with the evidence: libFuzzer keeps the input as a crash.
[[noreturn]] inline void broken(const char* what, const std::string& detail) {
  std::fprintf(stderr, "invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// Each self-contained chunk decoded alone gives its slice of `records`.
inline void check_chunks_alone(std::string_view table, std::span<const Value> records, const EncoderOptions& options) {
  IncrementalEncoder encoder(options, std::string(table), records.size());
  for (const Value& r : records) encoder.push(r);
  encoder.finish();
  while (auto chunk = encoder.pop()) {
    Decoder alone;
    try {
      alone.feed(chunk->data);
    } catch (const DecodingError& e) {
      broken("a self-contained chunk does not decode alone", std::string(e.what()) + "\n" + chunk->data);
    }
    const auto& decoded = alone.tables().at(0).records;
    auto slice = records.subspan(chunk->metadata.start_idx, chunk->metadata.records_in_chunk);
    bool same = decoded.size() == slice.size();
    for (std::size_t i = 0; same && i < slice.size(); ++i) same = decoded[i] == slice[i];
    if (!same) broken("a self-contained chunk alone != its records", chunk->data);
  }
}

// Encodes `records` in every mode at a few chunk sizes, under byte and
// token budgets (records too large for one given their own chunk), with
// choices made by tokens (a tokenizer, no budget), with
// and without self-contained chunks, and decodes them back: anything but
// the same records breaks the invariant.
inline void check_roundtrip(std::string_view table, std::span<const Value> records) {
  struct Cut {
    std::size_t chunk_size, max_tokens, max_bytes;
    bool by_tokens = false;  // a tokenizer and no budget: the choices are made by tokens
  };
  // Token budgets only where the rank file is installed (scripts/fuzz
  // builds elsewhere than the tests).
  static const bool tokens = Tokenizer::available(TokenEncoding::o200k_base);
  for (Compression mode : {Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive}) {
    for (Cut cut : {Cut{1, 0, 0}, Cut{3, 0, 0}, Cut{100, 0, 0}, Cut{100, 0, 120}, Cut{100, 50, 0},
                    Cut{7, 0, 0, true}}) {
      const bool tokenized = cut.max_tokens > 0 || cut.by_tokens;
      if (tokenized && !tokens) continue;
      for (bool self_contained : {false, true}) {
        EncoderOptions options;
        options.compression = mode;
        options.chunk_size = cut.chunk_size;
        options.tokenizer = tokenized ? std::optional(TokenEncoding::o200k_base) : std::nullopt;
        options.max_tokens = cut.max_tokens;
        options.max_bytes = cut.max_bytes;
        options.oversize = OversizePolicy::OwnChunk;
        options.sample_size = 4;  // small, so later chunks exercise schema drift
        options.self_contained = self_contained;
        IncrementalEncoder encoder(options, std::string(table), records.size());
        std::string text;
        for (const Value& r : records) encoder.push(r);
        encoder.finish();
        while (auto chunk = encoder.pop()) {
          // Within budget, counted here, unless it is one record too large.
          bool over = (cut.max_bytes > 0 && chunk->data.size() > cut.max_bytes) ||
                      (cut.max_tokens > 0 && Tokenizer::get(TokenEncoding::o200k_base).count(chunk->data) > cut.max_tokens);
          if (over && !(chunk->over_budget && chunk->metadata.records_in_chunk == 1))
            broken("a chunk is over its budget", chunk->data);
          text += chunk->data + "\n";
        }
        Decoder decoder;
        try {
          decoder.feed(text);
        } catch (const DecodingError& e) {
          broken("our own output does not decode", std::string(e.what()) + "\n" + text);
        }
        const auto& decoded = decoder.tables().at(0).records;
        bool same = decoded.size() == records.size();
        for (std::size_t i = 0; same && i < records.size(); ++i) same = decoded[i] == records[i];
        if (!same) broken("decode(encode(x)) != x", text);
        if (self_contained) check_chunks_alone(table, records, options);
      }
    }
  }
}

// The streaming decoder, given `text` in pieces of `piece` bytes, hands out
// the whole-document decoder's records (`whole`: its JSON, or nothing when
// it refused the text, and then the streaming one refuses it too), and each
// record's fast JSON reads back as its value.
inline void check_streaming(std::string_view text, std::size_t piece, const std::optional<std::string>& whole) {
  struct Collect final : RecordHandler {
    std::vector<std::string> names;
    std::vector<std::string> json;  // per table: its records, joined by ','
    void table_opened(std::size_t, std::string_view name) override {
      names.emplace_back(name);
      json.emplace_back();
    }
    void record(const DecodedRecord& r) override {
      std::string fast;
      r.append_json(fast);
      Arena arena;
      if (!(parse_json(fast, arena) == r.value())) broken("append_json() does not read back as value()", fast);
      std::string& t = json.at(r.table());
      if (!t.empty()) t += ',';
      append_json(r.value(), t);
    }
  } collect;
  Decoder decoder(collect);
  try {
    for (std::size_t at = 0; at < text.size(); at += piece) decoder.push(text.substr(at, piece));
    decoder.finish();
  } catch (const DecodingError& e) {
    if (whole) broken("the streaming decoder refuses what the whole-document one reads", e.what());
    return;
  }
  if (!whole) broken("the streaming decoder reads what the whole-document one refuses", std::string(text));
  std::string streamed = "{";
  for (std::size_t i = 0; i < collect.names.size(); ++i) {
    if (i) streamed += ',';
    append_json_string(collect.names[i], streamed);
    streamed += ":[" + collect.json[i] + "]";
  }
  streamed += "}";
  if (streamed != *whole) broken("the streaming decoder's records differ from the whole-document one's", streamed);
}

// Arbitrary bytes as ATON: either a DecodingError, or tables whose records
// survive a round trip of their own; the streaming decoder agrees, however
// the bytes are split.
inline void decode_one(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Decoder decoder;
  std::optional<std::string> whole;
  try {
    decoder.feed(text);
    whole = decoder.to_json();
  } catch (const DecodingError&) {
  }
  for (std::size_t piece : {std::size_t{1}, 1 + size % 13, std::size_t{4096}}) check_streaming(text, piece, whole);
  if (!whole) return;
  for (const auto& table : decoder.tables()) check_roundtrip(table.name, table.records);
}

// Arbitrary bytes as JSON: when they are an array of objects, the records
// survive a round trip through ATON.
inline void roundtrip_one(const std::uint8_t* data, std::size_t size) {
  Arena arena;
  Value value;
  try {
    value = parse_json(std::string_view(reinterpret_cast<const char*>(data), size), arena);
  } catch (const JsonError&) {
    return;
  }
  if (!value.is_array()) return;
  for (const Value& item : value.items())
    if (!item.is_object()) return;
  // The streaming reader (records in place, in batches) reads the same.
  std::size_t n = 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for_each_batch(text, std::nullopt, 3, [&](std::string_view, RecordBatch& batch) {
    for (const Value& record : batch.records)
      if (n >= value.items().size() || !(record == value.items()[n++])) __builtin_trap();
  });
  if (n != value.items().size()) __builtin_trap();
  check_roundtrip("records", value.items());
}

}  // namespace aton::fuzz
