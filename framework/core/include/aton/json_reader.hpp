// A JSON reader over one contiguous text, written for the hot path (`aton
// encode`, the json source): one pass, strings without escapes handed out
// as views of the text (no copy), UTF-8 checked on the way, numbers of any
// size handed out as their text (nothing rounded, nothing refused).
//
// Events go to a Target:
//   null()  boolean(bool)  number(text)  string(s, in_text)  key(s, in_text)
//   begin_object()  end_object()  begin_array()  end_array()
// `in_text` is true when `s` views the input text, and so lives as long as
// it; false when it views the reader's scratch buffer (a string that had
// escapes), valid only during the call. A string with in_text true had no
// escapes, so it holds no '"', '\\' or control character: it needs none.
//
// Errors are JsonError with the byte offset, line and column. A reader over
// a window of a longer input (the json source reads files in blocks) asks
// ran_out() after an error: true when the window ended before the value
// did, so the value should be read again over a longer window.
#pragma once

#include <aton/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace aton {

class JsonReader {
 public:
  JsonReader(std::string_view text, std::size_t max_depth)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), max_depth_(max_depth) {}

  // Skips a UTF-8 byte order mark at the start, and whitespace.
  void skip_bom() {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
  }
  void skip_whitespace() {
    // Compact JSON has none: one compare says so.
    if (p_ < end_ && static_cast<unsigned char>(*p_) > ' ') return;
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool at_end() const { return p_ == end_; }
  // The next byte, or '\0' at the end.
  char peek() const { return p_ < end_ ? *p_ : '\0'; }
  void advance() { ++p_; }
  std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }
  void seek(std::size_t offset) { p_ = begin_ + offset; }
  // After a JsonError: whether the text ended before the value did.
  bool ran_out() const { return ran_out_; }

  // Reads the string at the cursor (which is at its '"'); see in_text above.
  std::string_view string(bool& in_text);

  // The steps of a container, for callers that walk one by hand: a
  // member's name and its ':' (the cursor then at the value), and what
  // follows an item: true after a ',' (the cursor at the next item), false
  // after the container's closing bracket.
  std::string_view member_name(bool& in_text);
  bool next_item(bool in_object);

  // Reads one value of any kind at the cursor, nested `depth` containers
  // deep, and sends its events to `t`.
  template <class Target>
  void value(Target& t, std::size_t depth);

  // Throws JsonError for the byte at the cursor: `what` there, or the end
  // of the input, or a NUL byte, whichever it is.
  [[noreturn]] void unexpected(const std::string& what) const;
  [[noreturn]] void fail(const std::string& what, std::size_t offset) const;
  [[noreturn]] void too_deep() const;

 private:
  template <class Target>
  void object(Target& t, std::size_t depth);
  template <class Target>
  void array(Target& t, std::size_t depth);
  std::string_view number();
  void literal(std::string_view word);
  std::string_view unescape(const char* start, const char* at);
  const char* utf8_sequence(const char* p) const;
  const char* next_char(const char* p);
  [[noreturn]] void unterminated(const char* start) const;

  const char* begin_;
  const char* p_;
  const char* end_;
  std::size_t max_depth_;
  std::string scratch_;
  mutable bool ran_out_ = false;
};

// Inline: every member and item of every record passes here.
inline std::string_view JsonReader::member_name(bool& in_text) {
  if (peek() != '"') unexpected("Missing a name for object member.");
  std::string_view name = string(in_text);
  skip_whitespace();
  if (peek() != ':') unexpected("Missing a colon after a name of object member.");
  ++p_;
  skip_whitespace();
  return name;
}

inline bool JsonReader::next_item(bool in_object) {
  skip_whitespace();
  char c = peek();
  if (c == ',') {
    ++p_;
    skip_whitespace();
    return true;
  }
  if (c != (in_object ? '}' : ']'))
    unexpected(in_object ? "Missing a comma or '}' after an object member."
                         : "Missing a comma or ']' after an array element.");
  ++p_;
  return false;
}

template <class Target>
void JsonReader::value(Target& t, std::size_t depth) {
  switch (peek()) {
    case '{': return object(t, depth);
    case '[': return array(t, depth);
    case '"': {
      bool in_text = false;
      std::string_view s = string(in_text);
      t.string(s, in_text);
      return;
    }
    case 't': literal("true"); t.boolean(true); return;
    case 'f': literal("false"); t.boolean(false); return;
    case 'n': literal("null"); t.null(); return;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      t.number(number());
      return;
    default:
      unexpected("Invalid value.");
  }
}

template <class Target>
void JsonReader::object(Target& t, std::size_t depth) {
  if (depth >= max_depth_) too_deep();
  ++p_;
  t.begin_object();
  skip_whitespace();
  if (peek() == '}') {
    ++p_;
    t.end_object();
    return;
  }
  do {
    bool in_text = false;
    std::string_view key = member_name(in_text);
    t.key(key, in_text);
    value(t, depth + 1);
  } while (next_item(true));
  t.end_object();
}

template <class Target>
void JsonReader::array(Target& t, std::size_t depth) {
  if (depth >= max_depth_) too_deep();
  ++p_;
  t.begin_array();
  skip_whitespace();
  if (peek() == ']') {
    ++p_;
    t.end_array();
    return;
  }
  do {
    value(t, depth + 1);
  } while (next_item(false));
  t.end_array();
}

// A Target that only checks: every event is dropped.
struct IgnoreEvents {
  void null() {}
  void boolean(bool) {}
  void number(std::string_view) {}
  void string(std::string_view, bool) {}
  void key(std::string_view, bool) {}
  void begin_object() {}
  void end_object() {}
  void begin_array() {}
  void end_array() {}
};

}  // namespace aton
