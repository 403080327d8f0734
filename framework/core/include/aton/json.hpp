// JSON text to and from the record model (RapidJSON underneath).
#pragma once

#include <aton/arena.hpp>
#include <aton/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace aton {

struct JsonReadOptions {
  std::size_t max_depth = 512;  // deeper nesting is an error, never a stack overflow
};

// Parses one JSON text. Strings, keys and number texts are copied into
// `arena`; the result lives as long as the arena's contents.
// Throws JsonError (message, byte offset, line, column) on malformed JSON,
// invalid UTF-8 or nesting deeper than the limit.
Value parse_json(std::string_view text, Arena& arena, const JsonReadOptions& options = {});

// Compact JSON, keys in order, numbers as the record model keeps them.
void append_json(const Value& value, std::string& out);
std::string to_json(const Value& value);

// Appends `s` as a JSON string literal (quotes, escapes for '"', '\\' and
// control characters; UTF-8 passed through).
void append_json_string(std::string_view s, std::string& out);

}  // namespace aton
