#include <aton/json.hpp>

#include <aton/errors.hpp>
#include <aton/number.hpp>
#include <aton/value_builder.hpp>

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <string>
#include <unordered_map>

namespace aton {

namespace {

// RapidJSON refuses numbers beyond the range of a double (1e400, integers of
// 310 digits) even with kParseNumbersAsStringsFlag. Such numbers are hidden
// from it: each is overwritten in place by "0" and spaces (offsets, and so
// error positions, stay the same) and its text is kept here, by offset, to be
// put back when the parser reports that "0".
using BigNumbers = std::unordered_map<std::size_t, std::string>;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

BigNumbers hide_big_numbers(std::string& text) {
  BigNumbers hidden;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && !is_digit(c)) continue;
    std::size_t end = i;
    while (end < text.size() && (is_digit(text[end]) || text[end] == '-' || text[end] == '+' ||
                                 text[end] == '.' || text[end] == 'e' || text[end] == 'E'))
      ++end;
    std::string_view token(text.data() + i, end - i);
    std::size_t e = token.find_first_of("eE");
    std::size_t mantissa_digits = e == std::string_view::npos ? token.size() : e;
    bool big = mantissa_digits >= 300 || (e != std::string_view::npos && token.size() - e >= 4);
    if (big && is_json_number(token)) {
      hidden.emplace(i, std::string(token));
      text[i] = '0';
      std::fill(text.begin() + static_cast<std::ptrdiff_t>(i) + 1, text.begin() + static_cast<std::ptrdiff_t>(end), ' ');
    }
    i = end - 1;
  }
  return hidden;
}

// Forwards RapidJSON's SAX events to a ValueBuilder. Numbers arrive as text
// (kParseNumbersAsStringsFlag) so that none is rounded on the way in.
template <class Stream>
struct SaxToBuilder {
  ValueBuilder& b;
  const Stream& stream;
  const BigNumbers& hidden;  // numbers RapidJSON could not take
  std::string error;

  template <class F>
  bool guard(F&& f) {
    try {
      f();
      return true;
    } catch (const std::exception& e) {
      error = e.what();
      return false;
    }
  }
  bool Null() { return guard([&] { b.null(); }); }
  bool Bool(bool v) { return guard([&] { b.boolean(v); }); }
  bool Int(int) { return false; }  // never called with numbers as strings
  bool Uint(unsigned) { return false; }
  bool Int64(std::int64_t) { return false; }
  bool Uint64(std::uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return guard([&] {
      if (!hidden.empty()) {
        std::size_t offset = stream.Tell() - n;  // called right after the number
        auto it = hidden.find(offset);
        if (it != hidden.end()) return b.number_text(it->second, false);
      }
      b.number_text({s, n});
    });
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return guard([&] { b.string({s, n}); });
  }
  bool StartObject() { return guard([&] { b.begin_object(); }); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    return guard([&] { b.key({s, n}); });
  }
  bool EndObject(rapidjson::SizeType) { return guard([&] { b.end_object(); }); }
  bool StartArray() { return guard([&] { b.begin_array(); }); }
  bool EndArray(rapidjson::SizeType) { return guard([&] { b.end_array(); }); }
};

// Recursive (not iterative) parsing is faster; the builder's depth limit
// stops it long before the stack could overflow.
constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag |
                            rapidjson::kParseValidateEncodingFlag;

// A RapidJSON input stream over a string_view: no copy, no NUL terminator
// needed (a NUL byte inside the text reads as the end, which parse_view
// then reports).
class ViewStream {
 public:
  using Ch = char;
  explicit ViewStream(std::string_view text) : begin_(text.data()), cur_(text.data()), end_(text.data() + text.size()) {}
  Ch Peek() const { return cur_ < end_ ? *cur_ : '\0'; }
  Ch Take() { return cur_ < end_ ? *cur_++ : '\0'; }
  std::size_t Tell() const { return static_cast<std::size_t>(cur_ - begin_); }
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  std::size_t PutEnd(Ch*) { return 0; }

 private:
  const char* begin_;
  const char* cur_;
  const char* end_;
};

struct NumberTooBig {};

[[noreturn]] void throw_parse_error(std::string_view text, std::size_t offset,
                                    const std::string& what) {
  offset = std::min(offset, text.size());
  std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  std::size_t line_start = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
  line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
  throw JsonError(what, offset, line, offset - line_start + 1);
}

// `hidden`: null on the first attempt, whose NumberTooBig asks for a retry.
Value parse_view(std::string_view text, Arena& arena, const JsonReadOptions& options,
                 const BigNumbers* hidden) {
  static const BigNumbers none;
  ViewStream stream(text);
  ValueBuilder builder(arena, options.max_depth);
  SaxToBuilder<ViewStream> handler{builder, stream, hidden ? *hidden : none, {}};
  rapidjson::Reader reader;
  auto result = reader.Parse<kFlags>(stream, handler);
  if (result.IsError()) {
    if (result.Code() == rapidjson::kParseErrorNumberTooBig && !hidden) throw NumberTooBig{};
    std::string what = handler.error.empty() ? rapidjson::GetParseError_En(result.Code()) : handler.error;
    throw_parse_error(text, result.Offset(), what);
  }
  if (stream.Tell() != text.size())
    throw_parse_error(text, stream.Tell(), "a NUL byte, which JSON text cannot hold outside an escape");
  return builder.values().front();
}

}  // namespace

Value parse_json(std::string_view text, Arena& arena, const JsonReadOptions& options) {
  try {
    return parse_view(text, arena, options, nullptr);
  } catch (const NumberTooBig&) {
    // Rare: retry with the numbers RapidJSON refuses hidden from it.
    std::string rewritten(text);
    BigNumbers hidden = hide_big_numbers(rewritten);
    return parse_view(rewritten, arena, options, &hidden);
  }
}

void append_json_string(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void append_json(const Value& value, std::string& out) {
  switch (value.kind()) {
    case Value::Kind::Null: out.append("null"); return;
    case Value::Kind::Bool: out.append(value.as_bool() ? "true" : "false"); return;
    case Value::Kind::Int:
    case Value::Kind::Float:
    case Value::Kind::Number: append_number(value, out); return;
    case Value::Kind::String: append_json_string(value.as_string(), out); return;
    case Value::Kind::Array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : value.items()) {
        if (!first) out.push_back(',');
        first = false;
        append_json(item, out);
      }
      out.push_back(']');
      return;
    }
    case Value::Kind::Object: {
      out.push_back('{');
      bool first = true;
      for (const auto& m : value.members()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(m.key, out);
        out.push_back(':');
        append_json(m.value, out);
      }
      out.push_back('}');
      return;
    }
  }
}

std::string to_json(const Value& value) {
  std::string out;
  append_json(value, out);
  return out;
}

}  // namespace aton
