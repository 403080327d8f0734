// Token counts in chunk metadata and token/byte budgets per chunk
// (EncoderOptions::tokenizer, max_tokens, max_bytes, oversize):
// - TokenTally, which counts a growing text, equals Tokenizer::count();
// - every chunk's metadata.tokens equals a fresh count of its text;
// - under a budget no chunk's text is over it, header included, unless it
//   is one record too large for any chunk (own_chunk, marked over_budget);
//   chunk_size still caps the records of a chunk; every mode round-trips;
//   the same with self_contained chunks, each decoding alone;
// - budgets are filled; the guide's metadata stays exact.
#include "support/random_records.hpp"
#include "support/roundtrip.hpp"
#include "support/token_strings.hpp"

#include <aton/arena.hpp>
#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/stream_encoder.hpp>
#include <aton/tokenizer.hpp>

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

using aton::Compression;
using aton::EncoderOptions;
using aton::TokenEncoding;
using aton::Tokenizer;
using aton::Value;
using aton::test::Delivery;
using aton::test::RecordShape;

namespace {

std::vector<aton::Chunk> chunks_of(std::span<const Value> records, const EncoderOptions& options) {
  std::vector<aton::Chunk> chunks;
  Value data = Value::array(records);
  for (auto& chunk : aton::StreamEncoder(options).stream_encode(data)) chunks.push_back(std::move(chunk));
  return chunks;
}

EncoderOptions options_for(Compression mode, std::size_t chunk_size) {
  EncoderOptions options;
  options.compression = mode;
  options.chunk_size = chunk_size;
  return options;
}

// Every chunk within the budget but those marked over_budget, which hold one
// record; metadata.tokens exact; records_in_chunk <= chunk_size; the records
// cover the table in order; total_chunks unknown until the last chunk.
void check_chunks(const std::vector<aton::Chunk>& chunks, const EncoderOptions& options, std::size_t records) {
  const Tokenizer& tokenizer = Tokenizer::get(options.tokenizer.value_or(TokenEncoding::o200k_base));
  std::size_t next = 0;
  for (const auto& chunk : chunks) {
    INFO("chunk " << chunk.chunk_id << ":\n" << chunk.data);
    std::size_t tokens = tokenizer.count(chunk.data);
    if (options.tokenizer) {
      REQUIRE(chunk.metadata.tokens.has_value());
      CHECK(*chunk.metadata.tokens == tokens);
    }
    bool over = (options.max_tokens > 0 && tokens > options.max_tokens) ||
                (options.max_bytes > 0 && chunk.data.size() > options.max_bytes);
    CHECK(chunk.over_budget == over);
    if (over) CHECK(chunk.metadata.records_in_chunk == 1);
    CHECK(chunk.metadata.records_in_chunk <= options.chunk_size);
    CHECK(chunk.metadata.start_idx == next);
    next = chunk.metadata.end_idx;
    if (options.max_tokens > 0 || options.max_bytes > 0) CHECK(chunk.total_chunks.has_value() == chunk.is_last);
  }
  CHECK(next == records);
  REQUIRE_FALSE(chunks.empty());
  CHECK(chunks.back().is_last);
  CHECK(*chunks.back().total_chunks == chunks.size());
}

}  // namespace

TEST_CASE("TokenTally counts a growing text as Tokenizer::count counts the whole", "[tokenizer][budget]") {
  auto encoding = GENERATE(TokenEncoding::o200k_base, TokenEncoding::cl100k_base);
  const Tokenizer& tokenizer = Tokenizer::get(encoding);
  auto texts = aton::test::token_test_texts();
  std::mt19937_64 random(14);
  std::size_t checked = 0;
  // Each text grown a few bytes at a time (whole characters), then texts strung one after
  // another with newlines, as a chunk's rows are.
  for (std::size_t i = 0; i < texts.size(); i += 3) {
    const std::string& text = texts[i].text;
    aton::TokenTally tally(tokenizer);
    for (std::size_t end = 0; end < text.size();) {
      end = std::min(text.size(), end + 1 + random() % 7);
      // Whole characters, as TokenTally asks (a cut inside one would turn
      // its bytes into symbols that split a run of blanks in two).
      while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
      std::string_view prefix(text.data(), end);
      INFO(texts[i].kind << ": " << prefix);
      REQUIRE(tally.count(prefix) == tokenizer.count(prefix));
      ++checked;
    }
  }
  std::string rows;
  aton::TokenTally tally(tokenizer);
  for (std::size_t i = 1; i < texts.size(); i += 5) {
    rows += (i % 2 ? "\n" : "");
    rows += texts[i].text;
    INFO(rows);
    REQUIRE(tally.count(rows) == tokenizer.count(rows));
    ++checked;
  }
  CHECK(checked > 10'000);
}

TEST_CASE("every chunk's metadata carries its exact token count in every mode", "[budget][tokens]") {
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  auto encoding = GENERATE(TokenEncoding::o200k_base, TokenEncoding::cl100k_base);
  auto shape = GENERATE(RecordShape::Noise, RecordShape::Table, RecordShape::Drifting);
  aton::Arena arena;
  auto records = aton::test::RandomRecords(1400 + static_cast<std::uint64_t>(shape), arena).records(shape, 300);
  EncoderOptions options = options_for(mode, 40);
  options.tokenizer = encoding;
  options.sample_size = 50;
  check_chunks(chunks_of(records, options), options, records.size());
}

TEST_CASE("without a tokenizer chunks carry no token count", "[budget][tokens]") {
  aton::Arena arena;
  auto records = aton::test::RandomRecords(3, arena).records(RecordShape::Table, 20);
  EncoderOptions options;
  options.tokenizer.reset();
  for (const auto& chunk : chunks_of(records, options)) CHECK_FALSE(chunk.metadata.tokens.has_value());
  // A budget in tokens counts all the same, in o200k_base.
  options.max_tokens = 100;
  CHECK(options.budget_encoding() == aton::TokenEncoding::o200k_base);
  for (const auto& chunk : chunks_of(records, options)) {
    REQUIRE(chunk.metadata.tokens.has_value());
    CHECK(*chunk.metadata.tokens == aton::Tokenizer::get(aton::TokenEncoding::o200k_base).count(chunk.data));
  }
}

TEST_CASE("no chunk is over its token or byte budget, header included, and every mode round-trips",
          "[budget][roundtrip]") {
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  bool self_contained = GENERATE(false, true);
  auto shape = GENERATE(RecordShape::Noise, RecordShape::Table, RecordShape::Drifting);
  struct Budget {
    std::size_t tokens, bytes, chunk_size;
  };
  auto budget = GENERATE(Budget{40, 0, 1000}, Budget{300, 0, 1000}, Budget{0, 500, 1000}, Budget{250, 900, 1000},
                         Budget{2000, 0, 7});
  std::uint64_t seed = 2600 + static_cast<std::uint64_t>(shape);
  aton::Arena arena;
  auto records = aton::test::RandomRecords(seed, arena).records(shape, 400);
  EncoderOptions options = options_for(mode, budget.chunk_size);
  options.sample_size = 60;  // most records written after the plan is fixed (new columns under a budget)
  options.max_tokens = budget.tokens;
  options.max_bytes = budget.bytes;
  options.oversize = aton::OversizePolicy::OwnChunk;  // noise records can be larger than a small budget
  options.self_contained = self_contained;
  INFO("seed " << seed << ", mode " << aton::compression_name(mode) << ", max_tokens " << budget.tokens
               << ", max_bytes " << budget.bytes << ", chunk size " << budget.chunk_size << ", self_contained "
               << self_contained);
  auto chunks = chunks_of(records, options);
  check_chunks(chunks, options, records.size());
  if (self_contained)
    for (const auto& chunk : chunks) CHECK(chunk.data.starts_with("@chunk[id:" + std::to_string(chunk.chunk_id)));
  for (Delivery delivery : aton::test::deliveries_for(options)) {
    auto failure = aton::test::roundtrip_failure(records, options, delivery);
    aton::Arena scratch;
    INFO((failure ? aton::test::failure_report(records, options, delivery, scratch) : ""));
    CHECK_FALSE(failure.has_value());
  }
}

TEST_CASE("a record too large for any chunk is an error naming it, or its own chunk with oversize own_chunk",
          "[budget]") {
  aton::Arena arena;
  auto records = aton::test::RandomRecords(5, arena).records(RecordShape::Table, 30);
  static const std::string big(5000, 'x');
  static const aton::Member member{"big", Value::string(big)};
  records[17] = Value::object(std::span<const aton::Member>(&member, 1));
  EncoderOptions options;
  options.max_tokens = 300;
  options.self_contained = GENERATE(false, true);
  try {
    chunks_of(records, options);
    FAIL("no error");
  } catch (const aton::EncodingError& e) {
    CHECK_THAT(e.what(), Catch::Contains("record 18 of table 'records' is too large for any chunk"));
    CHECK_THAT(e.what(), Catch::Contains("max_tokens 300"));
    CHECK_THAT(e.what(), Catch::Contains("own_chunk"));
  }
  options.oversize = aton::OversizePolicy::OwnChunk;
  auto chunks = chunks_of(records, options);
  check_chunks(chunks, options, records.size());
  std::size_t over = 0;
  for (const auto& chunk : chunks)
    if (chunk.over_budget) {
      ++over;
      CHECK(chunk.metadata.start_idx == 17);
    }
  CHECK(over == 1);
}

TEST_CASE("budgets are filled: chunks of a table come within a few rows of max_tokens", "[budget]") {
  bool self_contained = GENERATE(false, true);
  aton::Arena arena;
  auto records = aton::test::RandomRecords(77, arena).records(RecordShape::Table, 3000);
  EncoderOptions options = options_for(Compression::Ultra, 100000);
  options.max_tokens = 4000;
  options.self_contained = self_contained;
  auto chunks = chunks_of(records, options);
  check_chunks(chunks, options, records.size());
  REQUIRE(chunks.size() > 5);
  std::size_t full = 0;
  for (const auto& chunk : chunks) full += *chunk.metadata.tokens >= 3000;
  CHECK(full >= (chunks.size() - 1) * 9 / 10);
  // The known total gives progress; total_chunks waits for the last chunk.
  CHECK(chunks[0].metadata.total_records == records.size());
  CHECK(chunks[0].metadata.progress == Approx(double(chunks[0].metadata.end_idx) / records.size()));
}
