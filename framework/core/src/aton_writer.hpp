// Writes ATON text: values, rows and header lines, following a Plan.
// Internal to the core; docs/FORMAT.md is the grammar it produces.
#pragma once

#include "plan.hpp"

#include <aton/value.hpp>

#include <span>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aton::detail {

// A value as it stands in a row. Top-level strings may become dictionary
// references; nested ones never do.
void write_value(const Value& value, const Plan& plan, bool top_level, std::string& out);

// A key or table name: bare when an identifier, else a JSON string.
void write_name(std::string_view name, std::string& out);

// The results of placing one record's members into the plan's columns.
enum class RowShape { Columns, Literal };

class RowWriter {
 public:
  // Writes `record` (an Object) as one row, without the newline. New keys
  // are added to the plan's columns (the caller checks the policy first via
  // `new_keys`). Returns how the row was written.
  RowShape write(const Value& record, Plan& plan, std::string& out);

  // Keys of `record` not yet in the plan, in order.
  static void new_keys(const Value& record, const Plan& plan, std::vector<std::string_view>& out);

 private:
  std::vector<const Value*> slots_;
};

// "@schema[a:int, b:str]" (or "@schema+[...]") for columns [first, end).
void write_schema_line(const Plan& plan, std::size_t first, bool extension, std::string& out,
                       std::size_t end = SIZE_MAX);
// "@defaults[...]" when any column has a default; nothing otherwise.
void write_defaults_line(const Plan& plan, std::string& out);
// "@dict[#0:"...", ...]" when the dictionary is not empty.
void write_dictionary_line(const Plan& plan, std::string& out);
// The same for `entries` (#0, #1... in this order), with the plan's separator.
void write_dictionary_line(std::span<const std::string_view> entries, const Plan& plan, std::string& out);
// "@budget[max_tokens:4000, max_bytes:16000]", the budgets set (not 0): the
// chunks of the stream hold as many rows as fit, not a fixed number.
void write_budget_line(const Plan& plan, std::size_t max_tokens, std::size_t max_bytes, std::string& out);
// "name(N):" or "name+(N):".
void write_table_line(std::string_view table, std::size_t rows, bool continuation, std::string& out);

}  // namespace aton::detail
