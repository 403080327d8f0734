#include <aton/decoder.hpp>

#include "chunk_sequence.hpp"
#include "syntax.hpp"
#include "utf8.hpp"

#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/json_reader.hpp>
#include <aton/number.hpp>

#include <charconv>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>

namespace aton {

namespace {

// What the header of a table's latest `name(N):` block declared, and what
// its continuation chunks added; they decode with it. Its strings live in
// its own arena, dropped with it when a new block of the table replaces it:
// a long stream of self-contained chunks holds one header per table.
struct TableState {
  std::unique_ptr<Arena> arena;
  std::vector<std::string_view> columns;
  std::vector<std::optional<Value>> defaults;  // parallel to columns
  std::vector<std::optional<std::string_view>> dictionary;
  // The same, written as JSON once per block, so that rows written as JSON
  // copy them: `"key":` per column, a default's JSON (empty: none), a
  // dictionary entry's JSON string.
  std::vector<std::string> keys_json;
  std::vector<std::string> defaults_json;
  std::vector<std::string> dictionary_json;
  // The stream this block starts: every chunk holds as many rows as its
  // first, but the last, which may hold fewer, and those marked @flushed
  // (docs/FORMAT.md, 5). `sized`: false while every chunk so far was
  // @flushed; the next chunk then says the size.
  bool sized = true;
  std::size_t first_rows = 0;
  std::size_t first_line = 0;
  std::size_t short_line = 0;  // a chunk with fewer rows was seen here: the last
  std::size_t short_rows = 0;
  // The stream declared @budget: its chunks hold as many rows as fit, so
  // their row counts say nothing about their order.
  bool budget = false;

  void add_column(std::string_view name, std::optional<Value> default_value) {
    columns.push_back(name);
    std::string key;
    append_json_string(name, key);
    key.push_back(':');
    keys_json.push_back(std::move(key));
    std::string json;
    if (default_value) append_json(*default_value, json);
    defaults.push_back(default_value);
    defaults_json.push_back(std::move(json));
  }
  void set_entry(std::size_t index, std::string_view text) {
    if (dictionary.size() <= index) {
      dictionary.resize(index + 1);
      dictionary_json.resize(index + 1);
    }
    dictionary[index] = text;
    dictionary_json[index].clear();
    append_json_string(text, dictionary_json[index]);
  }
};

// A 1-based place in the text, for messages about a line already read.
struct Place {
  std::size_t line = 0;
  std::size_t column = 0;
};

// A self-contained chunk's `@chunk[id:N, stream:"S"]`.
struct ChunkMark {
  std::size_t id = 0;
  std::string_view stream;
  Place at;
};

// Header lines seen since the last table line, waiting for the next one.
// Their strings live in the decoder's pending arena.
struct PendingHeader {
  std::optional<ChunkMark> chunk;
  bool has_schema = false;
  bool has_extension = false;
  bool flushed = false;  // @flushed: short because its stream went quiet, not the last
  bool has_budget = false;
  std::vector<std::string_view> columns;
  std::vector<std::pair<std::string_view, Value>> defaults;
  std::vector<std::optional<std::string_view>> dictionary;
  std::vector<Place> dictionary_at;  // parallel to dictionary: where each entry was declared
  void clear() { *this = PendingHeader(); }
};

// One slot of a tabular row, as read: left empty (the column's default, if
// any), `~` (absent), or a value. `json` is the value's JSON text when it is
// known without writing it (a number's or keyword's text, a quoted string
// without escapes, a dictionary entry's JSON); a number's `value` is left
// unclassified until value() asks for it.
struct Slot {
  enum class State : std::uint8_t { empty, absent, given };
  State state = State::empty;
  bool number = false;
  Value value;
  std::string_view json;
};

}  // namespace

// The record being handed out: a tabular row's slots and its table's state,
// or a literal (`!`) row's object.
struct DecodedRecord::Row {
  const TableState* state = nullptr;
  std::vector<Slot> slots;
  bool literal = false;
  mutable bool built = false;
  mutable Value object;
  Arena* arena = nullptr;  // the record's arena, for value()
  mutable std::vector<Member> members;
};

const Value& DecodedRecord::value() const {
  Row& r = row_;
  if (r.built) return r.object;
  r.members.clear();
  const TableState& state = *r.state;
  for (std::size_t i = 0; i < r.slots.size(); ++i) {
    const Slot& slot = r.slots[i];
    if (slot.state == Slot::State::given)
      r.members.push_back({state.columns[i], slot.number ? classify_number(slot.json) : slot.value});
    else if (slot.state == Slot::State::empty && state.defaults[i])
      r.members.push_back({state.columns[i], *state.defaults[i]});
  }
  Member* members = r.arena->allocate_array<Member>(r.members.size());
  std::copy(r.members.begin(), r.members.end(), members);
  r.object = Value::object({members, r.members.size()});
  r.built = true;
  return r.object;
}

void DecodedRecord::append_json(std::string& out) const {
  const Row& r = row_;
  if (r.literal) {
    aton::append_json(r.object, out);
    return;
  }
  const TableState& state = *r.state;
  out.push_back('{');
  bool first = true;
  for (std::size_t i = 0; i < r.slots.size(); ++i) {
    const Slot& slot = r.slots[i];
    if (slot.state == Slot::State::absent) continue;
    if (slot.state == Slot::State::empty && state.defaults_json[i].empty()) continue;
    if (!first) out.push_back(',');
    first = false;
    out.append(state.keys_json[i]);
    if (slot.state == Slot::State::empty) out.append(state.defaults_json[i]);
    else if (!slot.json.empty()) out.append(slot.json);
    else aton::append_json(slot.value, out);
  }
  out.push_back('}');
}

namespace {

std::string rows_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " row" : " rows"); }

// A position inside one line of the input.
class Cursor {
 public:
  Cursor(std::string_view line, std::size_t line_number) : line_(line), line_number_(line_number) {}

  bool at_end() const { return pos_ >= line_.size(); }
  char peek() const { return at_end() ? '\0' : line_[pos_]; }
  char take() { return line_[pos_++]; }
  void skip(std::size_t n) { pos_ += n; }
  void skip_spaces() {
    while (!at_end() && (line_[pos_] == ' ' || line_[pos_] == '\t')) ++pos_;
  }
  bool consume(char c) {
    if (peek() != c || at_end()) return false;
    ++pos_;
    return true;
  }
  bool consume(std::string_view s) {
    if (line_.substr(pos_, s.size()) != s) return false;
    pos_ += s.size();
    return true;
  }
  void expect(char c, const char* what) {
    skip_spaces();
    if (!consume(c)) fail(std::string("expected ") + what);
  }
  std::size_t pos() const { return pos_; }
  std::size_t line_number() const { return line_number_; }
  std::string_view slice(std::size_t from, std::size_t to) const { return line_.substr(from, to - from); }
  std::string_view rest() const { return line_.substr(pos_); }

  [[noreturn]] void fail(const std::string& what) const { fail_at(pos_, what); }
  [[noreturn]] void fail_at(std::size_t pos, const std::string& what) const {
    std::string found = pos >= line_.size() ? std::string("the end of the line")
                                            : "'" + std::string(line_.substr(pos, 12)) + "'";
    throw DecodingError(what + ", found " + found, line_number_, pos + 1);
  }

 private:
  std::string_view line_;
  std::size_t line_number_;
  std::size_t pos_ = 0;
};

class Parser {
 public:
  explicit Parser(Arena* arena) : arena_(arena) {}

  // Where the strings of what is read next are copied. `views`: strings
  // that stand in the line as they are (bare, or quoted without escapes)
  // stay views of it instead, for a row, whose line outlives its record's
  // delivery; a header's strings outlive their line and are copied.
  void use(Arena& arena, bool views = false) {
    arena_ = &arena;
    views_ = views;
  }

  // A quoted string; the cursor is on the opening quote. ATON strings are
  // JSON strings: the JSON reader reads them (escapes, UTF-8 checked).
  std::string_view string(Cursor& c) { return quoted(c).as_string(); }

  // The same as a Value: a plain string when it had no escapes (it then
  // needs none when written again).
  Value quoted(Cursor& c) {
    Value v;
    read_string(c, [&](std::string_view s, bool in_text, std::string_view) {
      if (!in_text) v = Value::string(arena_->copy(s));
      else v = Value::plain_string(views_ ? s : arena_->copy(s));
    });
    return v;
  }

  // Reads the quoted string at the cursor and moves past it, handing
  // `use(s, in_text, raw)` the string, whether it views the line (it had
  // no escapes) and its quoted text; `s` may view the reader's scratch
  // buffer, valid only during the call.
  template <class Use>
  static void read_string(Cursor& c, Use&& use) {
    JsonReader reader(c.rest(), 1);
    bool in_text = false;
    std::string_view s;
    try {
      s = reader.string(in_text);
    } catch (const JsonError& e) {
      if (reader.ran_out()) c.fail("unterminated string");
      c.fail_at(c.pos() + e.offset(), e.reason());
    }
    use(s, in_text, c.rest().substr(0, reader.offset()));
    c.skip(reader.offset());
  }

  // A key or table name: quoted, or bare up to one of `stops`.
  std::string_view name(Cursor& c, std::string_view stops, const char* what) {
    c.skip_spaces();
    if (c.peek() == '"') return string(c);
    std::size_t start = c.pos();
    while (!c.at_end() && !is_one_of(c.peek(), stops)) c.take();
    std::string_view raw = c.slice(start, c.pos());
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
    if (raw.empty()) c.fail_at(start, std::string("expected ") + what);
    return views_ ? raw : arena_->copy(raw);
  }

  // Any value. `dictionary` resolves #N references (may be null: none).
  Value value(Cursor& c, const std::vector<std::optional<std::string_view>>* dictionary, std::size_t depth = 0) {
    if (depth > kMaxDepth) c.fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    c.skip_spaces();
    switch (c.peek()) {
      case '"':
        return quoted(c);
      case '[': {
        c.take();
        std::size_t first = items_.size();
        c.skip_spaces();
        if (!c.consume(']')) {
          while (true) {
            items_.push_back(value(c, dictionary, depth + 1));
            c.skip_spaces();
            if (c.consume(']')) break;
            if (!c.consume(',')) c.fail("expected ',' or ']' in an array");
          }
        }
        std::size_t n = items_.size() - first;
        Value* out = arena_->allocate_array<Value>(n);
        std::copy(items_.begin() + static_cast<std::ptrdiff_t>(first), items_.end(), out);
        items_.resize(first);
        return Value::array({out, n});
      }
      case '{': {
        c.take();
        std::size_t first = members_.size();
        c.skip_spaces();
        if (!c.consume('}')) {
          while (true) {
            std::string_view key = name(c, ":,}", "a key");
            c.expect(':', "':' after a key");
            Value v = value(c, dictionary, depth + 1);
            members_.push_back({key, v});
            c.skip_spaces();
            if (c.consume('}')) break;
            if (!c.consume(',')) c.fail("expected ',' or '}' in an object");
          }
        }
        std::size_t n = members_.size() - first;
        Member* out = arena_->allocate_array<Member>(n);
        std::copy(members_.begin() + static_cast<std::ptrdiff_t>(first), members_.end(), out);
        members_.resize(first);
        return Value::object({out, n});
      }
      case '#':
        return Value::string(*(*dictionary)[reference(c, dictionary)]);
      default:
        return bare(c);
    }
  }

  // Unquoted text up to ',', ']', '}' or the end of the line: a keyword, a
  // number, or a bare string.
  Value bare(Cursor& c) {
    std::size_t start = c.pos();
    std::string_view token = bare_token(c);
    if (token == "null") return Value::null();
    if (token == "true") return Value::boolean(true);
    if (token == "false") return Value::boolean(false);
    if (token[0] == '-' || syntax::is_ascii_digit(token[0])) {
      if (!is_json_number(token)) c.fail_at(start, "invalid number");
      Value v = classify_number(token);
      return v.views_text() && !views_ ? v.with_text(arena_->copy(token)) : v;
    }
    return Value::string(views_ ? token : arena_->copy(token));
  }

  // The text of a bare value, up to ',', ']', '}' or the end of the line,
  // less trailing blanks; never empty.
  static std::string_view bare_token(Cursor& c) {
    std::size_t start = c.pos();
    while (!c.at_end() && c.peek() != ',' && c.peek() != ']' && c.peek() != '}') c.take();
    std::string_view token = c.slice(start, c.pos());
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (token.empty()) c.fail_at(start, "expected a value");
    return token;
  }

  // A `#N` reference (the cursor on '#') to an entry `dictionary` holds
  // (null: none): its index.
  static std::size_t reference(Cursor& c, const std::vector<std::optional<std::string_view>>* dictionary) {
    std::size_t at = c.pos();
    c.take();
    std::size_t start = c.pos();
    while (syntax::is_ascii_digit(c.peek()) && !c.at_end()) c.take();
    std::string_view digits = c.slice(start, c.pos());
    std::size_t index = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (digits.empty() || ec != std::errc())
      c.fail_at(at, "a '#' outside quotes must be a dictionary reference like #0");
    if (!dictionary || index >= dictionary->size() || !(*dictionary)[index])
      c.fail_at(at, "unknown dictionary reference #" + std::string(digits));
    return index;
  }

 private:
  static constexpr std::size_t kMaxDepth = 512;

  // A short list's test, cheaper than string_view::find's call per byte.
  static bool is_one_of(char ch, std::string_view stops) {
    for (char stop : stops)
      if (ch == stop) return true;
    return false;
  }

  Arena* arena_;
  bool views_ = false;
  std::vector<Value> items_;
  std::vector<Member> members_;
};

// A copy of `v` whose keys, strings, numbers' texts, arrays and objects
// live in `arena`.
Value keep(const Value& v, Arena& arena) {
  switch (v.kind()) {
    case Value::Kind::Array: {
      auto items = v.items();
      Value* out = arena.allocate_array<Value>(items.size());
      for (std::size_t i = 0; i < items.size(); ++i) out[i] = keep(items[i], arena);
      return Value::array({out, items.size()});
    }
    case Value::Kind::Object: {
      auto members = v.members();
      Member* out = arena.allocate_array<Member>(members.size());
      for (std::size_t i = 0; i < members.size(); ++i) out[i] = {arena.copy(members[i].key), keep(members[i].value, arena)};
      return Value::object({out, members.size()});
    }
    default:
      return v.views_text() ? v.with_text(arena.copy(v.as_string())) : v;
  }
}

// The whole-document decoder's handler: keeps every record.
class Keeper final : public RecordHandler {
 public:
  void table_opened(std::size_t, std::string_view name) override { tables.push_back({std::string(name), {}}); }
  void record(const DecodedRecord& record) override {
    tables[record.table()].records.push_back(keep(record.value(), arena));
  }

  Arena arena;
  std::vector<DecodedTable> tables;
};

}  // namespace

struct Decoder::Impl {
  explicit Impl(RecordHandler* out, DecoderOptions options) : handler(out), options(options) {
    if (!handler) {
      keeper = std::make_unique<Keeper>();
      handler = keeper.get();
    }
    row.arena = &record_arena;
  }

  RecordHandler* handler;
  std::unique_ptr<Keeper> keeper;  // the whole-document decoder's
  DecoderOptions options;
  std::string carry;  // the unfinished last line of the pieces pushed so far

  Arena record_arena;  // the record being read; reset after the handler has it
  std::unique_ptr<Arena> pending_arena = std::make_unique<Arena>(4096);
  Parser parser{&record_arena};
  std::vector<std::string> names;  // the tables, in the order they were first opened
  std::vector<TableState> states;  // parallel to names: the latest block's
  PendingHeader pending;
  std::size_t line_number = 0;     // lines read over all pieces

  // The table being filled and how many rows it still expects.
  std::size_t current = 0;
  std::size_t rows_left = 0;
  std::size_t rows_line = 0;  // where the table line stood, for messages
  DecodedRecord::Row row;
  bool in_continuation = false;  // the rows being read are a continuation chunk's
  detail::ChunkSequence chunk_sequence;

  void push(std::string_view text);
  void finish();
  void line(std::string_view text);
  [[noreturn]] void too_long(std::size_t bytes) const;
  void check_chunk_order(const Cursor& c, std::size_t table, std::size_t count, bool flushed);
  void header_line(Cursor& c);
  void chunk_line(Cursor& c);
  void list(Cursor& c, const std::function<void(Cursor&)>& item);
  void table_line(Cursor& c);
  void row_line(Cursor& c);
  void slot(Cursor& c, const TableState& state, Slot& slot);
  void deliver();
};

void Decoder::Impl::list(Cursor& c, const std::function<void(Cursor&)>& item) {
  c.skip_spaces();
  if (c.consume(']')) return;
  while (true) {
    item(c);
    c.skip_spaces();
    if (c.consume(']')) break;
    if (!c.consume(',')) c.fail("expected ',' or ']'");
  }
  c.skip_spaces();
  if (!c.at_end()) c.fail("unexpected text after ']'");
}

void Decoder::Impl::header_line(Cursor& c) {
  parser.use(*pending_arena);
  if (c.consume("@schema+[")) {
    pending.has_extension = true;
    list(c, [&](Cursor& c) {
      pending.columns.push_back(parser.name(c, ":,]", "a column name"));
      c.expect(':', "':' and a type after the column name");
      parser.name(c, ",]", "a type");
    });
  } else if (c.consume("@schema[")) {
    if (pending.has_schema) c.fail_at(0, "a second @schema before any table line");
    pending.has_schema = true;
    list(c, [&](Cursor& c) {
      pending.columns.push_back(parser.name(c, ":,]", "a column name"));
      c.expect(':', "':' and a type after the column name");
      parser.name(c, ",]", "a type");
    });
  } else if (c.consume("@chunk[")) {
    chunk_line(c);
  } else if (c.consume("@defaults[")) {
    list(c, [&](Cursor& c) {
      std::string_view key = parser.name(c, ":,]", "a column name");
      c.expect(':', "':' and a value after the column name");
      pending.defaults.emplace_back(key, parser.value(c, &pending.dictionary));
    });
  } else if (c.consume("@dict[")) {
    list(c, [&](Cursor& c) {
      c.skip_spaces();
      std::size_t at = c.pos();
      if (!c.consume('#')) c.fail("expected a dictionary entry like #0:\"text\"");
      std::size_t start = c.pos();
      while (syntax::is_ascii_digit(c.peek()) && !c.at_end()) c.take();
      std::string_view digits = c.slice(start, c.pos());
      std::size_t index = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      if (digits.empty() || ec != std::errc() || index > 10'000'000)
        c.fail_at(at, "expected a dictionary index like #0");
      c.expect(':', "':' after the dictionary index");
      c.skip_spaces();
      if (c.peek() != '"') c.fail("expected a quoted string in @dict");
      if (pending.dictionary.size() <= index) {
        pending.dictionary.resize(index + 1);
        pending.dictionary_at.resize(index + 1);
      }
      if (pending.dictionary[index])
        throw DecodingError("dictionary entry #" + std::to_string(index) + " is declared twice before one table line",
                            c.line_number(), at + 1);
      pending.dictionary[index] = parser.string(c);
      pending.dictionary_at[index] = {c.line_number(), at + 1};
    });
  } else if (c.consume("@flushed")) {
    c.skip_spaces();
    if (!c.at_end()) c.fail("unexpected text after @flushed");
    pending.flushed = true;
  } else if (c.consume("@budget[")) {
    pending.has_budget = true;
    list(c, [&](Cursor& c) {
      parser.name(c, ":,]", "a budget's name");
      c.expect(':', "':' and a number after the budget's name");
      Value limit = parser.value(c, nullptr);
      if (limit.kind() != Value::Kind::Int) c.fail("expected a whole number as the budget");
    });
  } else {
    c.fail("unknown directive (expected @schema, @schema+, @defaults, @dict, @chunk, @flushed or @budget)");
  }
}

// `@chunk[id:N, stream:"S"]`: both items, once each, in any order.
void Decoder::Impl::chunk_line(Cursor& c) {
  if (pending.chunk) c.fail_at(0, "a second @chunk before one table line");
  ChunkMark mark{0, {}, {c.line_number(), 1}};
  bool has_id = false;
  list(c, [&](Cursor& c) {
    c.skip_spaces();
    std::size_t at = c.pos();
    std::string_view key = parser.name(c, ":,]", "id or stream");
    c.expect(':', "':' and a value after the @chunk item's name");
    c.skip_spaces();
    std::size_t value_at = c.pos();
    Value v = parser.value(c, nullptr);
    if (key == "id") {
      if (has_id) c.fail_at(at, "@chunk names its id twice");
      if (v.kind() != Value::Kind::Int || v.as_int() < 0) c.fail_at(value_at, "a chunk id is an integer, 0 or more");
      mark.id = static_cast<std::size_t>(v.as_int());
      has_id = true;
    } else if (key == "stream") {
      if (!mark.stream.empty()) c.fail_at(at, "@chunk names its stream twice");
      if (!v.is_string() || v.as_string().empty()) c.fail_at(value_at, "a chunk's stream is a non-empty string");
      mark.stream = v.as_string();
    } else {
      c.fail_at(at, "unknown @chunk item (expected id or stream)");
    }
  });
  if (!has_id || mark.stream.empty()) c.fail_at(0, "@chunk needs both its id and its stream");
  pending.chunk = mark;
}

void Decoder::Impl::table_line(Cursor& c) {
  parser.use(*pending_arena);
  std::string_view name = parser.name(c, "+(", "a table name");
  bool continuation = c.consume('+');
  if (!c.consume('(')) c.fail("expected '(' and a row count after the table name");
  std::size_t start = c.pos();
  while (syntax::is_ascii_digit(c.peek()) && !c.at_end()) c.take();
  std::string_view digits = c.slice(start, c.pos());
  std::size_t count = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (digits.empty() || ec != std::errc()) c.fail_at(start, "expected a row count");
  if (!c.consume("):")) c.fail("expected '):' after the row count");
  c.skip_spaces();
  if (!c.at_end()) c.fail("unexpected text after the table line");
  if (pending.chunk)
    chunk_sequence.check(pending.chunk->stream, pending.chunk->id, name, pending.chunk->at.line,
                         pending.chunk->at.column);

  if (continuation) {
    if (pending.has_schema) c.fail_at(0, "a continuation chunk cannot declare a new @schema");
    if (pending.has_budget) c.fail_at(0, "a continuation chunk cannot declare @budget");
    std::size_t found = names.size();
    for (std::size_t i = names.size(); i-- > 0;)
      if (names[i] == name) {
        found = i;
        break;
      }
    if (found == names.size())
      c.fail_at(0, "continuation of table '" + std::string(name) + "', which has not started");
    check_chunk_order(c, found, count, pending.flushed);
    TableState& state = states[found];
    for (std::size_t i = 0; i < pending.dictionary.size(); ++i) {
      if (!pending.dictionary[i]) continue;
      // An entry means one string for the whole table: rows already decoded
      // read #i as the first one.
      if (i < state.dictionary.size() && state.dictionary[i])
        throw DecodingError("dictionary entry #" + std::to_string(i) + " is already declared for table '" +
                                std::string(name) + "'; a continuation's @dict may only add entries",
                            pending.dictionary_at[i].line, pending.dictionary_at[i].column);
    }
    if (!pending.defaults.empty()) c.fail_at(0, "a continuation chunk cannot declare @defaults");
    // What the continuation adds moves to the table's own arena: the
    // pending arena is reused for the next header.
    for (std::string_view column : pending.columns) state.add_column(state.arena->copy(column), std::nullopt);
    for (std::size_t i = 0; i < pending.dictionary.size(); ++i)
      if (pending.dictionary[i]) state.set_entry(i, state.arena->copy(*pending.dictionary[i]));
    pending_arena->reset();
    current = found;
    in_continuation = true;
  } else {
    if (!pending.has_schema) c.fail_at(0, "table '" + std::string(name) + "' has no @schema line before it");
    if (pending.has_extension) c.fail_at(0, "@schema+ only belongs before a continuation (name+(N):)");
    TableState state;
    std::vector<std::optional<Value>> defaults(pending.columns.size());
    for (const auto& [key, value] : pending.defaults) {
      std::size_t i = 0;
      while (i < pending.columns.size() && pending.columns[i] != key) ++i;
      if (i == pending.columns.size())
        c.fail_at(0, "@defaults names '" + std::string(key) + "', which is not in @schema");
      defaults[i] = value;
    }
    for (std::size_t i = 0; i < pending.columns.size(); ++i) state.add_column(pending.columns[i], defaults[i]);
    for (std::size_t i = 0; i < pending.dictionary.size(); ++i)
      if (pending.dictionary[i]) state.set_entry(i, *pending.dictionary[i]);
    state.sized = !pending.flushed;
    state.first_rows = count;
    state.first_line = line_number;
    state.budget = pending.has_budget;
    // The header's strings stay where they were read: the pending arena
    // becomes the block's.
    state.arena = std::move(pending_arena);
    // The same table again (two appended runs, two documents joined): a new
    // stream whose rows go on the same table, after the ones before.
    std::size_t found = 0;
    while (found < names.size() && names[found] != name) ++found;
    if (found == names.size()) {
      names.emplace_back(name);
      states.push_back(std::move(state));
      handler->table_opened(found, names[found]);
    } else {
      pending_arena = std::move(states[found].arena);  // the block it replaces: its strings are no longer read
      states[found] = std::move(state);
    }
    if (!pending_arena) pending_arena = std::make_unique<Arena>(4096);
    pending_arena->reset();
    current = found;
    in_continuation = false;
  }
  pending.clear();
  rows_left = count;
  rows_line = line_number;
}

// Chunks carry no id, so two full chunks swapped look like any others; what
// shows is a chunk that cannot stand where it is in its stream.
void Decoder::Impl::check_chunk_order(const Cursor& c, std::size_t index, std::size_t count, bool flushed) {
  TableState& state = states[index];
  if (state.budget) return;
  const std::string table = "'" + names[index] + "'";
  if (state.short_line != 0)
    c.fail_at(0, "a continuation of table " + table + " after the last chunk of its stream (line " +
                     std::to_string(state.short_line) + ": " + rows_text(state.short_rows) +
                     ", fewer than the " + rows_text(state.first_rows) + " of the first chunk at line " +
                     std::to_string(state.first_line) +
                     "): the chunks are out of order (join per_chunk files in chunk id order) or come from "
                     "different runs");
  if (state.sized && count > state.first_rows)
    c.fail_at(0, "a continuation of table " + table + " with " + rows_text(count) + ", more than the " +
                     rows_text(state.first_rows) + " of the first chunk of its stream at line " +
                     std::to_string(state.first_line) +
                     " (every chunk holds as many rows as the first, the last one fewer): the chunks are out "
                     "of order or come from different runs");
  if (flushed) return;  // short by time, and more follows
  if (!state.sized && count > 0) {
    // Every chunk before was flushed: this one is full, or the last.
    state.sized = true;
    state.first_rows = count;
    state.first_line = line_number;
    return;
  }
  if (count < state.first_rows || !state.sized) {
    state.short_line = line_number;
    state.short_rows = count;
  }
}

// One slot's value (the cursor on its first character). Strings without
// escapes, numbers and keywords stay views of the line, which outlives the
// record's delivery; anything else is read into the record's arena.
void Decoder::Impl::slot(Cursor& c, const TableState& state, Slot& slot) {
  slot.state = Slot::State::given;
  switch (c.peek()) {
    case '"':
      Parser::read_string(c, [&](std::string_view s, bool in_text, std::string_view raw) {
        if (in_text) {
          slot.value = Value::plain_string(s);
          slot.json = raw;
        } else {
          slot.value = Value::string(record_arena.copy(s));
        }
      });
      return;
    case '#': {
      std::size_t index = Parser::reference(c, &state.dictionary);
      slot.value = Value::string(*state.dictionary[index]);
      slot.json = state.dictionary_json[index];
      return;
    }
    case '[':
    case '{':
      parser.use(record_arena, /*views=*/true);
      slot.value = parser.value(c, &state.dictionary);
      return;
    default: {
      std::size_t start = c.pos();
      std::string_view token = Parser::bare_token(c);
      if (token == "null") slot.value = Value::null();
      else if (token == "true") slot.value = Value::boolean(true);
      else if (token == "false") slot.value = Value::boolean(false);
      else if (token[0] == '-' || syntax::is_ascii_digit(token[0])) {
        if (!is_json_number(token)) c.fail_at(start, "invalid number");
        slot.number = true;
      } else {
        slot.value = Value::string(token);
        return;
      }
      slot.json = token;
    }
  }
}

void Decoder::Impl::row_line(Cursor& c) {
  const TableState& state = states[current];
  c.skip_spaces();
  row.literal = false;
  row.built = false;
  if (c.consume('!')) {
    parser.use(record_arena, /*views=*/true);
    Value record = parser.value(c, &state.dictionary);
    if (!record.is_object()) c.fail("a '!' row must hold an object");
    c.skip_spaces();
    if (!c.at_end()) c.fail("unexpected text after the record");
    row.literal = true;
    row.built = true;
    row.object = record;
  } else {
    std::size_t columns = state.columns.size();
    row.state = &state;
    row.slots.assign(columns, Slot{});
    std::size_t index = 0;
    bool empty_line = c.at_end();
    while (!empty_line) {
      c.skip_spaces();
      if (index >= columns)
        c.fail("more values than the " + std::to_string(columns) + " columns of table '" + names[current] + "'" +
               (in_continuation ? std::string(" (is the @schema+ that adds the column in a later chunk? the chunks "
                                              "may be out of order)")
                                : std::string()));
      if (c.peek() == '~' && !c.at_end()) {
        std::size_t at = c.pos();
        c.take();
        c.skip_spaces();
        if (!c.at_end() && c.peek() != ',') c.fail_at(at, "'~' (absent) must stand alone in its slot");
        row.slots[index].state = Slot::State::absent;
      } else if (!c.at_end() && c.peek() != ',') {
        slot(c, state, row.slots[index]);
      }
      ++index;
      c.skip_spaces();
      if (c.at_end()) break;
      if (!c.consume(',')) c.fail("expected ',' between values");
      if (c.at_end()) {  // a trailing comma leaves one more empty slot
        if (index >= columns) c.fail("more values than columns");
        break;
      }
    }
  }
  --rows_left;
  deliver();
}

void Decoder::Impl::deliver() {
  DecodedRecord record(row);
  record.table_ = current;
  record.table_name_ = names[current];
  handler->record(record);
  record_arena.reset();
}

void Decoder::Impl::too_long(std::size_t bytes) const {
  throw DecodingError("a line of more than " + std::to_string(options.max_line_bytes) + " bytes (" +
                          std::to_string(bytes) +
                          " so far): not ATON text, or a record longer than the decoder's limit",
                      line_number + 1, 1);
}

void Decoder::Impl::line(std::string_view text) {
  ++line_number;
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  Cursor c(text, line_number);
  // ATON is UTF-8 text: checked once here, so that bare names and values
  // hold nothing a quoted string could not.
  if (std::size_t bad = detail::first_invalid_utf8(text); bad != std::string_view::npos)
    c.fail_at(bad, "invalid UTF-8 (ATON text is UTF-8)");
  // A NUL is never part of ATON text: a string holding one writes \u0000.
  // Not quoted back: the message must not carry the byte itself.
  if (std::size_t nul = text.find('\0'); nul != std::string_view::npos)
    throw DecodingError("a raw NUL byte, which ATON text never holds (a string holding one is quoted and "
                        "writes it as \\u0000)",
                        line_number, nul + 1);
  if (rows_left > 0) {
    row_line(c);
    return;
  }
  c.skip_spaces();
  if (c.at_end()) return;  // blank lines between blocks
  if (c.peek() == '@') header_line(c);
  else table_line(c);
}

void Decoder::Impl::push(std::string_view text) {
  if (!carry.empty()) {
    std::size_t end = text.find('\n');
    std::size_t taken = end == std::string_view::npos ? text.size() : end;
    if (carry.size() + taken > options.max_line_bytes) too_long(carry.size() + taken);
    carry.append(text.substr(0, taken));
    if (end == std::string_view::npos) return;
    line(carry);
    carry.clear();
    if (carry.capacity() > (std::size_t{1} << 20)) carry.shrink_to_fit();  // a long line is gone
    text.remove_prefix(end + 1);
  }
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    if (end == std::string_view::npos) break;
    line(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  if (text.size() > options.max_line_bytes) too_long(text.size());
  carry.assign(text);
}

void Decoder::Impl::finish() {
  if (!carry.empty()) {
    std::string last = std::move(carry);
    carry.clear();
    line(last);
  }
  if (rows_left > 0) {
    std::size_t missing = rows_left;
    rows_left = 0;
    throw DecodingError("the text ends " + std::to_string(missing) + " rows short of the count in table '" +
                            names[current] + "''s line " + std::to_string(rows_line),
                        line_number + 1, 1);
  }
}

Decoder::Decoder() : impl_(std::make_unique<Impl>(nullptr, DecoderOptions{})) {}
Decoder::Decoder(RecordHandler& handler, DecoderOptions options)
    : impl_(std::make_unique<Impl>(&handler, options)) {}
Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

void Decoder::push(std::string_view text) { impl_->push(text); }
void Decoder::finish() { impl_->finish(); }

void Decoder::feed(std::string_view text) {
  impl_->push(text);
  impl_->finish();
}

const std::vector<DecodedTable>& Decoder::tables() const noexcept {
  static const std::vector<DecodedTable> none;
  return impl_->keeper ? impl_->keeper->tables : none;
}

std::string Decoder::to_json() const {
  std::string out = "{";
  bool first_table = true;
  for (const DecodedTable& t : tables()) {
    if (!first_table) out.push_back(',');
    first_table = false;
    append_json_string(t.name, out);
    out.append(":[");
    bool first = true;
    for (const Value& r : t.records) {
      if (!first) out.push_back(',');
      first = false;
      append_json(r, out);
    }
    out.push_back(']');
  }
  out.push_back('}');
  return out;
}

}  // namespace aton
