#include <aton/json.hpp>

#include <aton/errors.hpp>
#include <aton/number.hpp>
#include <aton/value_builder.hpp>

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <aton/errors.hpp>
#include <vector>
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

// Routes the SAX events of a document of tables to a ValueBuilder one record
// at a time: only the events inside the chosen table's records are built;
// everything else only moves `depth`.
// Thrown by a Target to end the parse without an error text of its own.
struct StopParse {};

struct RecordRouter {
  ValueBuilder& b;
  Arena& arena;
  const std::function<void(std::string_view, const Value&)>& on_record;
  std::optional<std::string_view> wanted;  // the table to read; else the only one
  std::string name{};                      // the table being read
  std::size_t depth = 0;                   // containers open around the next event
  std::size_t record_depth = 0;            // where records stand; 0 until known
  bool in_table = false;                   // inside the chosen table's array
  std::string key_{};                      // the last top-level key
  std::size_t records = 0;
  bool found = false;
  // What stopped the parse from outside it (a record that is not an object,
  // or on_record's own exception), rethrown as it was once RapidJSON returns.
  std::exception_ptr failure{};

  template <class F>
  void stop_on_failure(F&& f) {
    try {
      f();
    } catch (...) {
      failure = std::current_exception();
      throw StopParse{};
    }
  }

  bool building() const { return in_table && depth > record_depth; }
  bool at_record() const { return in_table && depth == record_depth; }
  void not_an_object() {
    stop_on_failure([&] {
      throw EncodingError("record " + std::to_string(records) + " of table '" + name + "' is not a JSON object");
    });
  }
  void scalar() {
    if (at_record()) not_an_object();
  }
  // The events, as Sax<Target> delivers them.
  void null() { building() ? b.null() : scalar(); }
  void boolean(bool v) { building() ? b.boolean(v) : scalar(); }
  void number_text(std::string_view t) { building() ? b.number_text(t) : scalar(); }
  void string(std::string_view t) { building() ? b.string(t) : scalar(); }
  void key(std::string_view k) {
    if (building()) b.key(k);
    else if (depth == 1) key_.assign(k);
  }
  void start(bool object) {
    if (depth == 0) {
      if (!object) {  // a bare array of records
        in_table = found = true;
        record_depth = 1;
        name = std::string(wanted.value_or("records"));
      }
    } else if (depth == 1 && !object && !in_table && record_depth == 0) {
      // An array member of the top object: a table.
      if (!wanted || key_ == *wanted) {
        in_table = found = true;
        record_depth = 2;
        name = key_;
      }
    } else if (at_record() && !object) {
      not_an_object();
    }
    if (building() || (at_record() && object)) object ? b.begin_object() : b.begin_array();
    ++depth;
  }
  void end(bool object) {
    --depth;
    if (building() || at_record()) object ? b.end_object() : b.end_array();
    if (at_record()) {
      stop_on_failure([&] { on_record(name, b.values().back()); });
      ++records;
      b.clear();
      arena.reset();
    } else if (in_table && depth + 1 == record_depth) {
      in_table = false;  // the table's array ended
      record_depth = record_depth == 2 ? 0 : record_depth;
    }
  }
};

// RapidJSON's SAX events, with numbers as text (kParseNumbersAsStringsFlag,
// so none is rounded on the way in and hidden ones are given back), passed
// to a Target: a whole document's builder, or the RecordRouter. A Target's
// exception becomes the parse's error text; StopParse ends it quietly.
template <class Target>
struct Sax {
  Target& t;
  const ViewStream& stream;
  const BigNumbers& hidden;
  std::string error;

  template <class F>
  bool guard(F&& f) {
    try {
      f();
      return true;
    } catch (const StopParse&) {
      return false;
    } catch (const std::exception& e) {
      error = e.what();
      return false;
    }
  }
  bool Null() { return guard([&] { t.null(); }); }
  bool Bool(bool v) { return guard([&] { t.boolean(v); }); }
  bool Int(int) { return false; }  // never called with numbers as strings
  bool Uint(unsigned) { return false; }
  bool Int64(std::int64_t) { return false; }
  bool Uint64(std::uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return guard([&] {
      if (!hidden.empty()) {
        auto it = hidden.find(stream.Tell() - n);  // called right after the number
        if (it != hidden.end()) return t.number_text(it->second);
      }
      t.number_text({s, n});
    });
  }
  bool String(const char* s, rapidjson::SizeType n, bool) { return guard([&] { t.string({s, n}); }); }
  bool Key(const char* s, rapidjson::SizeType n, bool) { return guard([&] { t.key({s, n}); }); }
  bool StartObject() { return guard([&] { t.start(true); }); }
  bool EndObject(rapidjson::SizeType) { return guard([&] { t.end(true); }); }
  bool StartArray() { return guard([&] { t.start(false); }); }
  bool EndArray(rapidjson::SizeType) { return guard([&] { t.end(false); }); }
};

// The Target that builds the whole document.
struct WholeDocument {
  ValueBuilder& b;
  void null() { b.null(); }
  void boolean(bool v) { b.boolean(v); }
  void number_text(std::string_view t) { b.number_text(t); }
  void string(std::string_view t) { b.string(t); }
  void key(std::string_view k) { b.key(k); }
  void start(bool object) { object ? b.begin_object() : b.begin_array(); }
  void end(bool object) { object ? b.end_object() : b.end_array(); }
};


// What one quick pass over a document finds, parsing nothing: the members
// of a top-level object whose values are arrays (the tables, in order, once
// each), and whether any number is one RapidJSON refuses. Strings are
// skipped with memchr; only the text between them is looked at byte by byte.
struct Outline {
  std::vector<std::string> tables;
  bool big_numbers = false;
};

Outline outline(std::string_view text) {
  Outline out;
  const char* p = text.data();
  const char* end = p + text.size();
  std::size_t depth = 0;
  std::string_view last_string;
  bool after_key = false;
  while (p < end) {
    char c = *p;
    if (c == '"') {
      const char* start = ++p;
      while (true) {
        p = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
        if (!p) return out;  // unterminated: the parser will say where
        const char* q = p;
        while (q > start && q[-1] == '\\') --q;
        if ((p - q) % 2 == 0) break;  // not escaped
        ++p;
      }
      last_string = std::string_view(start, static_cast<std::size_t>(p - start));
      ++p;
      continue;
    }
    if (c == '-' || is_digit(c)) {
      const char* start = p;
      while (p < end && (is_digit(*p) || *p == '.' || *p == '-' || *p == '+' || *p == 'e' || *p == 'E')) ++p;
      std::string_view token(start, static_cast<std::size_t>(p - start));
      std::size_t e = token.find_first_of("eE");
      if ((e == std::string_view::npos ? token.size() : e) >= 300 ||
          (e != std::string_view::npos && token.size() - e >= 4))
        out.big_numbers = true;
      after_key = false;
      continue;
    }
    switch (c) {
      case ':':
        after_key = depth == 1;
        ++p;
        continue;
      case '[':
        if (after_key) {
          std::string name(last_string);
          if (std::find(out.tables.begin(), out.tables.end(), name) == out.tables.end()) out.tables.push_back(name);
        }
        [[fallthrough]];
      case '{':
        ++depth;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      case ' ': case '\t': case '\n': case '\r':
        ++p;
        continue;
      default:
        break;
    }
    after_key = false;
    ++p;
  }
  return out;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// `hidden`: null on the first attempt, whose NumberTooBig asks for a retry.
Value parse_view(std::string_view text, Arena& arena, const JsonReadOptions& options,
                 const BigNumbers* hidden) {
  static const BigNumbers none;
  ViewStream stream(text);
  ValueBuilder builder(arena, options.max_depth);
  WholeDocument target{builder};
  Sax<WholeDocument> handler{target, stream, hidden ? *hidden : none, {}};
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

std::string for_each_record(std::string_view text, std::optional<std::string_view> table,
                            const std::function<void(std::string_view, const Value&)>& on_record,
                            const JsonReadOptions& options) {
  // Records reach on_record as they are read, so nothing can be retried:
  // numbers RapidJSON refuses are hidden up front when any may be there.
  Outline found = outline(text);
  std::string rewritten;
  BigNumbers hidden;
  if (found.big_numbers) {
    rewritten.assign(text);
    hidden = hide_big_numbers(rewritten);
    text = rewritten;
  }
  std::size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  bool tables = first != std::string_view::npos && text[first] == '{';
  const auto& names = found.tables;
  if (tables && !table) {
    if (names.size() > 1) throw EncodingError("Multiple tables found (" + join(names) + "): specify the table to encode");
    if (names.empty()) throw EncodingError("the data has no tables (no member is an array of records)");
    table = names.front();
  }
  Arena arena;
  ValueBuilder builder(arena, options.max_depth);
  RecordRouter router{builder, arena, on_record, table};
  ViewStream stream(text);
  Sax<RecordRouter> handler{router, stream, hidden, {}};
  rapidjson::Reader reader;
  auto result = reader.Parse<kFlags>(stream, handler);
  if (router.failure) std::rethrow_exception(router.failure);
  if (result.IsError()) {
    std::string what = handler.error.empty() ? rapidjson::GetParseError_En(result.Code()) : handler.error;
    throw_parse_error(text, result.Offset(), what);
  }
  if (stream.Tell() != text.size())
    throw_parse_error(text, stream.Tell(), "a NUL byte, which JSON text cannot hold outside an escape");
  if (!router.found) {
    if (!tables) throw EncodingError("the data must be an object of tables, {\"name\": [records...]}, or an array of records");
    throw EncodingError("table '" + std::string(*table) + "' not found; the data has: " +
                        (names.empty() ? std::string("no tables") : join(names)));
  }
  return router.name;
}

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
