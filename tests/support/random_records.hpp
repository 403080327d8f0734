// Seeded random records for the lossless proofs of the ATON core.
//
// Everything a record set can hold, biased towards what an encoder gets
// wrong: texts that look like numbers, keywords, references ("#1"), headers
// ("@schema", "records(3):"), quotes, backslashes (a trailing one too),
// control characters, astral UTF-8; ints at the int64 limits, floats at the
// double limits and -0.0, numbers no double or int64 holds (kept as text);
// keys with ':' ',' spaces and quotes, the empty key; absent keys.
//
// Noise alone never makes a column worth a default or a string worth the
// dictionary, so the generator also makes realistic tables: fixed columns,
// a dominant value in some, a handful of repeated strings.
//
// Ownership: every string, array and object lives in the Arena given to the
// constructor; the records are valid as long as its contents. The same seed
// gives the same records (on the same standard library).
#pragma once

#include <aton/arena.hpp>
#include <aton/value.hpp>

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string_view>
#include <vector>

namespace aton::test {

enum class RecordShape {
  Noise,     // random subsets of tricky keys, random nested values
  Table,     // fixed columns, dominant values, repeated strings
  Drifting,  // a table whose columns come late, change type or order
};

class RandomRecords {
 public:
  RandomRecords(std::uint64_t seed, Arena& arena);

  // `count` records of one shape, as one table would hold them.
  std::vector<Value> records(RecordShape shape, std::size_t count);

  // One value of any kind, containers at most `depth` levels deep.
  Value any_value(int depth);
  Value scalar();
  Value number();
  std::string_view text();
  std::string_view key();

 private:
  enum class ColumnKind;
  struct Column;
  struct TablePlan;
  Value noise_record(int depth);
  TablePlan plan_table(std::size_t count, bool drifting);
  Value column_value(const Column& column, std::size_t index);
  Value table_record(const TablePlan& plan, std::size_t index);
  Value object_of(std::span<const Member> members);
  Value array_of(std::span<const Value> items);
  std::string_view random_unicode(std::size_t max_chars);
  std::string_view plain_word();
  std::string_view ascii_word();
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  template <class T>
  const T& pick(std::span<const T> pool) { return pool[below(pool.size())]; }

  std::mt19937_64 rng_;
  Arena& arena_;
};

// A bare array of `records`, the form StreamEncoder calls the table `records`.
// Views `records`, which must outlive it.
inline Value as_records(std::span<const Value> records) { return Value::array(records); }

}  // namespace aton::test
