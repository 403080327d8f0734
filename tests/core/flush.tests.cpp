// A stream that must not wait (the pipeline's flush interval): flush()
// emits short chunks marked @flushed and closes the sample early,
// release() sends a full chunk without waiting for the next record, and
// finish() then ends the stream with the empty closing chunk, which carries
// is_last and the totals. The decoder reads all of it back (FORMAT.md 5).
#include <aton/arena.hpp>
#include <aton/decoder.hpp>
#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/stream_encoder.hpp>
#include <aton/tokenizer.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

aton::Value record(aton::Arena& arena, int id, bool extra = false) {
  std::string text = "{\"id\":" + std::to_string(id) + ",\"name\":\"user" + std::to_string(id) + "\"" +
                     (extra ? ",\"extra\":true" : "") + "}";
  return aton::parse_json(text, arena);
}

std::vector<aton::Chunk> drain(aton::IncrementalEncoder& encoder) {
  std::vector<aton::Chunk> out;
  while (auto chunk = encoder.pop()) out.push_back(std::move(*chunk));
  return out;
}

}  // namespace

TEST_CASE("a flushed stream - short chunks marked @flushed, the sample closed early, then a closing chunk",
          "[encoder][flush]") {
  aton::Arena arena;
  aton::EncoderOptions options;
  options.chunk_size = 4;
  options.sample_size = 100;
  aton::IncrementalEncoder encoder(options, "records");
  std::string stream;
  auto add = [&](const std::vector<aton::Chunk>& chunks) {
    for (const auto& c : chunks) stream += (stream.empty() ? "" : "\n") + c.data;
  };

  for (int i = 0; i < 3; ++i) encoder.push(record(arena, i));
  CHECK(drain(encoder).empty());  // the sample waits for 100 records...
  encoder.flush();                // ...or the interval
  auto first = drain(encoder);
  REQUIRE(first.size() == 1);
  CHECK(first[0].data.rfind("@flushed\n@schema[", 0) == 0);
  CHECK(first[0].data.find("records(3):") != std::string::npos);
  CHECK_FALSE(first[0].is_last);
  CHECK_FALSE(first[0].total_chunks.has_value());
  add(first);

  // A key after the early sample: @schema+, as for any drift.
  for (int i = 3; i < 7; ++i) encoder.push(record(arena, i, i == 5));
  encoder.release();  // full: it goes out now, not when the next record comes
  auto second = drain(encoder);
  REQUIRE(second.size() == 1);
  CHECK(second[0].data.rfind("@schema+[extra:bool]\nrecords+(4):", 0) == 0);
  CHECK_FALSE(second[0].is_last);
  add(second);

  encoder.finish();
  auto closing = drain(encoder);
  REQUIRE(closing.size() == 1);
  CHECK(closing[0].data == "records+(0):");
  CHECK(closing[0].is_last);
  CHECK(closing[0].chunk_id == 2);
  CHECK(closing[0].total_chunks == std::optional<std::size_t>(3));
  CHECK(closing[0].metadata.total_records == std::optional<std::size_t>(7));
  CHECK(closing[0].metadata.records_in_chunk == 0);
  add(closing);

  aton::Decoder decoder;
  decoder.feed(stream);
  REQUIRE(decoder.tables().size() == 1);
  const auto& records = decoder.tables()[0].records;
  REQUIRE(records.size() == 7);
  for (int i = 0; i < 7; ++i) CHECK(aton::to_json(records[static_cast<std::size_t>(i)]) ==
                                    aton::to_json(record(arena, i, i == 5)));
}

TEST_CASE("a stream whose last chunk is still open at the end needs no closing chunk", "[encoder][flush]") {
  aton::Arena arena;
  aton::EncoderOptions options;
  options.chunk_size = 2;
  options.sample_size = 1;
  aton::IncrementalEncoder encoder(options, "records");
  for (int i = 0; i < 3; ++i) {
    encoder.push(record(arena, i));
    encoder.release();
  }
  encoder.finish();
  auto chunks = drain(encoder);
  REQUIRE(chunks.size() == 2);
  CHECK(chunks[1].data.rfind("records+(1):\n", 0) == 0);  // the last, short, unmarked
  CHECK(chunks[1].is_last);
}

TEST_CASE("the decoder still refuses a continuation after a short chunk that is not marked @flushed",
          "[decoder][flush]") {
  aton::Decoder decoder;
  CHECK_THROWS_AS(decoder.feed("@schema[id:int]\nt(2):\n1\n2\nt+(1):\n3\nt+(1):\n4"), aton::DecodingError);
  aton::Decoder flushed;
  flushed.feed("@schema[id:int]\nt(2):\n1\n2\n@flushed\nt+(1):\n3\nt+(2):\n4\n5\nt+(0):");
  REQUIRE(flushed.tables().size() == 1);
  CHECK(flushed.tables()[0].records.size() == 5);
}

TEST_CASE("a chunk flushed under a token budget counts its @flushed line in its tokens", "[encoder][flush][budget]") {
  if (!aton::Tokenizer::available(aton::TokenEncoding::o200k_base))
    FAIL("the o200k_base rank file is not installed (scripts/tokenizer/setup build)");
  aton::Arena arena;
  aton::EncoderOptions options;
  options.chunk_size = 100;
  options.sample_size = 2;
  options.max_tokens = 1000;
  aton::IncrementalEncoder encoder(options, "records");
  const auto& tokenizer = aton::Tokenizer::get(aton::TokenEncoding::o200k_base);
  std::size_t flushed = 0;
  for (int i = 0; i < 12; ++i) {
    encoder.push(record(arena, i));
    if (i % 4 == 3) encoder.flush();
    for (const auto& chunk : drain(encoder)) {
      INFO(chunk.data);
      REQUIRE(chunk.metadata.tokens.has_value());
      CHECK(*chunk.metadata.tokens == tokenizer.count(chunk.data));
      if (chunk.data.rfind("@flushed\n", 0) == 0) ++flushed;
    }
  }
  CHECK(flushed >= 2);
}

TEST_CASE("a chunk flushed under a budget stays within it, @flushed line included, and the stream decodes the same",
          "[encoder][flush][budget]") {
  if (!aton::Tokenizer::available(aton::TokenEncoding::o200k_base))
    FAIL("the o200k_base rank file is not installed (scripts/tokenizer/setup build)");
  const auto& tokenizer = aton::Tokenizer::get(aton::TokenEncoding::o200k_base);
  // Every budget from a few rows' worth up: some flush lands where the
  // rows fill the budget to within the @flushed line's 3 tokens (9 bytes).
  const bool by_tokens = GENERATE(true, false);
  for (std::size_t budget = 30; budget <= 90; ++budget) {
    aton::Arena arena;
    aton::EncoderOptions options;
    options.chunk_size = 100;
    options.sample_size = 2;
    (by_tokens ? options.max_tokens : options.max_bytes) = by_tokens ? budget : budget * 3;
    options.oversize = aton::OversizePolicy::OwnChunk;
    aton::IncrementalEncoder encoder(options, "records");
    std::string text;
    std::vector<std::string> expected;
    auto take = [&] {
      for (const auto& chunk : drain(encoder)) {
        INFO("budget " << budget << (by_tokens ? " tokens" : " x3 bytes") << ", chunk:\n" << chunk.data);
        std::size_t size = by_tokens ? tokenizer.count(chunk.data) : chunk.data.size();
        CHECK((size <= (by_tokens ? budget : budget * 3) || (chunk.over_budget && chunk.metadata.records_in_chunk == 1)));
        text += chunk.data + "\n";
      }
    };
    for (int i = 0; i < 40; ++i) {
      encoder.push(record(arena, i * 7919 % 100000));
      expected.push_back(std::to_string(i * 7919 % 100000));
      if (i % 5 == 4) encoder.flush();
      take();
    }
    encoder.finish();
    take();
    aton::Decoder decoder;
    decoder.feed(text);
    REQUIRE(decoder.tables().size() == 1);
    const auto& records = decoder.tables()[0].records;
    REQUIRE(records.size() == expected.size());
    for (std::size_t i = 0; i < records.size(); ++i) CHECK(aton::to_json(records[i]).find("\"id\":" + expected[i] + ",") != std::string::npos);
  }
}
