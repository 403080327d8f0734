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

void expect_end(JsonReader& reader) {
  reader.skip_whitespace();
  if (!reader.at_end()) reader.unexpected("The document root must not be followed by other values.");
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// A JsonText over a string in memory: one stable window.
class ViewText final : public JsonText {
 public:
  explicit ViewText(std::string_view text) : text_(text) {}
  std::string_view window() const override { return text_.substr(pos_); }
  void consume(std::size_t n) override { pos_ += n; }
  bool more() override { return false; }
  bool ended() const override { return true; }
  bool stable() const override { return true; }
  std::size_t offset() const override { return pos_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Reads a document from a JsonText one step at a time: each step (a member
// name, a record, a value skipped) runs a JsonReader over the window at the
// cursor and, when the window ends inside what it reads, reads on and runs
// again. A stable text is read by a reader over the whole text (its error
// positions are the text's own); a text read in blocks keeps the count of
// the lines it has consumed, so its errors name the text's line and column
// too, and holds one value to max_record_bytes.
class DocumentReader {
 public:
  DocumentReader(JsonText& text, const JsonReadOptions& options, std::size_t batch_size,
                 const std::function<void(std::string_view, RecordBatch&)>& on_batch)
      : text_(text),
        options_(options),
        builder_(batch_.arena, options.max_depth),
        batch_size_(batch_size),
        on_batch_(on_batch) {}

  std::string read(std::optional<std::string_view> table) {
    skip_bom();
    skip_ws();
    char c = peek();
    if (c == '\0' && at_end()) fail("The document is empty.");
    if (c == '[') {  // a bare array of records
      std::string name(table.value_or("records"));
      read_table(name, 0);
      expect_end();
      return name;
    }
    if (c != '{') {
      skip_value(0);  // a malformed document is a JSON error first
      expect_end();
      throw EncodingError("the data must be an object of tables, {\"name\": [records...]}, or an array of records");
    }
    take();
    std::vector<std::string> keys, arrays;
    std::optional<std::string> chosen;
    if (table) chosen = std::string(*table);
    bool found = false;
    skip_ws();
    if (peek() == '}') {
      take();
    } else {
      for (;;) {
        std::string key = member_name();
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
        bool is_array = peek() == '[';
        if (is_array && std::find(arrays.begin(), arrays.end(), key) == arrays.end()) arrays.push_back(key);
        if (is_array && !chosen) chosen = key;  // the first array is the table
        if (is_array && key == *chosen) {
          found = true;
          read_table(key, 1);
        } else if (is_array && !table) {
          throw EncodingError("the input has several tables (" + join(arrays) + "): choose one with --table");
        } else {
          skip_value(1);
        }
        skip_ws();
        char next = peek();
        if (next == ',') {
          take();
          skip_ws();
          continue;
        }
        if (next == '}') {
          take();
          break;
        }
        fail("Missing a comma or '}' after an object member.");
      }
    }
    expect_end();
    if (!table && !found)
      throw EncodingError("the top-level object holds no array of records" +
                          (keys.empty() ? std::string(" (it is empty)") : " (it has: " + join(keys) + ")") +
                          ": expected an array of records or an object of tables {\"name\": [records]}");
    if (!found)
      throw EncodingError("table '" + std::string(*table) + "' not found; the data has: " +
                          (arrays.empty() ? std::string("no tables") : join(arrays)));
    return *chosen;
  }

 private:
  // The records of one table's array (the cursor at its '['), built into
  // the current batch, which goes to on_batch when full.
  void read_table(std::string_view name, std::size_t depth) {
    take();
    skip_ws();
    if (peek() == ']') return take();
    for (;;) {
      if (peek() != '{') {
        skip_value(depth + 1);  // a malformed value is a JSON error first
        throw EncodingError("record " + std::to_string(records_ + 1) + " of table '" + std::string(name) +
                            "' is not a JSON object");
      }
      read_record(depth + 1);
      ++records_;
      if (batch_.records.size() >= batch_size_) flush(name);
      skip_ws();
      char c = peek();
      if (c == ',') {
        take();
        skip_ws();
        continue;
      }
      if (c == ']') {
        take();
        break;
      }
      fail("Missing a comma or ']' after an array element.");
    }
    flush(name);
  }

  void read_record(std::size_t depth) {
    builder_.set_arena(batch_.arena);
    const bool in_place = text_.stable();
    step([&](JsonReader& r) {
      builder_.clear();  // what a try cut short by the window left
      if (in_place) {
        Build<true> target{builder_};
        r.value(target, depth);
      } else {
        Build<false> target{builder_};
        r.value(target, depth);
      }
    }, "record " + std::to_string(records_ + 1));
    batch_.records.push_back(builder_.values().back());
    builder_.clear();
  }

  void flush(std::string_view name) {
    // Records that read the zeros of a truncated mapping are never passed on.
    if (text_.truncated())
      throw EncodingError("the file was truncated while it was read (it shrank under the reader, as log "
                          "rotation by copytruncate does); nothing is written as complete: encode a copy that "
                          "does not change");
    if (batch_.records.empty()) return;
    batch_.text_end = text_.offset();
    on_batch_(name, batch_);
    batch_.clear();  // whatever on_batch left there
  }

  void skip_value(std::size_t depth) {
    step([&](JsonReader& r) {
      IgnoreEvents ignore;
      r.value(ignore, depth);
    }, "a value");
  }

  std::string member_name() {
    std::string name;
    step([&](JsonReader& r) {
      bool in_text = false;
      name.assign(r.member_name(in_text));
    }, "a member name");
    skip_ws();
    return name;
  }

  // Runs read(reader) at the cursor until it completes within the window,
  // then consumes what it read.
  template <class Read>
  void step(Read&& read, const std::string& what) {
    for (;;) {
      std::string_view window = text_.window();
      const bool stable = text_.stable();
      const std::size_t limit = options_.max_record_bytes;
      bool capped = !stable && window.size() > limit;
      if (capped) window = window.substr(0, limit);
      // Stable: a reader over the whole text, so errors carry its positions.
      const char* base = stable ? window.data() - text_.offset() : window.data();
      std::string_view span(base, static_cast<std::size_t>(window.data() + window.size() - base));
      JsonReader reader(span, options_.max_depth);
      reader.seek(static_cast<std::size_t>(window.data() - base));
      std::size_t start = reader.offset();
      try {
        read(reader);
      } catch (const JsonError& e) {
        if (text_.truncated()) flush("");
        if (!reader.ran_out() || text_.ended()) throw relocated(e, stable);
        if (capped || window.size() >= limit) too_large(what);
        text_.more();
        continue;
      }
      // A value that ends with the window may go on in the next block (a number).
      if (reader.offset() == span.size() && !text_.ended()) {
        if (capped || window.size() >= limit) too_large(what);
        text_.more();
        continue;
      }
      consume(reader.offset() - start);
      return;
    }
  }

  [[noreturn]] void too_large(const std::string& what) const {
    throw relocated(JsonError(what + " is longer than --max-record-bytes (" +
                                  std::to_string(options_.max_record_bytes) +
                                  " bytes) and still not complete: is this the right input? (raise "
                                  "--max-record-bytes for larger records)",
                              0, 1, 1),
                    false);
  }

  // A window reader's error in the text's terms.
  JsonError relocated(const JsonError& e, bool stable) const {
    if (stable) return e;
    std::size_t offset = text_.offset() + e.offset();
    std::size_t line = line_ + e.line() - 1;
    std::size_t column = e.line() == 1 ? text_.offset() - line_start_ + e.column() : e.column();
    return JsonError(e.reason(), offset, line, column);
  }

  void consume(std::size_t n) {
    if (!text_.stable()) {  // count the lines leaving memory
      std::string_view gone = text_.window().substr(0, n);
      for (const char* p = gone.data(), *end = p + gone.size();
           (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p))));) {
        ++line_;
        line_start_ = text_.offset() + static_cast<std::size_t>(++p - gone.data());
      }
    }
    text_.consume(n);
  }

  void skip_ws() {
    for (;;) {
      std::string_view w = text_.window();
      std::size_t i = 0;
      while (i < w.size() && (w[i] == ' ' || w[i] == '\n' || w[i] == '\r' || w[i] == '\t')) ++i;
      consume(i);
      if (i < w.size() || !text_.more()) return;
    }
  }

  void skip_bom() {
    while (text_.window().size() < 3 && text_.more()) {
    }
    if (text_.window().starts_with("\xEF\xBB\xBF")) consume(3);
  }

  char peek() {
    while (text_.window().empty())
      if (!text_.more()) return '\0';
    return text_.window().front();
  }
  bool at_end() { return peek() == '\0' && text_.window().empty(); }
  void take() { consume(1); }

  void expect_end() {
    skip_ws();
    if (!at_end()) fail("The document root must not be followed by other values.");
  }

  // A JSON error at the cursor, as the reader words it there.
  [[noreturn]] void fail(const std::string& what) {
    peek();
    step([&](JsonReader& r) { r.unexpected(what); }, "a value");
    throw JsonError(what, text_.offset(), line_, text_.offset() - line_start_ + 1);  // not reached
  }

  JsonText& text_;
  const JsonReadOptions& options_;
  RecordBatch batch_;
  ValueBuilder builder_;
  std::size_t batch_size_;
  const std::function<void(std::string_view, RecordBatch&)>& on_batch_;
  std::size_t records_ = 0;
  std::size_t line_ = 1, line_start_ = 0;  // blocks: the line at the cursor and where it starts
};

}  // namespace

std::string for_each_record(std::string_view text, std::optional<std::string_view> table,
                            const std::function<void(std::string_view, const Value&)>& on_record,
                            const JsonReadOptions& options) {
  return for_each_batch(text, table, 1, [&](std::string_view name, RecordBatch& batch) {
    on_record(name, batch.records.front());
  }, options);
}

std::string for_each_batch(JsonText& text, std::optional<std::string_view> table, std::size_t batch_size,
                           const std::function<void(std::string_view, RecordBatch&)>& on_batch,
                           const JsonReadOptions& options) {
  DocumentReader reader(text, options, batch_size, on_batch);
  return reader.read(table);
}

std::string for_each_batch(std::string_view text, std::optional<std::string_view> table, std::size_t batch_size,
                           const std::function<void(std::string_view, RecordBatch&)>& on_batch,
                           const JsonReadOptions& options) {
  ViewText view(text);
  return for_each_batch(view, table, batch_size, on_batch, options);
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
    case Value::Kind::String:
      if (value.is_plain_string()) {  // nothing in it needs escaping
        out.push_back('"');
        out.append(value.as_string());
        out.push_back('"');
        return;
      }
      append_json_string(value.as_string(), out);
      return;
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
