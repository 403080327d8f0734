#include "json_records.hpp"

#include "record_forwarder.hpp"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace aton::json_source {
namespace {

// What a value that starts with `c` is, for messages.
std::string describe(char c, bool at_end) {
  if (c == '\0' && !at_end) return "a NUL byte";
  switch (c) {
    case '"': return "a string";
    case '[': return "an array";
    case '{': return "an object";
    case 't':
    case 'f': return "a boolean";
    case 'n': return "null";
    case '\0': return "the end of the input";
    default:
      if (c == '-' || (c >= '0' && c <= '9')) return "a number";
      return std::string("'") + c + "'";
  }
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Keeps the one string a key parse produces.
struct KeyCatcher : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, KeyCatcher> {
  std::string text;
  bool String(const char* s, rapidjson::SizeType n, bool) {
    text.assign(s, n);
    return true;
  }
};

// A made-up text, then the rest of the input: resumes a parse that
// RapidJSON gave up (see RecordReader::parse_value).
class ResumeStream {
 public:
  using Ch = char;
  ResumeStream(const std::string& prefix, std::size_t at, InputStream& rest) : prefix_(prefix), at_(at), rest_(rest) {}
  Ch Peek() const { return pos_ < prefix_.size() ? prefix_[pos_] : rest_.Peek(); }
  Ch Take() { return pos_ < prefix_.size() ? prefix_[pos_++] : rest_.Take(); }
  // The made-up text stands where the refused number was.
  std::size_t Tell() const { return pos_ < prefix_.size() ? at_ : rest_.Tell(); }
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  std::size_t PutEnd(Ch*) { return 0; }

 private:
  const std::string& prefix_;
  std::size_t at_, pos_ = 0;
  InputStream& rest_;
};

// Forwards a value's events (none when `out` is null: the value is only
// checked) and keeps the stack of open containers, 'a' or 'o', so that a
// parse can be resumed where it stopped. The first `skip` events are not
// forwarded (the made-up text of a resumed parse), and the number after
// them goes out as `number` instead of the "0" that stood for it.
class ResumingForwarder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ResumingForwarder> {
 public:
  ResumingForwarder(sdk::RecordBuilder* out, std::string& open, std::size_t skip = 0, std::string_view number = {})
      : open_(open), skip_(skip), number_(number) {
    if (out) forward_.emplace(*out);
    open_.clear();
  }

  bool Null() { return pass() ? forward_->Null() : true; }
  bool Bool(bool b) { return pass() ? forward_->Bool(b) : true; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    if (!number_.empty() && skip_ == 0) {
      std::string_view text = std::exchange(number_, {});
      s = text.data();
      n = static_cast<rapidjson::SizeType>(text.size());
    }
    return pass() ? forward_->RawNumber(s, n, copy) : true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return pass() ? forward_->String(s, n, copy) : true; }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return pass() ? forward_->Key(s, n, copy) : true; }
  bool StartObject() {
    open_.push_back('o');
    return pass() ? forward_->StartObject() : true;
  }
  bool EndObject(rapidjson::SizeType n) {
    open_.pop_back();
    return pass() ? forward_->EndObject(n) : true;
  }
  bool StartArray() {
    open_.push_back('a');
    return pass() ? forward_->StartArray() : true;
  }
  bool EndArray(rapidjson::SizeType n) {
    open_.pop_back();
    return pass() ? forward_->EndArray(n) : true;
  }

 private:
  // False for a made-up event, and for every event when only checking.
  bool pass() {
    if (skip_ > 0) return --skip_, false;
    return forward_.has_value();
  }

  std::optional<RecordForwarder> forward_;
  std::string& open_;
  std::size_t skip_;
  std::string_view number_;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool in_number(char c) { return is_digit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'; }

// The length of the JSON number literal at the start of `s` (RFC 8259),
// 0 when there is none.
std::size_t json_number_length(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t from = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i - from;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') ++i;
  else if (digits() == 0) return 0;
  if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
    ++i;
    digits();
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t mark = i++;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) i = mark;
  }
  return i;
}

}  // namespace

RecordReader::RecordReader(InputStream& in, Layout layout, std::optional<std::string> table,
                           std::string name)
    : in_(in), layout_(layout), wanted_(std::move(table)), name_(std::move(name)) {
  advance();
}

std::size_t RecordReader::read(sdk::RecordBuilder& out, std::size_t max) {
  std::size_t n = 0;
  while (n < max && advance()) {
    parse_record(out);
    ++n;
    ++records_;
    if (layout_ == Layout::Json) state_ = State::AfterRecord;
  }
  return n;
}

RecordReader::Resume RecordReader::resume_point() const {
  return {in_.Tell(), in_.line(), in_.line_start(), records_, static_cast<int>(state_), tables_, found_table_,
          table_name_, current_key_, keys_, arrays_};
}

void RecordReader::resume_at(const Resume& at) {
  if (at.state < static_cast<int>(State::Start) || at.state > static_cast<int>(State::End))
    throw std::runtime_error(name_ + ": the saved position has an unknown reader state");
  in_.seek(at.offset, at.line, at.line_start);
  records_ = at.records;
  state_ = static_cast<State>(at.state);
  tables_ = at.tables;
  found_table_ = at.found_table;
  table_name_ = at.table_name;
  current_key_ = at.current_key;
  keys_ = at.keys;
  arrays_ = at.arrays;
}

bool RecordReader::advance() {
  for (;;) {
    switch (state_) {
      case State::Start: {
        skip_bom();
        skip_ws();
        if (layout_ == Layout::Lines) {
          state_ = State::Line;
          continue;
        }
        char c = in_.Peek();
        if (c == '[') {
          state_ = State::FirstInArray;
        } else if (c == '{') {
          tables_ = true;
          state_ = State::FirstKey;
        } else {
          fail("expected an array of records or an object of tables, found " + describe(c, in_.at_end()));
        }
        in_.Take();
        continue;
      }
      case State::FirstInArray:
        skip_ws();
        if (in_.Peek() == ']') {
          in_.Take();
          state_ = tables_ ? State::AfterTable : State::Trailing;
        } else {
          state_ = State::InArray;
        }
        continue;
      case State::InArray:
        skip_ws();
        return true;
      case State::AfterRecord: {
        skip_ws();
        char c = in_.Peek();
        if (c == ',') {
          in_.Take();
          skip_ws();
          if (in_.Peek() == ']') fail("a ',' before ']': trailing commas are not JSON");
          state_ = State::InArray;
        } else if (c == ']') {
          in_.Take();
          state_ = tables_ ? State::AfterTable : State::Trailing;
        } else {
          fail("expected ',' or ']' after record " + std::to_string(records_) + ", found " + describe(c, in_.at_end()));
        }
        continue;
      }
      case State::FirstKey:
        skip_ws();
        if (in_.Peek() == '}') {
          in_.Take();
          end_of_tables();
        } else {
          state_ = State::Key;
        }
        continue;
      case State::Key:
        read_key();
        continue;
      case State::AfterTable: {
        skip_ws();
        char c = in_.Peek();
        if (c == ',') {
          in_.Take();
          state_ = State::Key;
        } else if (c == '}') {
          in_.Take();
          end_of_tables();
        } else {
          fail("expected ',' or '}' after the value of \"" + current_key_ + "\", found " + describe(c, in_.at_end()));
        }
        continue;
      }
      case State::Line:
        skip_ws();
        if (in_.at_end()) {
          state_ = State::End;
          return false;
        }
        return true;
      case State::Trailing:
        skip_ws();
        if (!in_.at_end()) fail("unexpected data after the end of the JSON text");
        state_ = State::End;
        return false;
      case State::End:
        return false;
    }
  }
}

void RecordReader::read_key() {
  skip_ws();
  if (in_.Peek() != '"') fail("expected a table name (a string), found " + describe(in_.Peek(), in_.at_end()));
  KeyCatcher key;
  reader_.Parse<kFlags>(in_, key);
  check_parse();
  current_key_ = std::move(key.text);
  skip_ws();
  if (in_.Peek() != ':') fail("expected ':' after \"" + current_key_ + "\", found " + describe(in_.Peek(), in_.at_end()));
  in_.Take();
  skip_ws();
  if (std::find(keys_.begin(), keys_.end(), current_key_) == keys_.end()) keys_.push_back(current_key_);

  bool is_array = in_.Peek() == '[';
  if (is_array && std::find(arrays_.begin(), arrays_.end(), current_key_) == arrays_.end())
    arrays_.push_back(current_key_);
  bool selected;
  if (wanted_)
    selected = current_key_ == *wanted_;
  else if (!is_array)
    selected = false;  // only arrays are tables: other members are skipped
  else if (!found_table_ || current_key_ == table_name_)
    selected = true;  // the first table, or the same one again (a duplicate key, read as well)
  else
    fail("the input has several tables (" + join(arrays_) +
         "): choose one with the source's \"table\" option");

  if (!selected) {
    skip_value();
    state_ = State::AfterTable;
    return;
  }
  found_table_ = true;
  table_name_ = current_key_;
  if (in_.Peek() != '[')
    fail("table \"" + current_key_ + "\" is not an array of records but " + describe(in_.Peek(), in_.at_end()));
  in_.Take();
  state_ = State::FirstInArray;
}

void RecordReader::end_of_tables() {
  if (wanted_ && !found_table_)
    fail("no table \"" + *wanted_ + "\" in the input; it has: " + (keys_.empty() ? "none" : join(keys_)));
  state_ = State::Trailing;
}

void RecordReader::parse_record(sdk::RecordBuilder& out) {
  if (in_.Peek() != '{')
    fail("record " + std::to_string(records_ + 1) + " is not an object but " + describe(in_.Peek(), in_.at_end()));
  parse_value(&out);
}

void RecordReader::skip_value() { parse_value(nullptr); }

void RecordReader::parse_value(sdk::RecordBuilder* out) {
  ResumingForwarder forward(out, open_);
  reader_.Parse<kFlags>(in_, forward);
  // RapidJSON 1.1 refuses numbers beyond the range of a double (1e400,
  // 310-digit integers) even when it keeps numbers as text. Such a number
  // is read here instead, and the parse resumed after it: RapidJSON gets a
  // made-up text that opens the same containers ('[' or '{"":'), a "0" for
  // the number, then the rest of the input; the made-up events are not
  // forwarded and the "0" goes out as the number's own text.
  while (reader_.HasParseError() && reader_.GetParseErrorCode() == rapidjson::kParseErrorNumberTooBig) {
    std::size_t at = reader_.GetErrorOffset();
    while (in_number(in_.Peek())) in_.Take();  // the parse stopped inside the number
    if (!in_.text_since(at, number_))
      fail("a number of more than " + std::to_string(InputStream::kLookback) + " characters");
    // Nothing valid follows a number with one of its characters, so the
    // whole run of them must be one number.
    if (json_number_length(number_) != number_.size()) fail("malformed JSON: invalid number " + number_);
    resume_.clear();
    std::size_t made_up_events = 0;
    for (char c : open_) {
      resume_ += c == 'a' ? "[" : "{\"\":";
      made_up_events += c == 'a' ? 1 : 2;
    }
    resume_ += '0';
    ResumeStream stream(resume_, at, in_);
    ResumingForwarder again(out, open_, made_up_events, number_);
    reader_.Parse<kFlags>(stream, again);
  }
  check_parse(out != nullptr);
}

void RecordReader::check_parse(bool record) {
  if (!reader_.HasParseError()) return;
  std::string where = record ? " in record " + std::to_string(records_ + 1) : "";
  std::size_t at = reader_.GetErrorOffset();
  if (in_.at_end())
    fail("the input ends early" + where + ": the file is truncated, or was still being written");
  if (in_.Peek() == '\0')
    fail("a NUL byte" + where + ", which JSON text cannot hold (in a string, write it as \\u0000)");
  if (reader_.GetParseErrorCode() == rapidjson::kParseErrorStringInvalidEncoding)
    fail_at(at, "invalid UTF-8" + where + ": JSON text must be UTF-8; convert the file first, e.g. iconv -f latin1 -t utf-8");
  fail_at(at, "malformed JSON" + where + ": " + rapidjson::GetParseError_En(reader_.GetParseErrorCode()));
}

void RecordReader::skip_ws() {
  for (char c = in_.Peek(); c == ' ' || c == '\n' || c == '\r' || c == '\t'; c = in_.Peek()) in_.Take();
}

void RecordReader::skip_bom() {
  if (in_.Peek() != '\xEF') return;
  in_.Take();
  if (in_.Take() != '\xBB' || in_.Take() != '\xBF') fail("malformed JSON: invalid UTF-8 at the start");
}

void RecordReader::fail(const std::string& what) const { fail_at(in_.Tell(), what); }

void RecordReader::fail_at(std::size_t offset, const std::string& what) const {
  // RapidJSON may have read a little past the error: step back to it when
  // those bytes are at hand and hold no line break.
  std::size_t byte = in_.Tell();
  std::uint64_t column = in_.column();
  std::string ahead;
  if (offset < byte && in_.text_since(offset, ahead) && ahead.find('\n') == std::string::npos &&
      byte - offset < column) {
    column -= byte - offset;
    byte = offset;
  }
  throw std::runtime_error(name_ + ": byte " + std::to_string(byte) + " (line " + std::to_string(in_.line()) +
                           ", column " + std::to_string(column) + "): " + what);
}

}  // namespace aton::json_source
