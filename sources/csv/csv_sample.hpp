// Type inference per column (docs/sources.md, "csv", "Typing"): the first
// rows of the input are looked at before any record is made, so that a
// column of codes ("01234", "10115") comes out as strings throughout rather
// than as a mix of strings (the leading-zero ones) and ints.
#pragma once

#include "csv_reader.hpp"
#include "csv_values.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace aton::csv_source {

// The rows the sample takes at most, and the bytes of text it holds at most
// when it must keep its rows (an input read once).
constexpr std::size_t kSampleRows = 1000;
constexpr std::size_t kSampleBytes = 8u << 20;

class ColumnSample {
 public:
  explicit ColumnSample(std::size_t columns) : counts_(columns) {}

  // Counts the unquoted values of a row with one field per column (others
  // are left to the run to report) that are not null words.
  void add(const CsvRow& row, const ValueWords& words);

  // Column `i` holds codes: more than half of its sampled values are digit
  // strings ("0123", "42") and at least one of them starts with a 0 and has
  // more digits after it.
  bool holds_codes(std::size_t i) const;

 private:
  struct Counts {
    std::uint64_t values = 0, digit_strings = 0;
    bool leading_zero = false;
  };
  std::vector<Counts> counts_;
};

}  // namespace aton::csv_source
