// How one CSV field becomes a value (docs/sources.md, "csv"): inference from
// the text, or the type a `types` override asks for. Numbers go to the host
// as text (number_text) so they stay exactly as written.
#pragma once

#include <aton/plugin.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton::csv_source {

enum class ColumnType {
  Infer,      // infer_types: true and no override
  InferText,  // inferred, but numbers stay text: a column of codes such as "01234" (csv_sample.hpp)
  Str,    // always a string; the only type with infer_types: false
  Int,
  Float,
  Bool
};

// "str", "int", "float", "bool"; nullopt for anything else.
std::optional<ColumnType> parse_column_type(std::string_view name);
const char* column_type_name(ColumnType type);

// True when `text` is a JSON number literal (RFC 8259): "12", "-0.5", "1e3";
// not "007", "+1", ".5", "1.", "NaN".
bool is_json_number(std::string_view text);

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code
// points past U+10FFFF).
bool is_valid_utf8(std::string_view text);

// True when every byte of `text` is ASCII other than NUL: then every part
// of it is UTF-8 without a NUL, and needs no closer look. Eight bytes at a
// time: most rows of most files are all ASCII.
bool is_ascii_without_nul(std::string_view text);

// The words and the number form the config gives (null_values, true_values,
// false_values, decimal). The defaults are the rules from before these
// options: an empty field is null, `true`/`false` are booleans, '.' marks
// decimals. A field that matches none of them keeps its exact text.
struct ValueWords {
  std::vector<std::string> nulls{""};
  std::vector<std::string> trues{"true"};
  std::vector<std::string> falses{"false"};
  bool decimal_comma = false;  // "3,14" is 3.14, and a '.' makes a field text

  // Reads the options; check() has refused any that do not fit.
  static ValueWords from_config(const sdk::Config& config);
  // What check() refuses: lists that are not of strings, a word both true
  // and false (or null), `decimal` other than "." or ",", and "," with the
  // "," delimiter.
  static void check(const sdk::Config& config, sdk::Problems& problems);

  bool is_null(std::string_view text) const;
  bool is_true(std::string_view text) const;
  bool is_false(std::string_view text) const;
  // The JSON number text `text` stands for, or nullopt: `text` itself, or,
  // with a decimal comma, its text with ',' as '.' in `scratch`.
  std::optional<std::string_view> number(std::string_view text, std::string& scratch) const;
};

// Emits the field. Returns false, emitting nothing, when the text cannot be
// of `type` (the caller reports it with the line and column); `scratch` is
// reused for the rewritten text of an override.
bool emit_field(sdk::RecordBuilder& out, std::string_view text, bool quoted, ColumnType type,
                const ValueWords& words, std::string& scratch);

}  // namespace aton::csv_source
