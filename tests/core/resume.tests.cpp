#include "support/random_records.hpp"

#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/stream_encoder.hpp>

#include <catch2/catch.hpp>

#include <vector>

namespace {

std::vector<aton::Chunk> encode_all(const aton::EncoderOptions& options, std::span<const aton::Value> records) {
  aton::IncrementalEncoder encoder(options, "t");
  std::vector<aton::Chunk> chunks;
  for (const aton::Value& r : records) {
    encoder.push(r);
    while (auto c = encoder.pop()) chunks.push_back(std::move(*c));
  }
  encoder.finish();
  while (auto c = encoder.pop()) chunks.push_back(std::move(*c));
  return chunks;
}

}  // namespace

TEST_CASE("an encoder resumed from a checkpoint continues the stream with the same text", "[encoder][resume]") {
  aton::Arena arena;
  std::string json =
      R"([{"id":1,"dept":"Engineering","ok":true},{"id":2,"dept":"Engineering","ok":true},)"
      R"({"id":3,"dept":"Sales","ok":true},{"id":4,"dept":"Engineering"},{"id":5,"dept":"Engineering","ok":false},)"
      R"({"id":6,"dept":"Engineering","ok":true,"late":"x"},{"id":7,"dept":"Sales","ok":true},)"
      R"({"id":8,"late":"y","dept":"Engineering"},{"id":9,"dept":"Engineering","ok":true,"later":[1]},{"id":10}])";
  auto records = aton::parse_json(json, arena).items();
  for (auto mode : {aton::Compression::Fast, aton::Compression::Balanced, aton::Compression::Ultra}) {
    aton::EncoderOptions options;
    options.chunk_size = 2;
    options.sample_size = 4;
    options.compression = mode;
    auto whole = encode_all(options, records);
    REQUIRE(whole.size() == 5);

    aton::IncrementalEncoder first(options, "t");
    std::vector<aton::Chunk> before;
    std::size_t next = 0;
    for (; before.size() < 3 || next % 2 != 0; ++next) {
      first.push(records[next]);
      while (auto c = first.pop()) before.push_back(std::move(*c));
    }
    // The held-back chunk tells the encoder nothing new; checkpoint after chunk 2.
    const aton::Chunk& last_done = before.at(2);
    std::string state = first.checkpoint(last_done);

    auto resumed = aton::IncrementalEncoder::resume(options, "t", state);
    std::vector<aton::Chunk> after;
    for (std::size_t i = last_done.metadata.end_idx; i < records.size(); ++i) {
      resumed.push(records[i]);
      while (auto c = resumed.pop()) after.push_back(std::move(*c));
    }
    resumed.finish();
    while (auto c = resumed.pop()) after.push_back(std::move(*c));

    REQUIRE(after.size() == 2);
    for (std::size_t i = 0; i < after.size(); ++i) {
      INFO("mode " << aton::compression_name(mode) << ", chunk " << after[i].chunk_id);
      CHECK(after[i].chunk_id == whole[3 + i].chunk_id);
      CHECK(after[i].data == whole[3 + i].data);
      CHECK(after[i].metadata.start_idx == whole[3 + i].metadata.start_idx);
      CHECK(after[i].is_last == whole[3 + i].is_last);
    }
  }
}

TEST_CASE("a checkpoint for another table chunk size or format is refused", "[encoder][resume][errors]") {
  aton::Arena arena;
  auto records = aton::parse_json(R"([{"a":1},{"a":2}])", arena).items();
  aton::EncoderOptions options;
  options.chunk_size = 1;
  options.sample_size = 1;
  aton::IncrementalEncoder encoder(options, "t");
  encoder.push(records[0]);
  encoder.push(records[1]);
  auto chunk = encoder.pop();
  REQUIRE(chunk);
  std::string state = encoder.checkpoint(*chunk);
  CHECK_THROWS_WITH(aton::IncrementalEncoder::resume(options, "other", state), Catch::Contains("made for table 't'"));
  aton::EncoderOptions bigger = options;
  bigger.chunk_size = 5;
  CHECK_THROWS_WITH(aton::IncrementalEncoder::resume(bigger, "t", state), Catch::Contains("chunk_size 1, not 5"));
  CHECK_THROWS_AS(aton::IncrementalEncoder::resume(options, "t", "{\"version\":9}"), aton::EncodingError);
  CHECK_THROWS_AS(aton::IncrementalEncoder::resume(options, "t", "not json"), aton::EncodingError);
}
