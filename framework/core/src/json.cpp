#include <aton/json.hpp>

#include <aton/errors.hpp>
#include <aton/number.hpp>
#include <aton/value_builder.hpp>

#include <aton/json_reader.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace aton {

namespace {

using aton::JsonReader;

// Builds Values from the reader's events. `in_place`: strings, keys and
// number texts that view the input stay views (the input outlives the
// values); else everything is copied into the builder's arena.
template <bool in_place>
struct Build {
  ValueBuilder& b;
  void null() { b.null(); }
  void boolean(bool v) { b.boolean(v); }
  void number(std::string_view t) {
    if constexpr (in_place) b.scalar(classify_number(t));
    else b.number_text(t);
  }
  void string(std::string_view s, bool in_text) {
    if (!in_text) return b.string(s);
    b.scalar(Value::plain_string(in_place ? s : b.arena().copy(s)));
  }
  void key(std::string_view k, bool in_text) { in_place && in_text ? b.key_in_place(k) : b.key(k); }
  void begin_object() { b.begin_object(); }
  void end_object() { b.end_object(); }
  void begin_array() { b.begin_array(); }
  void end_array() { b.end_array(); }
};

// The members of a top-level object whose values are arrays: the tables,
// in order, once each. One quick pass that parses nothing: strings are
// skipped with memchr, only the text between them is looked at.
std::vector<std::string> table_names(std::string_view text) {
  std::vector<std::string> tables;
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
        if (!p) return tables;  // unterminated: the parser will say where
        const char* q = p;
        while (q > start && q[-1] == '\\') --q;
        if ((p - q) % 2 == 0) break;  // not escaped
        ++p;
      }
      last_string = std::string_view(start, static_cast<std::size_t>(p - start));
      ++p;
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
          if (std::find(tables.begin(), tables.end(), name) == tables.end()) tables.push_back(name);
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
  return tables;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void expect_end(JsonReader& reader) {
  reader.skip_whitespace();
  if (!reader.at_end()) reader.unexpected("The document root must not be followed by other values.");
}

// Reads the records of one table's array (the cursor at its '['), built in
// place into the current batch, which goes to on_batch when full.
class RecordStream {
 public:
  RecordStream(JsonReader& reader, const JsonReadOptions& options, std::size_t batch_size,
               const std::function<void(std::string_view, RecordBatch&)>& on_batch)
      : reader_(reader), builder_(batch_.arena, options.max_depth), batch_size_(batch_size), on_batch_(on_batch) {}

  void read_table(std::string_view name, std::size_t depth) {
    reader_.advance();
    reader_.skip_whitespace();
    if (reader_.peek() == ']') return reader_.advance();
    Build<true> target{builder_};
    while (true) {
      if (reader_.peek() != '{') {
        IgnoreEvents ignore;
        reader_.value(ignore, depth + 1);  // a malformed value is a JSON error first
        throw EncodingError("record " + std::to_string(records_ + 1) + " of table '" + std::string(name) +
                            "' is not a JSON object");
      }
      builder_.set_arena(batch_.arena);
      reader_.value(target, depth + 1);
      batch_.records.push_back(builder_.values().back());
      builder_.clear();
      ++records_;
      if (batch_.records.size() >= batch_size_) flush(name);
      if (!reader_.next_item(false)) break;
    }
    flush(name);
  }

 private:
  void flush(std::string_view name) {
    if (batch_.records.empty()) return;
    batch_.text_end = reader_.offset();
    on_batch_(name, batch_);
    batch_.clear();  // whatever on_batch left there
  }

  JsonReader& reader_;
  RecordBatch batch_;
  ValueBuilder builder_;
  std::size_t batch_size_;
  const std::function<void(std::string_view, RecordBatch&)>& on_batch_;
  std::size_t records_ = 0;
};

}  // namespace

std::string for_each_record(std::string_view text, std::optional<std::string_view> table,
                            const std::function<void(std::string_view, const Value&)>& on_record,
                            const JsonReadOptions& options) {
  return for_each_batch(text, table, 1, [&](std::string_view name, RecordBatch& batch) {
    on_record(name, batch.records.front());
  }, options);
}

std::string for_each_batch(std::string_view text, std::optional<std::string_view> table, std::size_t batch_size,
                           const std::function<void(std::string_view, RecordBatch&)>& on_batch,
                           const JsonReadOptions& options) {
  JsonReader reader(text, options.max_depth);
  reader.skip_bom();
  reader.skip_whitespace();
  if (reader.at_end()) reader.unexpected("The document is empty.");
  RecordStream records(reader, options, batch_size, on_batch);
  IgnoreEvents ignore;
  if (reader.peek() == '[') {  // a bare array of records
    std::string name(table.value_or("records"));
    records.read_table(name, 0);
    expect_end(reader);
    return name;
  }
  if (reader.peek() != '{') {
    reader.value(ignore, 0);  // a malformed document is a JSON error first
    expect_end(reader);
    throw EncodingError("the data must be an object of tables, {\"name\": [records...]}, or an array of records");
  }
  // An object of tables. Without a chosen table the document must have one
  // only, which a quick pass finds before any record is read.
  std::vector<std::string> seen;
  if (!table) {
    seen = table_names(text);
    if (seen.size() > 1) throw EncodingError("Multiple tables found (" + join(seen) + "): specify the table to encode");
    if (seen.empty()) {
      reader.value(ignore, 0);
      expect_end(reader);
      throw EncodingError("the data has no tables (no member is an array of records)");
    }
    table = seen.front();
  }
  bool found = false;
  reader.advance();
  reader.skip_whitespace();
  if (reader.peek() == '}') {
    reader.advance();
  } else {
    std::string key;
    do {
      bool in_text = false;
      key.assign(reader.member_name(in_text));
      if (reader.peek() == '[' && key == *table) {
        found = true;
        records.read_table(key, 1);
      } else {
        if (reader.peek() == '[' && std::find(seen.begin(), seen.end(), key) == seen.end()) seen.push_back(key);
        reader.value(ignore, 1);
      }
    } while (reader.next_item(true));
  }
  expect_end(reader);
  if (!found)
    throw EncodingError("table '" + std::string(*table) + "' not found; the data has: " +
                        (seen.empty() ? std::string("no tables") : join(seen)));
  return std::string(*table);
}

void read_json_value(JsonReader& reader, ValueBuilder& builder, bool in_place) {
  if (in_place) {
    Build<true> target{builder};
    reader.value(target, builder.depth());
  } else {
    Build<false> target{builder};
    reader.value(target, builder.depth());
  }
}

Value parse_json(std::string_view text, Arena& arena, const JsonReadOptions& options) {
  JsonReader reader(text, options.max_depth);
  reader.skip_bom();
  reader.skip_whitespace();
  if (reader.at_end()) reader.unexpected("The document is empty.");
  ValueBuilder builder(arena, options.max_depth + 1);
  Build<false> target{builder};
  reader.value(target, 0);
  expect_end(reader);
  return builder.values().front();
}

namespace {

// The first byte from `i` that JSON must escape ('"', '\\', a control
// character), or s.size(). Sixteen bytes at a time where SSE2 is there.
std::size_t next_to_escape(std::string_view s, std::size_t i) {
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20),
                zero = _mm_setzero_si128();
  for (; i + 16 <= s.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    // Signed: below 0x20 but not negative (bytes from 0x80 are UTF-8).
    __m128i control = _mm_andnot_si128(_mm_cmplt_epi8(v, zero), _mm_cmplt_epi8(v, space));
    __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), control);
    if (auto mask = static_cast<unsigned>(_mm_movemask_epi8(special))) return i + static_cast<std::size_t>(std::countr_zero(mask));
  }
#endif
  for (; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"' || c == '\\') return i;
  }
  return s.size();
}

}  // namespace

void append_json_string(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = next_to_escape(s, 0); i < s.size(); i = next_to_escape(s, i + 1)) {
    unsigned char c = static_cast<unsigned char>(s[i]);
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
