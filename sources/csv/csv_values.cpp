#include "csv_values.hpp"

#include <cctype>
#include <cstdint>
#include <cstring>
#include <strings.h>

namespace aton::csv_source {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// An integer for an `int` override: an optional sign and digits. Written to
// `out` as a JSON literal: no '+', no leading zeros ("007" -> "7").
bool to_integer_literal(std::string_view text, std::string& out) {
  out.clear();
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    if (text[i] == '-') out.push_back('-');
    ++i;
  }
  if (i == text.size()) return false;
  for (std::size_t j = i; j < text.size(); ++j)
    if (!is_digit(text[j])) return false;
  while (i + 1 < text.size() && text[i] == '0') ++i;
  out.append(text.substr(i));
  if (out == "-0") out = "0";
  return true;
}

}  // namespace

std::optional<ColumnType> parse_column_type(std::string_view name) {
  if (name == "str") return ColumnType::Str;
  if (name == "int") return ColumnType::Int;
  if (name == "float") return ColumnType::Float;
  if (name == "bool") return ColumnType::Bool;
  return std::nullopt;
}

const char* column_type_name(ColumnType type) {
  switch (type) {
    case ColumnType::Str: return "str";
    case ColumnType::Int: return "int";
    case ColumnType::Float: return "float";
    case ColumnType::Bool: return "bool";
    default: return "inferred";
  }
}

bool is_json_number(std::string_view s) {
  std::size_t i = 0, n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i == n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (is_digit(s[i])) {
    while (i < n && is_digit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (i == n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i == n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) ++i;
  }
  return i == n;
}

bool is_valid_utf8(std::string_view text) {
  auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t n = text.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    i += len;
  }
  return true;
}

bool is_ascii_without_nul(std::string_view text) {
  constexpr std::uint64_t kOnes = 0x0101010101010101u, kHighs = 0x8080808080808080u;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    if ((w & kHighs) || ((w - kOnes) & ~w & kHighs)) return false;  // a byte >= 0x80, or a zero byte
  }
  for (; i < text.size(); ++i)
    if (static_cast<unsigned char>(text[i]) - 1u >= 0x7Fu) return false;
  return true;
}

bool emit_field(sdk::RecordBuilder& out, std::string_view text, bool quoted, ColumnType type,
                std::string& scratch) {
  switch (type) {
    case ColumnType::Str:
      out.string(text);
      return true;
    case ColumnType::Infer:
      if (quoted) {
        out.string(text);
      } else if (text.empty()) {
        out.null();
      } else if (text == "true" || text == "false") {
        out.boolean(text == "true");
      } else if (is_json_number(text)) {
        out.number_text(text);
      } else {
        out.string(text);
      }
      return true;
    default:
      break;
  }
  // An override: an empty field is null, anything else must fit.
  if (text.empty()) {
    out.null();
    return true;
  }
  switch (type) {
    case ColumnType::Int:
      if (!to_integer_literal(text, scratch)) return false;
      out.number_text(scratch);
      return true;
    case ColumnType::Float:
      if (!is_json_number(text)) return false;
      if (text.find_first_of(".eE") != std::string_view::npos) {
        out.number_text(text);
      } else {  // "12" would read as an int: "12.0" is the same number as a float
        scratch.assign(text);
        scratch += ".0";
        out.number_text(scratch);
      }
      return true;
    case ColumnType::Bool:
      if (equals_ignoring_case(text, "true")) {
        out.boolean(true);
      } else if (equals_ignoring_case(text, "false")) {
        out.boolean(false);
      } else {
        return false;
      }
      return true;
    default:
      return false;
  }
}

}  // namespace aton::csv_source
