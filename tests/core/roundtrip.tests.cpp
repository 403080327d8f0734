// The lossless proof: decode(encode(x)) == x for random records and for the
// hand-written edge cases of tests/data/corpus, in every compression mode,
// at chunk sizes 1, 7 and 100, joined and chunk by chunk.
//
// A failure reports the input shrunk to a few records (support/roundtrip).
#include "support/random_records.hpp"
#include "support/roundtrip.hpp"

#include <aton/arena.hpp>
#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/stream_encoder.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

using aton::Compression;
using aton::EncoderOptions;
using aton::Value;
using aton::test::Delivery;
using aton::test::RecordShape;

namespace {

// Per mode and chunk size: 20 x 200 noise + 20 x 200 tables + 10 x 200
// drifting = 10,000 records, each encoded twice (joined, chunk by chunk).
constexpr std::size_t kBatchRecords = 200;

EncoderOptions options_for(Compression mode, std::size_t chunk_size, std::size_t sample_size) {
  EncoderOptions options;
  options.compression = mode;
  options.chunk_size = chunk_size;
  options.sample_size = sample_size;
  return options;
}

// Both deliveries; a failure is reported with its shrunk input.
void check_roundtrip(std::span<const Value> records, const EncoderOptions& options) {
  for (Delivery delivery : {Delivery::Joined, Delivery::ChunkByChunk}) {
    auto failure = aton::test::roundtrip_failure(records, options, delivery);
    aton::Arena scratch;
    std::string report = failure ? aton::test::failure_report(records, options, delivery, scratch) : "";
    INFO(report);
    CHECK_FALSE(failure.has_value());
  }
}

// Most batches fit in the default sample; every third uses a sample of 16
// so that most of its records are written after schema and defaults are
// fixed (late keys, values the defaults did not foresee).
void check_random_batch(RecordShape shape, std::uint64_t batch) {
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  auto chunk_size = GENERATE(std::size_t{1}, std::size_t{7}, std::size_t{100});
  std::size_t sample_size = batch % 3 == 0 ? 16 : 1000;
  std::uint64_t seed = static_cast<std::uint64_t>(shape) * 1'000'003 + batch;
  aton::Arena arena;
  auto records = aton::test::RandomRecords(seed, arena).records(shape, kBatchRecords);
  INFO("seed " << seed << ", mode " << aton::compression_name(mode) << ", chunk size " << chunk_size);
  check_roundtrip(records, options_for(mode, chunk_size, sample_size));
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::filesystem::path> corpus_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(ATON_TEST_DATA "/corpus"))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("random noise records come back exactly in every mode and chunk size", "[roundtrip][random]") {
  check_random_batch(RecordShape::Noise, GENERATE(range<std::uint64_t>(0, 20)));
}

TEST_CASE("realistic tables with defaults and repeated strings come back exactly", "[roundtrip][random]") {
  check_random_batch(RecordShape::Table, GENERATE(range<std::uint64_t>(0, 20)));
}

TEST_CASE("tables whose keys drift, reorder and change kind come back exactly", "[roundtrip][random]") {
  check_random_batch(RecordShape::Drifting, GENERATE(range<std::uint64_t>(0, 10)));
}

TEST_CASE("the edge-case corpus has enough focused files to mean something", "[roundtrip][corpus]") {
  CHECK(corpus_files().size() >= 15);
}

TEST_CASE("every table of every corpus file comes back exactly in every mode and chunk size",
          "[roundtrip][corpus]") {
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  auto chunk_size = GENERATE(std::size_t{1}, std::size_t{7}, std::size_t{100});
  // A sample of 2 makes every later key a schema extension.
  auto sample_size = GENERATE(std::size_t{1000}, std::size_t{2});
  EncoderOptions options = options_for(mode, chunk_size, sample_size);

  for (const auto& file : corpus_files()) {
    aton::Arena arena;
    Value document;
    try {
      document = aton::parse_json(read_text(file), arena);
    } catch (const aton::JsonError& e) {
      FAIL_CHECK(file.filename().string() << " does not parse: " << e.what());
      continue;
    }
    std::vector<std::optional<std::string_view>> tables;
    if (document.is_object())
      for (const auto& member : document.members()) tables.emplace_back(member.key);
    else
      tables.emplace_back(std::nullopt);

    for (auto table : tables) {
      for (Delivery delivery : {Delivery::Joined, Delivery::ChunkByChunk}) {
        auto failure = aton::test::roundtrip_failure(document, table, options, delivery);
        std::string report;
        if (failure) {
          // Shrink the records alone too: when that no longer fails, the
          // table's name (or its being one of several) is what matters.
          auto records = aton::select_table(document, table).second;
          aton::Arena scratch;
          report = *failure + "\n--- the same records as the table `records`, shrunk ---\n" +
                   aton::test::failure_report(records, options, delivery, scratch);
        }
        INFO(file.filename().string() << ", table " << (table ? aton::to_json(Value::string(*table)) : "(bare array)")
                                      << ", mode " << aton::compression_name(mode) << ", chunk size "
                                      << chunk_size << ", sample size " << sample_size << ", "
                                      << aton::test::delivery_name(delivery) << "\n"
                                      << report);
        CHECK_FALSE(failure.has_value());
      }
    }
  }
}
