// The chunks of the streaming encoder guide: their metadata ("Chunk
// Structure"), the first chunk's header and the continuation syntax, the
// errors the guide promises, IncrementalEncoder == StreamEncoder, and the
// order of the compression modes by size.
#include "support/random_records.hpp"
#include "support/roundtrip.hpp"

#include <aton/arena.hpp>
#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/stream_encoder.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using aton::Compression;
using aton::EncoderOptions;
using aton::Member;
using aton::Value;

namespace {

// Records like the guide's example: {id, name, value}.
std::vector<Value> guide_records(std::size_t count, aton::Arena& arena) {
  std::vector<Value> records;
  for (std::size_t i = 0; i < count; ++i) {
    auto* members = arena.allocate_array<Member>(3);
    std::string name = i % 2 ? "Second" : "First";
    new (&members[0]) Member{"id", Value::integer(static_cast<std::int64_t>(i) + 1)};
    new (&members[1]) Member{"name", Value::string(arena.copy(name + " " + std::to_string(i % 10)))};
    new (&members[2]) Member{"value", Value::floating(i % 4 ? static_cast<double>(i) + 0.5 : 0.0)};
    records.push_back(Value::object({members, 3}));
  }
  return records;
}

std::vector<aton::Chunk> all_chunks(const aton::StreamEncoder& encoder, const Value& data,
                                    std::optional<std::string_view> table = std::nullopt) {
  std::vector<aton::Chunk> chunks;
  for (auto& chunk : encoder.stream_encode(data, table)) chunks.push_back(std::move(chunk));
  return chunks;
}

EncoderOptions options_for(Compression mode, std::size_t chunk_size) {
  EncoderOptions options;
  options.compression = mode;
  options.chunk_size = chunk_size;
  return options;
}

// The guide's example: 1,000 records streamed at chunk size 100.
std::vector<aton::Chunk> guide_chunks(Compression mode) {
  aton::Arena arena;
  auto records = guide_records(1000, arena);
  return all_chunks(aton::StreamEncoder(options_for(mode, 100)), Value::array(records));
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

bool has_line(std::string_view text, std::string_view line) {
  for (auto l : lines_of(text))
    if (l == line) return true;
  return false;
}

bool has_line_starting(std::string_view text, std::string_view prefix) {
  for (auto l : lines_of(text))
    if (l.starts_with(prefix)) return true;
  return false;
}

// A document of two tables, {"users": [...], "orders": [...]}.
Value two_tables(std::span<const Value> users, std::span<const Value> orders, aton::Arena& arena) {
  auto* members = arena.allocate_array<Member>(2);
  new (&members[0]) Member{"users", Value::array(users)};
  new (&members[1]) Member{"orders", Value::array(orders)};
  return Value::object({members, 2});
}

// Pushes every record, popping what completes, then finishes.
std::vector<aton::Chunk> incremental_chunks(const EncoderOptions& options, std::span<const Value> records) {
  aton::IncrementalEncoder encoder(options, "records");
  std::vector<aton::Chunk> chunks;
  for (const Value& record : records) {
    encoder.push(record);
    while (auto chunk = encoder.pop()) chunks.push_back(std::move(*chunk));
  }
  encoder.finish();
  while (auto chunk = encoder.pop()) chunks.push_back(std::move(*chunk));
  return chunks;
}

struct Sizes {
  std::size_t fast, balanced, ultra, adaptive;
};

Sizes sizes_of(std::span<const Value> records) {
  auto size_of = [&](Compression mode) {
    return aton::StreamEncoder(options_for(mode, 100)).encode(Value::array(records)).size();
  };
  return {size_of(Compression::Fast), size_of(Compression::Balanced), size_of(Compression::Ultra),
          size_of(Compression::Adaptive)};
}

// Checks one order of sizes; when it does not hold, says so with the
// records shrunk to a few that still break it.
void check_order(std::span<const Value> records, const char* claim, bool (*holds)(const Sizes&)) {
  Sizes sizes = sizes_of(records);
  std::string report;
  if (!holds(sizes)) {
    aton::Arena scratch;
    auto small = aton::test::shrink_records(
        records, [&](std::span<const Value> r) { return !holds(sizes_of(r)); }, scratch, 1500);
    Sizes s = sizes_of(small);
    report = "shrunk to " + std::to_string(small.size()) + " records (fast " + std::to_string(s.fast) +
             ", balanced " + std::to_string(s.balanced) + ", ultra " + std::to_string(s.ultra) +
             ", adaptive " + std::to_string(s.adaptive) + "):\n" + aton::test::records_json(small) +
             "\nBalanced:\n" + aton::StreamEncoder(options_for(Compression::Balanced, 100)).encode(Value::array(small)) +
             "\nUltra:\n" + aton::StreamEncoder(options_for(Compression::Ultra, 100)).encode(Value::array(small));
  }
  INFO(claim << ": fast " << sizes.fast << ", balanced " << sizes.balanced << ", ultra " << sizes.ultra
             << ", adaptive " << sizes.adaptive << "\n" << report);
  CHECK(holds(sizes));
}

void check_size_order(std::span<const Value> records) {
  check_order(records, "ultra <= balanced", [](const Sizes& s) { return s.ultra <= s.balanced; });
  check_order(records, "balanced <= fast", [](const Sizes& s) { return s.balanced <= s.fast; });
  check_order(records, "adaptive <= min(fast, balanced, ultra)",
              [](const Sizes& s) { return s.adaptive <= std::min({s.fast, s.balanced, s.ultra}); });
}

}  // namespace

TEST_CASE("1000 records at chunk size 100 give ten chunks with the guide's metadata", "[stream_shape]") {
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  INFO("mode " << aton::compression_name(mode));
  auto chunks = guide_chunks(mode);
  REQUIRE(chunks.size() == 10);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const auto& c = chunks[i];
    INFO("chunk " << i);
    CHECK(c.chunk_id == i);
    CHECK(c.total_chunks == std::optional<std::size_t>(10));
    CHECK(c.is_first == (i == 0));
    CHECK(c.is_last == (i == 9));
    CHECK(c.metadata.table == "records");
    CHECK(c.metadata.records_in_chunk == 100);
    CHECK(c.metadata.start_idx == i * 100);
    CHECK(c.metadata.end_idx == (i + 1) * 100);
    CHECK(c.metadata.total_records == std::optional<std::size_t>(1000));
    CHECK(c.metadata.progress == Approx((i + 1) / 10.0));
  }
  CHECK(chunks.front().metadata.progress == Approx(0.1));
  CHECK(chunks.back().metadata.progress == 1.0);
  CHECK(chunks.back().metadata.end_idx == 1000);
}

TEST_CASE("the first chunk opens with @schema and later chunks continue with table+(N)", "[stream_shape]") {
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  INFO("mode " << aton::compression_name(mode));
  auto chunks = guide_chunks(mode);
  REQUIRE(chunks.size() == 10);

  INFO("chunk 0:\n" << chunks[0].data.substr(0, 400));
  CHECK(chunks[0].data.starts_with("@schema["));
  CHECK(has_line(chunks[0].data, "records(100):"));
  CHECK_FALSE(has_line_starting(chunks[0].data, "records+("));
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    INFO("chunk " << i << ":\n" << chunks[i].data.substr(0, 200));
    // No key is new after chunk 0 here, so no @schema+ line either.
    CHECK(chunks[i].data.starts_with("records+(100):\n"));
    CHECK_FALSE(has_line_starting(chunks[i].data, "@schema["));
    CHECK_FALSE(has_line_starting(chunks[i].data, "@schema+["));
    CHECK_FALSE(has_line_starting(chunks[i].data, "@defaults"));
    CHECK_FALSE(has_line_starting(chunks[i].data, "@dict"));
    CHECK(lines_of(chunks[i].data).size() == 101);
  }
  for (const auto& chunk : chunks) CHECK_FALSE(chunk.data.ends_with("\n"));
}

TEST_CASE("encode() is every chunk's data joined by a newline as the guide's file writing",
          "[stream_shape]") {
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  auto chunk_size = GENERATE(std::size_t{1}, std::size_t{7}, std::size_t{100});
  aton::Arena arena;
  auto records = aton::test::RandomRecords(7, arena).records(aton::test::RecordShape::Drifting, 300);
  aton::StreamEncoder encoder(options_for(mode, chunk_size));
  std::string joined;
  for (const auto& chunk : all_chunks(encoder, Value::array(records))) {
    if (!chunk.is_first) joined += '\n';
    joined += chunk.data;
  }
  CHECK(encoder.encode(Value::array(records)) == joined);
}

TEST_CASE("a key first seen after chunk 0 is declared by @schema+ in front of the first chunk using it",
          "[stream_shape]") {
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  INFO("mode " << aton::compression_name(mode));
  aton::Arena arena;
  auto records = guide_records(300, arena);
  // From record 150 on, every record also has "late key".
  for (std::size_t i = 150; i < records.size(); ++i) {
    auto old = records[i].members();
    auto* members = arena.allocate_array<Member>(old.size() + 1);
    std::uninitialized_copy(old.begin(), old.end(), members);
    new (&members[old.size()]) Member{"late key", Value::string("x")};
    records[i] = Value::object({members, old.size() + 1});
  }
  EncoderOptions options = options_for(mode, 100);
  options.sample_size = 100;
  auto chunks = all_chunks(aton::StreamEncoder(options), Value::array(records));
  REQUIRE(chunks.size() == 3);
  INFO("chunk 1:\n" << chunks[1].data.substr(0, 300));
  CHECK_FALSE(has_line_starting(chunks[0].data, "@schema+["));
  CHECK(chunks[1].data.starts_with("@schema+[\"late key\":str]\nrecords+(100):\n"));
  CHECK(chunks[2].data.starts_with("records+(100):\n"));

  // With on_new_key = Error the same data is refused, naming key and record.
  options.on_new_key = aton::NewKeyPolicy::Error;
  std::string message;
  try {
    aton::StreamEncoder(options).encode(Value::array(records));
  } catch (const aton::EncodingError& e) {
    message = e.what();
  }
  INFO(message);
  CHECK(message.find("late key") != std::string::npos);
  CHECK(message.find("record 151 ") != std::string::npos);  // records[150], counted from 1
}

TEST_CASE("a chunk size that does not divide the total leaves a short last chunk", "[stream_shape]") {
  aton::Arena arena;
  auto records = guide_records(1000, arena);
  auto chunks = all_chunks(aton::StreamEncoder(options_for(Compression::Balanced, 7)), Value::array(records));
  REQUIRE(chunks.size() == 143);
  CHECK(chunks[141].metadata.end_idx == 994);
  CHECK(chunks.back().metadata.records_in_chunk == 6);
  CHECK(chunks.back().metadata.start_idx == 994);
  CHECK(chunks.back().metadata.end_idx == 1000);
  CHECK(chunks.back().is_last);
  CHECK(chunks.back().metadata.progress == 1.0);
  CHECK(has_line(chunks.back().data, "records+(6):"));
}

TEST_CASE("an empty table yields exactly one chunk that ends with table(0):", "[stream_shape]") {
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  INFO("mode " << aton::compression_name(mode));
  auto chunks = all_chunks(aton::StreamEncoder(options_for(mode, 100)), Value::array({}));
  REQUIRE(chunks.size() == 1);
  const auto& c = chunks.front();
  INFO(c.data);
  CHECK(c.data.ends_with("records(0):"));
  CHECK(c.chunk_id == 0);
  CHECK(c.total_chunks == std::optional<std::size_t>(1));
  CHECK(c.is_first);
  CHECK(c.is_last);
  CHECK(c.metadata.records_in_chunk == 0);
  CHECK(c.metadata.start_idx == 0);
  CHECK(c.metadata.end_idx == 0);
  CHECK(c.metadata.total_records == std::optional<std::size_t>(0));
  CHECK(c.metadata.progress == 1.0);
}

TEST_CASE("several tables and no table name is an EncodingError that names the tables", "[stream_shape]") {
  aton::Arena arena;
  auto users = guide_records(3, arena);
  auto orders = guide_records(2, arena);
  Value data = two_tables(users, orders, arena);
  aton::StreamEncoder encoder;

  auto message_of = [](auto&& call) -> std::string {
    try {
      call();
    } catch (const aton::EncodingError& e) {
      return e.what();
    }
    return "(no EncodingError)";
  };
  std::string streamed = message_of([&] { encoder.stream_encode(data); });
  std::string encoded = message_of([&] { encoder.encode(data); });
  for (const std::string& message : {streamed, encoded}) {
    INFO(message);
    CHECK(message.find("users") != std::string::npos);
    CHECK(message.find("orders") != std::string::npos);
  }

  // Naming one works, and streams only that table.
  auto chunks = all_chunks(encoder, data, "orders");
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0].metadata.table == "orders");
  CHECK(chunks[0].metadata.total_records == std::optional<std::size_t>(2));
  CHECK(has_line(chunks[0].data, "orders(2):"));
}

TEST_CASE("an unknown table is an EncodingError that names it", "[stream_shape]") {
  aton::Arena arena;
  auto users = guide_records(3, arena);
  Value data = two_tables(users, users, arena);
  aton::StreamEncoder encoder;
  CHECK_THROWS_WITH(encoder.stream_encode(data, "invoices"), Catch::Matchers::Contains("invoices"));
  CHECK_THROWS_AS(encoder.stream_encode(data, "invoices"), aton::EncodingError);
  CHECK_THROWS_AS(encoder.encode(data, "invoices"), aton::EncodingError);
  CHECK_THROWS_AS(aton::select_table(data, "invoices"), aton::EncodingError);
}

TEST_CASE("chunk size 0 is an EncodingError", "[stream_shape]") {
  EncoderOptions options;
  options.chunk_size = 0;
  CHECK_THROWS_AS(aton::StreamEncoder(options), aton::EncodingError);
  CHECK_THROWS_AS(aton::IncrementalEncoder(options, "records"), aton::EncodingError);
  CHECK_THROWS_AS(options.validate(), aton::EncodingError);
}

TEST_CASE("the incremental encoder with an unknown total gives the stream encoder's chunks",
          "[stream_shape][incremental]") {
  auto mode = GENERATE(Compression::Fast, Compression::Balanced, Compression::Ultra, Compression::Adaptive);
  auto chunk_size = GENERATE(std::size_t{1}, std::size_t{7}, std::size_t{100});
  auto shape = GENERATE(aton::test::RecordShape::Table, aton::test::RecordShape::Drifting);
  auto count = GENERATE(std::size_t{0}, std::size_t{1}, std::size_t{700}, std::size_t{1400});
  INFO("mode " << aton::compression_name(mode) << ", chunk size " << chunk_size << ", "
               << count << " records, shape " << static_cast<int>(shape));
  aton::Arena arena;
  auto records = aton::test::RandomRecords(11 + count, arena).records(shape, count);
  EncoderOptions options = options_for(mode, chunk_size);

  auto expected = all_chunks(aton::StreamEncoder(options), Value::array(records));
  auto got = incremental_chunks(options, records);
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("chunk " << i);
    CHECK(got[i].data == expected[i].data);
    CHECK(got[i].chunk_id == i);
    CHECK(got[i].is_first == (i == 0));
    CHECK(got[i].is_last == (i + 1 == got.size()));
    CHECK(got[i].metadata.table == "records");
    CHECK(got[i].metadata.records_in_chunk == expected[i].metadata.records_in_chunk);
    CHECK(got[i].metadata.start_idx == expected[i].metadata.start_idx);
    CHECK(got[i].metadata.end_idx == expected[i].metadata.end_idx);
    if (got[i].is_last) {
      CHECK(got[i].total_chunks == std::optional<std::size_t>(got.size()));
      CHECK(got[i].metadata.total_records == std::optional<std::size_t>(count));
      CHECK(got[i].metadata.progress == 1.0);
    } else {
      CHECK_FALSE(got[i].total_chunks.has_value());
      CHECK_FALSE(got[i].metadata.total_records.has_value());
    }
  }
}

TEST_CASE("the incremental encoder holds a full chunk back until it knows whether it is the last",
          "[stream_shape][incremental]") {
  aton::Arena arena;
  auto records = guide_records(201, arena);
  // The sample (the first 50 records here) is held until it is complete.
  EncoderOptions options = options_for(Compression::Balanced, 100);
  options.sample_size = 50;
  aton::IncrementalEncoder encoder(options, "records");
  for (std::size_t i = 0; i < 100; ++i) encoder.push(records[i]);
  CHECK_FALSE(encoder.pop().has_value());
  encoder.push(records[100]);
  auto first = encoder.pop();
  REQUIRE(first.has_value());
  CHECK(first->is_first);
  CHECK_FALSE(first->is_last);
  CHECK_FALSE(encoder.pop().has_value());
  for (std::size_t i = 101; i < 200; ++i) encoder.push(records[i]);
  CHECK_FALSE(encoder.pop().has_value());
  encoder.finish();
  auto second = encoder.pop();
  REQUIRE(second.has_value());
  CHECK(second->is_last);
  CHECK(second->chunk_id == 1);
  CHECK(second->total_chunks == std::optional<std::size_t>(2));
  CHECK(second->metadata.total_records == std::optional<std::size_t>(200));
  CHECK_FALSE(encoder.pop().has_value());
  CHECK(encoder.records_pushed() == 200);
  CHECK(encoder.chunks_completed() == 2);
}

TEST_CASE("on realistic data Ultra <= Balanced <= Fast in size and Adaptive is the smallest",
          "[stream_shape][compression]") {
  auto seed = GENERATE(range<std::uint64_t>(0, 8));
  auto shape = GENERATE(aton::test::RecordShape::Table, aton::test::RecordShape::Drifting);
  INFO("seed " << 100 + seed << ", shape " << static_cast<int>(shape));
  aton::Arena arena;
  // Exactly the sample's size: Adaptive chooses on all of the data.
  auto records = aton::test::RandomRecords(100 + seed, arena).records(shape, EncoderOptions().sample_size);
  check_size_order(records);
}

TEST_CASE("on the guide's records Ultra <= Balanced <= Fast and Adaptive is the smallest",
          "[stream_shape][compression]") {
  aton::Arena arena;
  check_size_order(guide_records(1000, arena));
}
