// Choices by tokens (docs/FORMAT.md, section 6): with encoder.tokenizer the
// encoder keeps the plan, defaults and dictionary entries that cost the
// fewest tokens, and BALANCED may write "," between values; the text still
// decodes to exactly its records.
#include "support/random_records.hpp"
#include "support/roundtrip.hpp"
#include "support/skip.hpp"

#include <aton/decoder.hpp>
#include <aton/stream_encoder.hpp>
#include <aton/tokenizer.hpp>
#include <aton/json.hpp>

#include <catch2/catch.hpp>

#include <string>

using aton::Compression;
using aton::EncoderOptions;
using aton::TokenEncoding;
using aton::Tokenizer;
using aton::Value;

namespace {

void require_tokenizer() {
  if (!Tokenizer::available(TokenEncoding::o200k_base))
    aton::test::skip_test("the o200k_base rank file is not installed (scripts/tokenizer/setup)");
}

EncoderOptions options_for(Compression mode, bool by_tokens, std::size_t chunk_size = 1000) {
  EncoderOptions options;
  options.compression = mode;
  options.chunk_size = chunk_size;
  if (by_tokens) options.tokenizer = TokenEncoding::o200k_base;
  return options;
}

// A flat numeric table, the shape where ", " costs the most.
std::string numeric_table_json(std::size_t rows) {
  std::string json = "[";
  for (std::size_t i = 0; i < rows; ++i) {
    if (i) json += ",";
    json += R"({"id":)" + std::to_string(i) + R"(,"x":)" + std::to_string(i * 37 % 1000) + R"(,"y":)" +
            std::to_string(1750 + i % 13) + R"(,"z":)" + std::to_string(i % 7) + "}";
  }
  return json + "]";
}

}  // namespace

TEST_CASE("with a tokenizer balanced writes a numeric table with fewer tokens and it decodes the same",
          "[tokens][roundtrip]") {
  require_tokenizer();
  aton::Arena arena;
  Value data = aton::parse_json(numeric_table_json(500), arena);
  std::string by_bytes = aton::StreamEncoder(options_for(Compression::Balanced, false)).encode(data);
  std::string by_tokens = aton::StreamEncoder(options_for(Compression::Balanced, true)).encode(data);
  const Tokenizer& tokenizer = Tokenizer::get(TokenEncoding::o200k_base);
  std::size_t bytes_plan = tokenizer.count(by_bytes), tokens_plan = tokenizer.count(by_tokens);
  INFO("by bytes: " << bytes_plan << " tokens, by tokens: " << tokens_plan);
  CHECK(by_bytes.find(", ") != std::string::npos);  // the guide's separator when bytes decide
  CHECK(by_tokens.find(", ") == std::string::npos);
  CHECK(tokens_plan * 100 < bytes_plan * 90);  // ", " costs a token at most fields here
  aton::Decoder a, b;
  a.feed(by_bytes);
  b.feed(by_tokens);
  CHECK(a.to_json() == b.to_json());
}

TEST_CASE("without a tokenizer the choices stay by bytes: the same text as ever", "[tokens]") {
  aton::Arena arena;
  Value data = aton::parse_json(numeric_table_json(50), arena);
  std::string text = aton::StreamEncoder(options_for(Compression::Balanced, false)).encode(data);
  CHECK(text.rfind("@schema[id:int, x:int, y:int, z:int]\n", 0) == 0);
  CHECK(text.find("\n0, 0, 1750, 0\n") != std::string::npos);
}

TEST_CASE("records chosen for by tokens come back exactly in every mode, chunk size and delivery",
          "[tokens][roundtrip][random]") {
  require_tokenizer();
  auto shape = GENERATE(aton::test::RecordShape::Noise, aton::test::RecordShape::Table,
                        aton::test::RecordShape::Drifting);
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  auto chunk_size = GENERATE(std::size_t{1}, std::size_t{7}, std::size_t{100});
  auto self_contained = GENERATE(false, true);
  std::uint64_t seed = 9'100 + static_cast<std::uint64_t>(shape);
  aton::Arena arena;
  auto records = aton::test::RandomRecords(seed, arena).records(shape, 300);
  EncoderOptions options = options_for(mode, true, chunk_size);
  options.self_contained = self_contained;
  options.sample_size = 100;  // records after the sample meet a plan made on part of them
  INFO("seed " << seed << ", " << aton::test::options_text(options));
  for (auto delivery : aton::test::deliveries_for(options)) {
    auto failure = aton::test::roundtrip_failure(records, options, delivery);
    INFO(failure.value_or(""));
    CHECK_FALSE(failure.has_value());
  }
}
