#include "json_records.hpp"

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

void member_name(JsonReader& r) {
  bool in_text = false;
  r.member_name(in_text);
}

// Checks the value at the cursor without recursion, so that a member that
// is skipped may nest as deep as it likes: only records are built, and
// only they are held to a depth.
void skip_json_value(JsonReader& r) {
  IgnoreEvents ignore;
  std::string open;  // the containers open, '{' or '['
  for (;;) {
    char c = r.peek();
    if (c == '{' || c == '[') {
      r.advance();
      r.skip_whitespace();
      if (r.peek() != (c == '{' ? '}' : ']')) {
        open.push_back(c);
        if (c == '{') member_name(r);
        continue;
      }
      r.advance();
    } else {
      r.value(ignore, 0);  // a scalar
    }
    // After a value: close what ends here, or go on to the next one.
    for (;;) {
      if (open.empty()) return;
      bool object = open.back() == '{';
      if (r.next_item(object)) {
        if (object) member_name(r);
        break;
      }
      open.pop_back();
    }
  }
}

}  // namespace

RecordReader::RecordReader(InputStream& in, Layout layout, std::optional<std::string> table, std::string name,
                           std::size_t max_record_bytes)
    : in_(in),
      layout_(layout),
      wanted_(std::move(table)),
      name_(std::move(name)),
      max_record_bytes_(std::max<std::size_t>(max_record_bytes, 1)) {
  advance();
}

std::size_t RecordReader::read(sdk::RecordBuilder& out, std::size_t max) {
  std::size_t n = 0;
  try {
    while (n < max) {
      // Once a record is in hand, a read that would wait gives up instead.
      in_.set_no_wait(n > 0);
      if (!advance()) break;
      parse_record(out);
      ++n;
      ++records_;
      if (layout_ == Layout::Json) state_ = State::AfterRecord;
    }
  } catch (const WouldWait&) {
    // The next record has not (fully) arrived: hand on those that have.
  }
  in_.set_no_wait(false);
  // Records that read the zeros of a truncated mapping are never passed on.
  check_truncated();
  in_.release_consumed();
  return n;
}

RecordReader::Resume RecordReader::resume_point() const {
  InputStream::Lines lines = in_.lines_at_cursor();
  return {in_.Tell(), lines.line, lines.line_start, records_, static_cast<int>(state_), tables_, found_table_,
          table_name_, current_key_, keys_, arrays_};
}

void RecordReader::resume_at(const Resume& at) {
  if (at.state < static_cast<int>(State::Start) || at.state > static_cast<int>(State::AfterComma))
    throw std::runtime_error(name_ + ": the saved position has an unknown reader state");
  in_.seek(at.offset, {at.line, at.line_start});
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
        char c = in_.peek();
        if (c == '[') {
          state_ = State::FirstInArray;
        } else if (c == '{') {
          tables_ = true;
          state_ = State::FirstKey;
        } else {
          fail("expected an array of records or an object of tables, found " + describe(c, in_.at_end()));
        }
        in_.take();
        continue;
      }
      case State::FirstInArray:
        skip_ws();
        if (in_.peek() == ']') {
          in_.take();
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
        char c = in_.peek();
        if (c == ',') {
          in_.take();
          state_ = State::AfterComma;
        } else if (c == ']') {
          in_.take();
          state_ = tables_ ? State::AfterTable : State::Trailing;
        } else {
          fail("expected ',' or ']' after record " + std::to_string(records_) + ", found " + describe(c, in_.at_end()));
        }
        continue;
      }
      case State::AfterComma:
        skip_ws();
        if (in_.peek() == ']') fail("a ',' before ']': trailing commas are not JSON");
        state_ = State::InArray;
        continue;
      case State::FirstKey:
        skip_ws();
        if (in_.peek() == '}') {
          in_.take();
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
        char c = in_.peek();
        if (c == ',') {
          in_.take();
          state_ = State::Key;
        } else if (c == '}') {
          in_.take();
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
  if (in_.peek() != '"') fail("expected a table name (a string), found " + describe(in_.peek(), in_.at_end()));
  read_whole([&](JsonReader& r) {
    bool in_text = false;
    current_key_.assign(r.string(in_text));
  });
  // The key is consumed and the state still says Key: from here the read
  // cannot start again, so it waits for what it needs.
  struct Waiting {
    InputStream& in;
    bool was = in.no_wait();
    ~Waiting() { in.set_no_wait(was); }
  } waiting{in_};
  in_.set_no_wait(false);
  skip_ws();
  if (in_.peek() != ':') fail("expected ':' after \"" + current_key_ + "\", found " + describe(in_.peek(), in_.at_end()));
  in_.take();
  skip_ws();
  if (std::find(keys_.begin(), keys_.end(), current_key_) == keys_.end()) keys_.push_back(current_key_);

  bool is_array = in_.peek() == '[';
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
  if (in_.peek() != '[')
    fail("table \"" + current_key_ + "\" is not an array of records but " + describe(in_.peek(), in_.at_end()));
  in_.take();
  state_ = State::FirstInArray;
}

void RecordReader::end_of_tables() {
  if (wanted_ && !found_table_)
    fail("no table \"" + *wanted_ + "\" in the input; it has: " + (keys_.empty() ? "none" : join(keys_)));
  // {} and a lone record hold no table: an error, as in `aton encode`
  // (an empty table is written [] or {"name": []}).
  if (!found_table_)
    fail("the top-level object holds no array of records" +
         (keys_.empty() ? std::string(" (it is empty)") : " (it has: " + join(keys_) + ")") +
         ": expected an array of records, an object of tables {\"name\": [records]}, or JSON Lines "
         "(\"format\": \"jsonl\")");
  state_ = State::Trailing;
}

// The host reads the record (ABI 1.2: json_value) with the reader aton
// encode uses, straight from the window, and builds it in place when the
// window is a mapping. A record cut short by the end of a block is taken
// again over a longer window; the host took nothing of the first try.
void RecordReader::parse_record(sdk::RecordBuilder& out) {
  const std::string record = "record " + std::to_string(records_ + 1);
  if (in_.peek() != '{') {
    // Say first whether it is JSON at all: `this is not json` is malformed
    // JSON there, `true` a record that is not an object.
    for (;;) {
      bool capped = false;
      std::string_view window = capped_window(capped);
      JsonReader reader(window, kMaxDepth);
      try {
        skip_json_value(reader);
      } catch (const JsonError& e) {
        if (!reader.ran_out()) json_failed(e.reason(), e.offset(), false, true);
        if (!in_.ended() && !capped && (in_.stable() || window.size() < max_record_bytes_)) {
          in_.more();
          continue;
        }
      }
      break;  // JSON, or too long to tell: say what it starts with
    }
    fail(record + " is not an object but " + describe(in_.peek(), in_.at_end()));
  }
  const std::uint32_t flags = in_.stable() ? ATON_TEXT_STABLE : 0u;
  for (;;) {
    bool capped = false;
    sdk::RecordBuilder::JsonRead read = out.json_value(capped_window(capped), flags);
    if (read.ok) return in_.consume(read.end);
    if (read.ran_out && (capped || (!in_.stable() && in_.window().size() >= max_record_bytes_)) && !in_.ended())
      too_large(record);
    if (read.ran_out && !in_.ended()) {
      in_.more();
      continue;
    }
    json_failed(std::string(read.problem), read.end, read.ran_out, true);
  }
}

// A mapped file holds a record in place whatever its size (a 100 MB string
// is a view of the mapping); blocks grow for it, so there it is held to
// max_record_bytes.
std::string_view RecordReader::capped_window(bool& capped) const {
  std::string_view window = in_.window();
  capped = !in_.stable() && window.size() > max_record_bytes_;
  return capped ? window.substr(0, max_record_bytes_) : window;
}

void RecordReader::too_large(const std::string& what) const {
  fail(what + " is longer than max_record_bytes (" + std::to_string(max_record_bytes_) +
       " bytes) and still not complete: is this the right input? (raise the source's \"max_record_bytes\" for "
       "larger records)");
}

void RecordReader::check_truncated() const {
  if (in_.truncated())
    throw std::runtime_error(name_ + ": the file was truncated while it was read (it shrank under the reader, as "
                                     "log rotation by copytruncate does); the run stops and nothing read from it "
                                     "is kept: read a copy that does not change");
}

void RecordReader::skip_value() { read_whole(skip_json_value); }

template <class Read>
void RecordReader::read_whole(Read&& read) {
  for (;;) {
    bool capped = false;
    std::string_view window = capped_window(capped);
    JsonReader reader(window, kMaxDepth);
    // more() may move the window even when it finds the input ended: read
    // the value again after any call.
    try {
      read(reader);
    } catch (const JsonError& e) {
      if (!reader.ran_out() || in_.ended()) json_failed(e.reason(), e.offset(), reader.ran_out(), false);
      if (capped || (!in_.stable() && window.size() >= max_record_bytes_)) too_large("a value");
      in_.more();
      continue;
    }
    // A value that ends with the window may go on in the next block (a number).
    if (reader.offset() == window.size() && !in_.ended()) {
      if (capped || (!in_.stable() && window.size() >= max_record_bytes_)) too_large("a value");
      in_.more();
      continue;
    }
    in_.consume(reader.offset());
    return;
  }
}

void RecordReader::json_failed(const std::string& what, std::size_t offset, bool ran_out, bool record) const {
  check_truncated();  // the zeros of a truncated mapping: say that, not what they look like
  std::string where = record ? " in record " + std::to_string(records_ + 1) : "";
  std::size_t at = in_.Tell() + offset;  // the reader's offset is in the window
  if (ran_out)
    fail_at(in_.Tell() + in_.window().size(),
            "the input ends early" + where + ": the file is truncated, or was still being written");
  if (what.starts_with("a NUL byte"))
    fail_at(at, "a NUL byte" + where + ", which JSON text cannot hold (in a string, write it as \\u0000)");
  if (what.starts_with("Invalid encoding"))
    fail_at(at, "invalid UTF-8" + where + ": JSON text must be UTF-8; convert the file first, e.g. iconv -f latin1 -t utf-8");
  if (what.starts_with("nesting deeper"))  // as the host words what it refuses
    fail_at(at, "record " + std::to_string(records_ + 1) + ": " + what);
  fail_at(at, "malformed JSON" + where + ": " + what);
}

void RecordReader::skip_ws_slow() {
  for (;;) {
    std::string_view w = in_.window();
    std::size_t i = 0;
    while (i < w.size() && (w[i] == ' ' || w[i] == '\n' || w[i] == '\r' || w[i] == '\t')) ++i;
    in_.consume(i);
    if (i < w.size() || !in_.more()) return;
  }
}

void RecordReader::skip_bom() {
  if (in_.peek() != '\xEF') return;
  in_.take();
  for (char c : {'\xBB', '\xBF'}) {
    if (in_.peek() != c) fail("malformed JSON: invalid UTF-8 at the start");
    in_.take();
  }
}

void RecordReader::fail(const std::string& what) const { fail_at(in_.Tell(), what); }

void RecordReader::fail_at(std::size_t offset, const std::string& what) const {
  InputStream::Where at = in_.where(offset);
  throw std::runtime_error(name_ + ": byte " + std::to_string(offset) + " (line " + std::to_string(at.line) +
                           ", column " + std::to_string(at.column) + "): " + what);
}

}  // namespace aton::json_source
