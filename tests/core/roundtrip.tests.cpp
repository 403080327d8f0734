// The lossless proof: decode(encode(x)) == x for random records and for the
// hand-written edge cases of tests/data/corpus, in every compression mode,
// at chunk sizes 1, 7 and 100, with and without self-contained chunks,
// joined and chunk by chunk (and, self-contained, each chunk alone).
//
// A failure reports the input shrunk to a few records (support/roundtrip).
#include "support/random_records.hpp"
#include "support/roundtrip.hpp"

#include <aton/arena.hpp>
#include <aton/decoder.hpp>
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

EncoderOptions options_for(Compression mode, std::size_t chunk_size, std::size_t sample_size,
                           bool self_contained = false) {
  EncoderOptions options;
  options.self_contained = self_contained;
  options.compression = mode;
  options.chunk_size = chunk_size;
  options.sample_size = sample_size;
  return options;
}

// Every delivery; a failure is reported with its shrunk input.
void check_roundtrip(std::span<const Value> records, const EncoderOptions& options) {
  for (Delivery delivery : aton::test::deliveries_for(options)) {
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
  auto self_contained = GENERATE(false, true);
  std::size_t sample_size = batch % 3 == 0 ? 16 : 1000;
  std::uint64_t seed = static_cast<std::uint64_t>(shape) * 1'000'003 + batch;
  aton::Arena arena;
  auto records = aton::test::RandomRecords(seed, arena).records(shape, kBatchRecords);
  EncoderOptions options = options_for(mode, chunk_size, sample_size, self_contained);
  INFO("seed " << seed << ", " << aton::test::options_text(options));
  check_roundtrip(records, options);
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

TEST_CASE("tables whose keys drift reorder and change kind come back exactly", "[roundtrip][random]") {
  check_random_batch(RecordShape::Drifting, GENERATE(range<std::uint64_t>(0, 10)));
}

TEST_CASE("tables longer than the default sample come back exactly", "[roundtrip][random]") {
  // 1,500 records: a third of each is written after the default sample of
  // 1,000 fixed schema, defaults and a dictionary of up to hundreds of entries.
  auto shape = GENERATE(RecordShape::Table, RecordShape::Drifting);
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  auto chunk_size = GENERATE(std::size_t{1}, std::size_t{7}, std::size_t{100});
  auto self_contained = GENERATE(false, true);
  std::uint64_t seed = 7'000 + static_cast<std::uint64_t>(shape);
  aton::Arena arena;
  auto records = aton::test::RandomRecords(seed, arena).records(shape, 1500);
  EncoderOptions options = options_for(mode, chunk_size, 1000, self_contained);
  INFO("seed " << seed << ", " << aton::test::options_text(options));
  check_roundtrip(records, options);
}

TEST_CASE("values nested 500 levels deep and strings of 200 KB come back exactly", "[roundtrip]") {
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  aton::Arena arena;
  Value deep = Value::string("bottom");
  for (int level = 0; level < 500; ++level) {
    if (level % 2) {
      auto* member = arena.allocate_array<aton::Member>(1);
      new (member) aton::Member{"k", deep};
      deep = Value::object({member, 1});
    } else {
      auto* item = arena.allocate_array<Value>(1);
      *item = deep;
      deep = Value::array({item, 1});
    }
  }
  std::string big;
  for (int i = 0; i < 20'000; ++i) big += i % 7 ? "ab\\\"cd, \n" : "\U0001F600#1:";
  Value long_text = Value::string(arena.copy(big));
  std::vector<Value> records;
  for (int i = 0; i < 4; ++i) {
    auto* members = arena.allocate_array<aton::Member>(2);
    new (&members[0]) aton::Member{"deep", deep};
    new (&members[1]) aton::Member{"text", long_text};
    records.push_back(Value::object({members, 2}));
  }
  check_roundtrip(records, options_for(mode, 3, 1000, GENERATE(false, true)));
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
  EncoderOptions options = options_for(mode, chunk_size, sample_size, GENERATE(false, true));

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
      for (Delivery delivery : aton::test::deliveries_for(options)) {
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
                                      << ", " << aton::test::options_text(options) << ", "
                                      << aton::test::delivery_name(delivery) << "\n"
                                      << report);
        CHECK_FALSE(failure.has_value());
      }
    }
  }
}

namespace {

// The decoder's tables are the document's, in order, record for record.
void check_tables(const aton::Decoder& decoder, const Value& document, std::string_view how) {
  INFO(how);
  const auto& tables = decoder.tables();
  REQUIRE(tables.size() == document.members().size());
  for (std::size_t t = 0; t < tables.size(); ++t) {
    const auto& expected = document.members()[t];
    INFO("table " << aton::to_json(Value::string(expected.key)));
    CHECK(tables[t].name == expected.key);
    CHECK(aton::to_json(Value::array(tables[t].records)) == aton::to_json(expected.value));
    CHECK(Value::array(tables[t].records) == expected.value);
  }
}

}  // namespace

TEST_CASE("several tables decode from one text whole or with their chunks interleaved",
          "[roundtrip][corpus]") {
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  auto chunk_size = GENERATE(std::size_t{1}, std::size_t{2}, std::size_t{100});
  auto file = GENERATE(as<std::string>{}, "multi_table.json", "quoted_table_names.json");
  EncoderOptions options = options_for(mode, chunk_size, 1000, GENERATE(false, true));
  INFO(file << ", " << aton::test::options_text(options));
  aton::Arena arena;
  Value document = aton::parse_json(read_text(std::filesystem::path(ATON_TEST_DATA "/corpus") / file), arena);
  REQUIRE(document.members().size() > 1);
  aton::StreamEncoder encoder(options);

  std::string whole;
  for (const auto& table : document.members()) {
    if (!whole.empty()) whole += '\n';
    whole += encoder.encode(document, table.key);
  }
  aton::Decoder joined;
  joined.feed(whole);
  check_tables(joined, document, "every table's text, one after the other:\n" + whole);

  // One chunk of each table in turn, each fed on its own.
  std::vector<aton::ChunkStream> streams;
  for (const auto& table : document.members()) streams.push_back(encoder.stream_encode(document, table.key));
  aton::Decoder interleaved;
  std::string fed;
  for (bool any = true; any;) {
    any = false;
    for (auto& stream : streams) {
      if (auto chunk = stream.next()) {
        fed += chunk->data + "\n--- next chunk ---\n";
        interleaved.feed(chunk->data);
        any = true;
      }
    }
  }
  check_tables(interleaved, document, "chunks interleaved:\n" + fed);
}
