// How one CSV field becomes a value (docs/sources.md, "csv"): inference from
// the text, or the type a `types` override asks for. Numbers go to the host
// as text (number_text) so they stay exactly as written.
#pragma once

#include <aton/plugin.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace aton::csv_source {

enum class ColumnType {
  Infer,  // infer_types: true and no override
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

// Emits the field. Returns false, emitting nothing, when the text cannot be
// of `type` (the caller reports it with the line and column); `scratch` is
// reused for the rewritten text of an override.
bool emit_field(sdk::RecordBuilder& out, std::string_view text, bool quoted, ColumnType type,
                std::string& scratch);

}  // namespace aton::csv_source
