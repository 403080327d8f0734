#include <aton/json.hpp>

#include <aton/errors.hpp>
#include <aton/number.hpp>
#include <aton/value_builder.hpp>

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>

namespace aton {

namespace {

// Forwards RapidJSON's SAX events to a ValueBuilder. Numbers arrive as text
// (kParseNumbersAsStringsFlag) so that none is rounded on the way in.
struct SaxToBuilder {
  ValueBuilder& b;
  bool stable;  // strings point into a buffer that outlives the result
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
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return guard([&] { b.number_text({s, n}, stable && !copy); });
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return guard([&] { b.string({s, n}, stable && !copy); });
  }
  bool StartObject() { return guard([&] { b.begin_object(); }); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    return guard([&] { b.key({s, n}, stable && !copy); });
  }
  bool EndObject(rapidjson::SizeType) { return guard([&] { b.end_object(); }); }
  bool StartArray() { return guard([&] { b.begin_array(); }); }
  bool EndArray(rapidjson::SizeType) { return guard([&] { b.end_array(); }); }
};

constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag |
                            rapidjson::kParseValidateEncodingFlag |
                            rapidjson::kParseIterativeFlag;

[[noreturn]] void throw_parse_error(std::string_view text, std::size_t offset,
                                    const std::string& what) {
  offset = std::min(offset, text.size());
  std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
  std::size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  line_start = (line_start == std::string_view::npos || offset == 0) ? 0 : line_start + 1;
  throw JsonError(what, offset, line, offset - line_start + 1);
}

template <unsigned Flags, class Stream>
Value parse_with(Stream& stream, std::string_view text, Arena& arena,
                 const JsonReadOptions& options, bool stable) {
  ValueBuilder builder(arena, options.max_depth);
  SaxToBuilder handler{builder, stable, {}};
  rapidjson::Reader reader;
  auto result = reader.Parse<Flags>(stream, handler);
  if (result.IsError()) {
    std::string what = handler.error.empty() ? rapidjson::GetParseError_En(result.Code()) : handler.error;
    throw_parse_error(text, result.Offset(), what);
  }
  return builder.values().front();
}

}  // namespace

Value parse_json(std::string_view text, Arena& arena, const JsonReadOptions& options) {
  rapidjson::MemoryStream ms(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(ms);
  return parse_with<kFlags>(stream, text, arena, options, false);
}

Value parse_json_in_place(std::string& text, Arena& arena, const JsonReadOptions& options) {
  text.push_back('\0');
  rapidjson::InsituStringStream stream(text.data());
  ValueBuilder builder(arena, options.max_depth);
  SaxToBuilder handler{builder, true, {}};
  rapidjson::Reader reader;
  auto result = reader.Parse<kFlags | rapidjson::kParseInsituFlag>(stream, handler);
  if (result.IsError()) {
    std::string what = handler.error.empty() ? rapidjson::GetParseError_En(result.Code()) : handler.error;
    // Line counting still works: in-situ decoding only shortens strings
    // before the fault, it never removes newlines outside them.
    throw_parse_error(text, result.Offset(), what);
  }
  return builder.values().front();
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
