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

namespace {

// The strings of option `key`, or nullopt when it is absent.
std::optional<std::vector<std::string>> words_of(const sdk::Config& config, const char* key) {
  const auto* value = config.get(key);
  if (!value || value->IsNull()) return std::nullopt;
  std::vector<std::string> out;
  if (value->IsArray())
    for (const auto& v : value->GetArray())
      if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
  return out;
}

bool is_string_array(const rapidjson::Value* value) {
  if (!value || value->IsNull()) return true;
  if (!value->IsArray()) return false;
  for (const auto& v : value->GetArray())
    if (!v.IsString()) return false;
  return true;
}

bool contains(const std::vector<std::string>& words, std::string_view text) {
  for (const auto& w : words)
    if (w == text) return true;
  return false;
}

bool contains_ignoring_case(const std::vector<std::string>& words, std::string_view text) {
  for (const auto& w : words)
    if (equals_ignoring_case(w, text)) return true;
  return false;
}

}  // namespace

ValueWords ValueWords::from_config(const sdk::Config& config) {
  ValueWords words;
  if (auto w = words_of(config, "null_values")) words.nulls = std::move(*w);
  if (auto w = words_of(config, "true_values")) words.trues = std::move(*w);
  if (auto w = words_of(config, "false_values")) words.falses = std::move(*w);
  words.decimal_comma = config.string("decimal", ".") == ",";
  return words;
}

void ValueWords::check(const sdk::Config& config, sdk::Problems& problems) {
  using sdk::Problems;
  bool lists = true;
  for (const char* key : {"null_values", "true_values", "false_values"})
    if (!is_string_array(config.get(key))) {
      problems.add(Problems::key(key), "must be an array of strings, e.g. [\"\", \"NA\"]");
      lists = false;
    }
  if (lists) {
    // A word may mean one thing only: which one would be a guess.
    ValueWords words = from_config(config);
    auto refuse_overlap = [&](const char* key, const std::vector<std::string>& list, const char* other,
                              const std::vector<std::string>& other_list) {
      for (const auto& w : list)
        if (contains(other_list, w)) {
          problems.add(Problems::key(key), "\"" + w + "\" is in " + other +
                                               " too (or its default): a word can mean one value only");
          return;
        }
    };
    refuse_overlap("false_values", words.falses, "true_values", words.trues);
    refuse_overlap("true_values", words.trues, "null_values", words.nulls);
    refuse_overlap("false_values", words.falses, "null_values", words.nulls);
  }
  if (const auto* decimal = config.get("decimal"); decimal && !decimal->IsNull()) {
    std::string mark = config.string("decimal");
    if (mark != "." && mark != ",")
      problems.add(Problems::key("decimal"), "must be \".\" or \",\"");
    else if (mark == "," && config.string("delimiter", ",") == ",")
      problems.add(Problems::key("decimal"), "a decimal comma needs another field separator: set \"delimiter\" "
                                             "too, e.g. \";\" (a comma cannot separate both fields and decimals)");
  }
}

bool ValueWords::is_null(std::string_view text) const { return contains(nulls, text); }
bool ValueWords::is_true(std::string_view text) const { return contains(trues, text); }
bool ValueWords::is_false(std::string_view text) const { return contains(falses, text); }

std::optional<std::string_view> ValueWords::number(std::string_view text, std::string& scratch) const {
  if (!decimal_comma) return is_json_number(text) ? std::optional(text) : std::nullopt;
  // "1.234" is a thousands separator in a decimal-comma file, or a mistake:
  // either way not the number its text says, so it stays text.
  if (text.find('.') != std::string_view::npos) return std::nullopt;
  auto comma = text.find(',');
  if (comma == std::string_view::npos) return is_json_number(text) ? std::optional(text) : std::nullopt;
  scratch.assign(text);
  scratch[comma] = '.';
  return is_json_number(scratch) ? std::optional<std::string_view>(scratch) : std::nullopt;
}

bool emit_field(sdk::RecordBuilder& out, std::string_view text, bool quoted, ColumnType type,
                const ValueWords& words, std::string& scratch) {
  switch (type) {
    case ColumnType::Str:
      out.string(text);
      return true;
    case ColumnType::Infer:
    case ColumnType::InferText:
      if (quoted) {
        out.string(text);
      } else if (words.is_null(text)) {
        out.null();
      } else if (words.is_true(text)) {
        out.boolean(true);
      } else if (words.is_false(text)) {
        out.boolean(false);
      } else if (auto number = type == ColumnType::Infer ? words.number(text, scratch) : std::nullopt) {
        out.number_text(*number);
      } else {
        out.string(text);
      }
      return true;
    default:
      break;
  }
  // An override: a null word (by default the empty field) is null, anything
  // else must fit.
  if (words.is_null(text)) {
    out.null();
    return true;
  }
  switch (type) {
    case ColumnType::Int:
      if (!to_integer_literal(text, scratch)) return false;
      out.number_text(scratch);
      return true;
    case ColumnType::Float: {
      auto number = words.number(text, scratch);
      if (!number) return false;
      if (number->find_first_of(".eE") != std::string_view::npos) {
        out.number_text(*number);
      } else {  // "12" would read as an int: "12.0" is the same number as a float
        if (number->data() != scratch.data()) scratch.assign(*number);
        scratch += ".0";
        out.number_text(scratch);
      }
      return true;
    }
    case ColumnType::Bool:
      if (contains_ignoring_case(words.trues, text)) {
        out.boolean(true);
      } else if (contains_ignoring_case(words.falses, text)) {
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
