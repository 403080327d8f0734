// Self-contained chunks (EncoderOptions::self_contained, docs/FORMAT.md 5):
// each chunk decodes alone, the chunks in order give the one table, and a
// decoder given chunks of one stream names a missing, repeated or
// out-of-order chunk. The lossless proof over every mode and chunk size is
// in roundtrip.tests.cpp; here are the shape, the order checks and resume.
#include "support/random_records.hpp"

#include <aton/decoder.hpp>
#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/stream_encoder.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using aton::Compression;
using aton::EncoderOptions;
using aton::Value;

namespace {

EncoderOptions self_contained(Compression mode, std::size_t chunk_size, std::size_t sample_size = 1000) {
  EncoderOptions options;
  options.compression = mode;
  options.chunk_size = chunk_size;
  options.sample_size = sample_size;
  options.self_contained = true;
  return options;
}

std::vector<aton::Chunk> chunks_of(const EncoderOptions& options, std::span<const Value> records,
                                   const std::string& table = "t") {
  aton::IncrementalEncoder encoder(options, table);
  std::vector<aton::Chunk> chunks;
  for (const Value& r : records) {
    encoder.push(r);
    while (auto c = encoder.pop()) chunks.push_back(std::move(*c));
  }
  encoder.finish();
  while (auto c = encoder.pop()) chunks.push_back(std::move(*c));
  return chunks;
}

std::string records_json(std::span<const Value> records) { return aton::to_json(Value::array(records)); }

std::string decoded_records(std::initializer_list<const aton::Chunk*> chunks) {
  aton::Decoder decoder;
  for (const aton::Chunk* c : chunks) decoder.feed(c->data);
  REQUIRE(decoder.tables().size() == 1);
  return records_json(decoder.tables()[0].records);
}

std::size_t lines_in(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

// Feeding `chunks` in this order fails at the last one's @chunk line with a
// message holding every one of `parts`.
void check_refused(std::initializer_list<const aton::Chunk*> chunks, std::initializer_list<std::string> parts) {
  aton::Decoder decoder;
  std::string fed;
  std::size_t line = 1;
  for (auto c = chunks.begin(); c + 1 != chunks.end(); ++c) line += lines_in((*c)->data);
  try {
    for (const aton::Chunk* c : chunks) {
      fed += c->data + "\n";
      decoder.feed(c->data);
    }
    FAIL("no DecodingError for:\n" << fed);
  } catch (const aton::DecodingError& e) {
    INFO(fed << "\n" << e.what());
    CHECK(e.line() == line);
    for (const std::string& part : parts) CHECK(std::string(e.what()).find(part) != std::string::npos);
  }
}

// The value of `stream:"..."` in a chunk's @chunk line.
std::string stream_of(const aton::Chunk& chunk) {
  auto at = chunk.data.find("stream:\"");
  REQUIRE(at != std::string::npos);
  return chunk.data.substr(at + 8, chunk.data.find('"', at + 8) - at - 8);
}

}  // namespace

TEST_CASE("a self-contained chunk carries its id, stream, whole schema, defaults and only the entries its rows use",
          "[self_contained]") {
  aton::Arena arena;
  auto records = aton::parse_json(
                     R"([{"id":1,"dept":"Engineering","city":"Paris"},{"id":2,"dept":"Engineering","city":"Paris"},)"
                     R"({"id":3,"dept":"Engineering","city":"London"},{"id":4,"dept":"Sales","city":"London"},)"
                     R"({"id":5,"dept":"Engineering","city":"Paris"},{"id":6,"dept":"Engineering","city":"Paris","new":true}])",
                     arena)
                     .items();
  auto chunks = chunks_of(self_contained(Compression::Balanced, 3, 4), records);
  REQUIRE(chunks.size() == 2);
  std::string stream = stream_of(chunks[0]);
  CHECK(stream.size() == 8);
  CHECK(chunks[0].data == "@chunk[id:0, stream:\"" + stream +
                              "\"]\n@schema[id:int, dept:str, city:str]\n@defaults[dept:\"Engineering\"]\n"
                              "t(3):\n1,, \"Paris\"\n2,, \"Paris\"\n3,, \"London\"");
  // The key `new` came after the sample: the second chunk's schema has it.
  CHECK(chunks[1].data == "@chunk[id:1, stream:\"" + stream +
                              "\"]\n@schema[id:int, dept:str, city:str, new:bool]\n@defaults[dept:\"Engineering\"]\n"
                              "t(3):\n4, \"Sales\", \"London\"\n5,, \"Paris\"\n6,, \"Paris\", true");
  CHECK(chunks[1].is_last);
  CHECK(decoded_records({&chunks[1]}) == records_json(records.subspan(3)));
}

TEST_CASE("a chunk's dictionary is renumbered from #0 and keeps only the entries that pay in it",
          "[self_contained]") {
  // ULTRA: the commonest name is the default; the next two go to the plan's
  // dictionary, "Alexandria Ocasio" as #0 and "Cornelius Fudge" as #1. The
  // first chunk uses #0 five times (kept); the second uses #1 five times
  // (kept, renumbered #0) and #0 once (written out: a declaration costs more).
  auto who = [](int i) -> std::string {
    if (i % 10 < 4) return "Default Holder Value Long";
    if (i < 10) return i == 9 ? "Bartholomew Kuma" : "Alexandria Ocasio";
    return i == 19 ? "Alexandria Ocasio" : "Cornelius Fudge";
  };
  std::string json = "[";
  for (int i = 0; i < 20; ++i) json += (i ? "," : "") + std::string("{\"id\":") + std::to_string(i) + ",\"who\":\"" + who(i) + "\"}";
  json += "]";
  aton::Arena arena;
  auto records = aton::parse_json(json, arena).items();
  auto chunks = chunks_of(self_contained(Compression::Ultra, 10), records);
  REQUIRE(chunks.size() == 2);
  INFO(chunks[0].data << "\n---\n" << chunks[1].data);
  CHECK(chunks[0].data.find("@dict[#0:\"Alexandria Ocasio\"]\n") != std::string::npos);
  CHECK(chunks[0].data.find("\n4,#0\n") != std::string::npos);
  CHECK(chunks[0].data.find("\n9,Bartholomew Kuma") != std::string::npos);
  CHECK(chunks[1].data.find("@dict[#0:\"Cornelius Fudge\"]\n") != std::string::npos);
  CHECK(chunks[1].data.find("\n14,#0\n") != std::string::npos);
  CHECK(chunks[1].data.find("\n19,Alexandria Ocasio") != std::string::npos);
  CHECK(chunks[1].data.find("#1") == std::string::npos);
  CHECK(decoded_records({&chunks[0]}) == records_json(records.first(10)));
  CHECK(decoded_records({&chunks[1]}) == records_json(records.subspan(10)));
  CHECK(decoded_records({&chunks[0], &chunks[1]}) == records_json(records));
}

TEST_CASE("every self-contained chunk decodes alone to its slice and any run of them in order to theirs",
          "[self_contained]") {
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  auto chunk_size = GENERATE(std::size_t{1}, std::size_t{5}, std::size_t{64});
  auto shape = GENERATE(aton::test::RecordShape::Table, aton::test::RecordShape::Drifting);
  aton::Arena arena;
  auto records = aton::test::RandomRecords(31 + static_cast<std::uint64_t>(shape), arena).records(shape, 200);
  auto chunks = chunks_of(self_contained(mode, chunk_size, 40), records);
  INFO("mode " << aton::compression_name(mode) << ", chunk size " << chunk_size);
  for (const aton::Chunk& chunk : chunks) {
    INFO(chunk.data);
    CHECK(chunk.data.starts_with("@chunk[id:" + std::to_string(chunk.chunk_id)));
    CHECK(chunk.data.find("\nt(" + std::to_string(chunk.metadata.records_in_chunk) + "):") != std::string::npos);
    CHECK(decoded_records({&chunk}) ==
          records_json(std::span(records).subspan(chunk.metadata.start_idx, chunk.metadata.records_in_chunk)));
  }
  // A run from the middle: the first chunk seen of a stream may have any id.
  if (chunks.size() >= 4)
    CHECK(decoded_records({&chunks[1], &chunks[2], &chunks[3]}) ==
          records_json(std::span(records).subspan(chunks[1].metadata.start_idx,
                                                   chunks[3].metadata.end_idx - chunks[1].metadata.start_idx)));
}

TEST_CASE("a decoder names a missing, repeated or out-of-order self-contained chunk", "[self_contained][errors]") {
  aton::Arena arena;
  auto records = aton::test::RandomRecords(5, arena).records(aton::test::RecordShape::Table, 50);
  auto c = chunks_of(self_contained(Compression::Ultra, 10), records);
  REQUIRE(c.size() == 5);
  std::string s = "\"" + stream_of(c[0]) + "\"";
  std::size_t after0 = lines_in(c[0].data) + 1;

  SECTION("missing") {
    check_refused({&c[0], &c[2]},
                  {"chunk 2 of stream " + s + " (table \"t\")", "chunk 1 is missing between chunk 0 (line 1) and chunk 2"});
    check_refused({&c[1], &c[2], &c[4]}, {"chunk 3 is missing between chunk 2"});
    check_refused({&c[0], &c[3]}, {"chunks 1 to 2 are missing between chunk 0 (line 1) and chunk 3"});
  }
  SECTION("repeated") {
    check_refused({&c[0], &c[1], &c[1]},
                  {"chunk 1 of stream " + s, "is repeated: it was read at line " + std::to_string(after0)});
    check_refused({&c[0], &c[0]}, {"chunk 0 of stream " + s, "repeated"});
  }
  SECTION("out of order") {
    check_refused({&c[2], &c[1]},
                  {"chunk 1 of stream " + s, "comes after chunk 2 (line 1)", "out of order"});
  }
  SECTION("the right order, whole or in slices, decodes") {
    CHECK(decoded_records({&c[0], &c[1], &c[2], &c[3], &c[4]}) == records_json(records));
    CHECK(decoded_records({&c[3], &c[4]}) == records_json(std::span(records).subspan(30)));
  }
}

TEST_CASE("chunks of different streams may interleave and each keeps its own order", "[self_contained]") {
  aton::Arena arena;
  auto a = aton::test::RandomRecords(1, arena).records(aton::test::RecordShape::Table, 20);
  auto b = aton::test::RandomRecords(2, arena).records(aton::test::RecordShape::Table, 20);
  auto ca = chunks_of(self_contained(Compression::Balanced, 10), a);
  auto cb = chunks_of(self_contained(Compression::Balanced, 10), b);
  REQUIRE(ca.size() == 2);
  REQUIRE(cb.size() == 2);
  CHECK(stream_of(ca[0]) != stream_of(cb[0]));
  CHECK(stream_of(ca[0]) == stream_of(ca[1]));
  // Two runs appended to one file: one table, rows in document order.
  std::vector<Value> expected(a.begin(), a.end());
  expected.insert(expected.end(), b.begin(), b.end());
  CHECK(decoded_records({&ca[0], &ca[1], &cb[0], &cb[1]}) == records_json(expected));
  CHECK_NOTHROW(decoded_records({&ca[0], &cb[0], &ca[1], &cb[1]}));
  // Another stream's chunk between two of one stream does not hide a gap.
  aton::Decoder decoder;
  decoder.feed(ca[0].data);
  decoder.feed(cb[1].data);
  CHECK_THROWS_AS(decoder.feed(ca[0].data), aton::DecodingError);
  // The same input with the same options gives the same text, stream id included.
  auto again = chunks_of(self_contained(Compression::Balanced, 10), a);
  CHECK(again[1].data == ca[1].data);
}

TEST_CASE("an encoder resumed with self_contained continues with the same chunk texts and stream",
          "[self_contained][resume]") {
  aton::Arena arena;
  auto records = aton::test::RandomRecords(9, arena).records(aton::test::RecordShape::Drifting, 60);
  auto options = self_contained(GENERATE(Compression::Fast, Compression::Ultra), 7, 10);
  auto whole = chunks_of(options, records);
  REQUIRE(whole.size() == 9);

  aton::IncrementalEncoder first(options, "t");
  std::vector<aton::Chunk> before;
  std::size_t next = 0;
  while (before.size() < 4) {
    first.push(records[next++]);
    while (auto c = first.pop()) before.push_back(std::move(*c));
  }
  std::string state = first.checkpoint(before[2]);
  CHECK(state.find("\"stream\":\"" + stream_of(whole[0]) + "\"") != std::string::npos);

  auto resumed = aton::IncrementalEncoder::resume(options, "t", state);
  std::vector<aton::Chunk> after;
  for (std::size_t i = before[2].metadata.end_idx; i < records.size(); ++i) {
    resumed.push(records[i]);
    while (auto c = resumed.pop()) after.push_back(std::move(*c));
  }
  resumed.finish();
  while (auto c = resumed.pop()) after.push_back(std::move(*c));
  REQUIRE(after.size() == whole.size() - 3);
  for (std::size_t i = 0; i < after.size(); ++i) CHECK(after[i].data == whole[3 + i].data);

  // A checkpoint made with the option is refused without it, and the other way round.
  EncoderOptions plain = options;
  plain.self_contained = false;
  CHECK_THROWS_WITH(aton::IncrementalEncoder::resume(plain, "t", state),
                    Catch::Contains("made with self_contained, which is off now"));
  aton::IncrementalEncoder other(plain, "t");
  for (std::size_t i = 0; i < 15; ++i) other.push(records[i]);
  auto chunk = other.pop();
  REQUIRE(chunk);
  CHECK_THROWS_WITH(aton::IncrementalEncoder::resume(options, "t", other.checkpoint(*chunk)),
                    Catch::Contains("made without self_contained, which is on now"));
}
