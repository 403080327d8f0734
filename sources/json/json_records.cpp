#include "json_records.hpp"

#include "record_forwarder.hpp"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <stdexcept>

namespace aton::json_source {
namespace {

// What a value that starts with `c` is, for messages.
std::string describe(char c) {
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
          fail("expected an array of records or an object of tables, found " + describe(c));
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
          fail("expected ',' or ']' after record " + std::to_string(records_) + ", found " + describe(c));
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
          fail("expected ',' or '}' after the value of \"" + current_key_ + "\", found " + describe(c));
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
  if (in_.Peek() != '"') fail("expected a table name (a string), found " + describe(in_.Peek()));
  KeyCatcher key;
  reader_.Parse<kFlags>(in_, key);
  check_parse();
  current_key_ = std::move(key.text);
  skip_ws();
  if (in_.Peek() != ':') fail("expected ':' after \"" + current_key_ + "\", found " + describe(in_.Peek()));
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
    fail("table \"" + current_key_ + "\" is not an array of records but " + describe(in_.Peek()));
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
    fail("record " + std::to_string(records_ + 1) + " is not an object but " + describe(in_.Peek()));
  RecordForwarder forward(out);
  reader_.Parse<kFlags>(in_, forward);
  check_parse();
}

void RecordReader::skip_value() {
  rapidjson::BaseReaderHandler<> ignore;
  reader_.Parse<kFlags>(in_, ignore);
  check_parse();
}

void RecordReader::check_parse() {
  if (reader_.HasParseError()) fail(std::string("malformed JSON: ") + rapidjson::GetParseError_En(reader_.GetParseErrorCode()));
}

void RecordReader::skip_ws() {
  for (char c = in_.Peek(); c == ' ' || c == '\n' || c == '\r' || c == '\t'; c = in_.Peek()) in_.Take();
}

void RecordReader::skip_bom() {
  if (in_.Peek() != '\xEF') return;
  in_.Take();
  if (in_.Take() != '\xBB' || in_.Take() != '\xBF') fail("malformed JSON: invalid UTF-8 at the start");
}

void RecordReader::fail(const std::string& what) const {
  throw std::runtime_error(name_ + ": byte " + std::to_string(in_.Tell()) + " (line " +
                           std::to_string(in_.line()) + ", column " + std::to_string(in_.column()) +
                           "): " + what);
}

}  // namespace aton::json_source
