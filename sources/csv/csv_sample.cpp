#include "csv_sample.hpp"

namespace aton::csv_source {

void ColumnSample::add(const CsvRow& row, const ValueWords& words) {
  if (row.fields.size() != counts_.size()) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (row.fields[i].quoted) continue;  // a quoted field is a string anyway
    auto text = row.field(i);
    if (words.is_null(text)) continue;
    auto& c = counts_[i];
    ++c.values;
    bool digits = !text.empty();
    for (char ch : text) digits = digits && ch >= '0' && ch <= '9';
    if (!digits) continue;
    ++c.digit_strings;
    if (text.size() > 1 && text[0] == '0') c.leading_zero = true;
  }
}

bool ColumnSample::holds_codes(std::size_t i) const {
  const auto& c = counts_[i];
  return c.leading_zero && c.digit_strings * 2 > c.values;
}

}  // namespace aton::csv_source
