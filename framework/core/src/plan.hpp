// An encoding plan: what the analysis of the first records fixed for a whole
// stream — the columns, their defaults, the dictionary — and how strings are
// written. Internal to the core.
#pragma once

#include <aton/arena.hpp>
#include <aton/encoder_options.hpp>
#include <aton/tokenizer.hpp>
#include <aton/value.hpp>

#include "string_index.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aton::detail {

struct Column {
  std::string_view key;   // in the plan's arena
  std::string type;       // int, float, num, str, bool, null, array, object, any
  std::optional<Value> default_value;
};

struct Plan {
  Arena arena;  // keys, default values and dictionary strings live here
  std::vector<Column> columns;
  StringIndex column_index;
  std::vector<std::string_view> dictionary;
  StringIndex dictionary_index;
  bool bare_strings = false;
  // ", " between values, as the guide writes; "," in the compact plans
  // (ULTRA), which saves a token at nearly every field.
  bool compact = false;
  std::string_view separator() const { return compact ? "," : ", "; }
  Compression mode = Compression::Fast;

  // Appends a column (schema drift) and returns its index.
  std::size_t add_column(std::string_view key, const Value& first_value);
};

// What the choices minimise: bytes, or the tokens of a tokenizer when the
// encoder has one (encoder.tokenizer): a model's prompt is measured in
// tokens, and the two disagree (`, 66, 1750, ` is 9 tokens, `,66,1750,` 6).
struct CostModel {
  const Tokenizer* tokens = nullptr;
  std::size_t of(std::string_view text) const { return tokens ? tokens->count(text) : text.size(); }
};

// Chooses columns, defaults and dictionary from `sample` by the rules of one
// mode (Fast, Balanced or Ultra), writing strings bare where allowed if
// `bare_strings`, values separated by "," if `compact` (else ", "). The
// rules estimate savings in `cost`'s unit; the encoder measures the real
// cost of a few such plans and keeps the cheapest (see stream_encoder.cpp).
void make_plan(std::span<const Value> sample, Compression mode, bool bare_strings, bool compact,
               const CostModel& cost, Plan& plan);

// A deep copy of `value` whose strings and children live in `arena`.
Value copy_value(const Value& value, Arena& arena);

}  // namespace aton::detail
