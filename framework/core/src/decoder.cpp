#include <aton/decoder.hpp>

#include "chunk_sequence.hpp"
#include "syntax.hpp"
#include "utf8.hpp"

#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/json_reader.hpp>
#include <aton/number.hpp>

#include <charconv>
#include <functional>
#include <optional>
#include <unordered_map>

namespace aton {

namespace {

// What the header of a table's latest `name(N):` block declared, and what
// its continuation chunks added; they decode with it.
struct TableState {
  std::vector<std::string_view> columns;
  std::vector<std::optional<Value>> defaults;  // parallel to columns
  std::vector<std::optional<std::string_view>> dictionary;
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
  Parser(Arena& arena) : arena_(arena) {}

  // A quoted string; the cursor is on the opening quote. ATON strings are
  // JSON strings: the JSON reader reads them (escapes, UTF-8 checked).
  std::string_view string(Cursor& c) {
    JsonReader reader(c.rest(), 1);
    bool in_text = false;
    std::string_view s;
    try {
      s = reader.string(in_text);
    } catch (const JsonError& e) {
      if (reader.ran_out()) c.fail("unterminated string");
      c.fail_at(c.pos() + e.offset(), e.reason());
    }
    c.skip(reader.offset());
    return arena_.copy(s);
  }

  // A key or table name: quoted, or bare up to one of `stops`.
  std::string_view name(Cursor& c, std::string_view stops, const char* what) {
    c.skip_spaces();
    if (c.peek() == '"') return string(c);
    std::size_t start = c.pos();
    while (!c.at_end() && stops.find(c.peek()) == std::string_view::npos) c.take();
    std::string_view raw = c.slice(start, c.pos());
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
    if (raw.empty()) c.fail_at(start, std::string("expected ") + what);
    return arena_.copy(raw);
  }

  // Any value. `dictionary` resolves #N references (may be null: none).
  Value value(Cursor& c, const std::vector<std::optional<std::string_view>>* dictionary, std::size_t depth = 0) {
    if (depth > kMaxDepth) c.fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    c.skip_spaces();
    switch (c.peek()) {
      case '"':
        return Value::string(string(c));
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
        Value* out = arena_.allocate_array<Value>(n);
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
        Member* out = arena_.allocate_array<Member>(n);
        std::copy(members_.begin() + static_cast<std::ptrdiff_t>(first), members_.end(), out);
        members_.resize(first);
        return Value::object({out, n});
      }
      case '#': {
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
        return Value::string(*(*dictionary)[index]);
      }
      default:
        return bare(c);
    }
  }

  // Unquoted text up to ',', ']', '}' or the end of the line: a keyword, a
  // number, or a bare string.
  Value bare(Cursor& c) {
    std::size_t start = c.pos();
    while (!c.at_end() && c.peek() != ',' && c.peek() != ']' && c.peek() != '}') c.take();
    std::string_view token = c.slice(start, c.pos());
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (token.empty()) c.fail_at(start, "expected a value");
    if (token == "null") return Value::null();
    if (token == "true") return Value::boolean(true);
    if (token == "false") return Value::boolean(false);
    if (token[0] == '-' || syntax::is_ascii_digit(token[0])) {
      if (!is_json_number(token)) c.fail_at(start, "invalid number");
      Value v = classify_number(token);
      return v.views_text() ? v.with_text(arena_.copy(token)) : v;
    }
    return Value::string(arena_.copy(token));
  }

 private:
  static constexpr std::size_t kMaxDepth = 512;

  Arena& arena_;
  std::vector<Value> items_;
  std::vector<Member> members_;
};

}  // namespace

struct Decoder::Impl {
  Arena arena;
  Parser parser{arena};
  std::vector<DecodedTable> tables;
  std::vector<TableState> states;  // parallel to tables: the latest block's
  PendingHeader pending;
  std::size_t line_number = 0;     // lines read over all feeds

  // The table being filled and how many rows it still expects.
  std::size_t current = 0;
  std::size_t rows_left = 0;
  std::size_t rows_line = 0;  // where the table line stood, for messages
  std::vector<Member> row_members;
  std::vector<std::optional<Value>> slots;
  std::vector<bool> slot_absent;
  bool in_continuation = false;  // the rows being read are a continuation chunk's
  detail::ChunkSequence chunk_sequence;

  void line(std::string_view text);
  void check_chunk_order(const Cursor& c, std::size_t table, std::size_t count, bool flushed);
  void header_line(Cursor& c);
  void chunk_line(Cursor& c);
  void list(Cursor& c, const std::function<void(Cursor&)>& item);
  void table_line(Cursor& c);
  void row(Cursor& c);
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
    std::size_t found = tables.size();
    for (std::size_t i = tables.size(); i-- > 0;)
      if (tables[i].name == name) {
        found = i;
        break;
      }
    if (found == tables.size())
      c.fail_at(0, "continuation of table '" + std::string(name) + "', which has not started");
    check_chunk_order(c, found, count, pending.flushed);
    TableState& state = states[found];
    for (std::string_view column : pending.columns) {
      state.columns.push_back(column);
      state.defaults.emplace_back();
    }
    for (std::size_t i = 0; i < pending.dictionary.size(); ++i) {
      if (!pending.dictionary[i]) continue;
      if (state.dictionary.size() <= i) state.dictionary.resize(i + 1);
      // An entry means one string for the whole table: rows already decoded
      // read #i as the first one.
      if (state.dictionary[i])
        throw DecodingError("dictionary entry #" + std::to_string(i) + " is already declared for table '" +
                                std::string(name) + "'; a continuation's @dict may only add entries",
                            pending.dictionary_at[i].line, pending.dictionary_at[i].column);
      state.dictionary[i] = pending.dictionary[i];
    }
    if (!pending.defaults.empty()) c.fail_at(0, "a continuation chunk cannot declare @defaults");
    current = found;
    in_continuation = true;
  } else {
    if (!pending.has_schema) c.fail_at(0, "table '" + std::string(name) + "' has no @schema line before it");
    if (pending.has_extension) c.fail_at(0, "@schema+ only belongs before a continuation (name+(N):)");
    TableState state;
    state.columns = pending.columns;
    state.defaults.resize(state.columns.size());
    for (const auto& [key, value] : pending.defaults) {
      std::size_t i = 0;
      while (i < state.columns.size() && state.columns[i] != key) ++i;
      if (i == state.columns.size())
        c.fail_at(0, "@defaults names '" + std::string(key) + "', which is not in @schema");
      state.defaults[i] = value;
    }
    state.dictionary = pending.dictionary;
    state.sized = !pending.flushed;
    state.first_rows = count;
    state.first_line = line_number;
    state.budget = pending.has_budget;
    // The same table again (two appended runs, two documents joined): a new
    // stream whose rows go on the same table, after the ones before.
    std::size_t found = 0;
    while (found < tables.size() && tables[found].name != name) ++found;
    if (found == tables.size()) {
      tables.push_back({std::string(name), {}});
      states.push_back(std::move(state));
    } else {
      states[found] = std::move(state);
    }
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
  const std::string table = "'" + tables[index].name + "'";
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

void Decoder::Impl::row(Cursor& c) {
  const TableState& state = states[current];
  c.skip_spaces();
  Value record;
  if (c.consume('!')) {
    record = parser.value(c, &state.dictionary);
    if (!record.is_object()) c.fail("a '!' row must hold an object");
    c.skip_spaces();
    if (!c.at_end()) c.fail("unexpected text after the record");
  } else {
    std::size_t columns = state.columns.size();
    slots.assign(columns, std::nullopt);
    slot_absent.assign(columns, false);
    std::size_t index = 0;
    bool empty_line = c.at_end();
    while (!empty_line) {
      c.skip_spaces();
      if (index >= columns)
        c.fail("more values than the " + std::to_string(columns) + " columns of table '" + tables[current].name +
               "'" +
               (in_continuation ? std::string(" (is the @schema+ that adds the column in a later chunk? the chunks "
                                              "may be out of order)")
                                : std::string()));
      if (c.peek() == '~' && !c.at_end()) {
        std::size_t at = c.pos();
        c.take();
        c.skip_spaces();
        if (!c.at_end() && c.peek() != ',') c.fail_at(at, "'~' (absent) must stand alone in its slot");
        slot_absent[index] = true;
      } else if (!c.at_end() && c.peek() != ',') {
        slots[index] = parser.value(c, &state.dictionary);
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
    row_members.clear();
    for (std::size_t i = 0; i < columns; ++i) {
      if (slots[i]) row_members.push_back({state.columns[i], *slots[i]});
      else if (!slot_absent[i] && state.defaults[i]) row_members.push_back({state.columns[i], *state.defaults[i]});
    }
    Member* members = arena.allocate_array<Member>(row_members.size());
    std::copy(row_members.begin(), row_members.end(), members);
    record = Value::object({members, row_members.size()});
  }
  tables[current].records.push_back(record);
  --rows_left;
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
    row(c);
    return;
  }
  c.skip_spaces();
  if (c.at_end()) return;  // blank lines between blocks
  if (c.peek() == '@') header_line(c);
  else table_line(c);
}

Decoder::Decoder() : impl_(std::make_unique<Impl>()) {}
Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

void Decoder::feed(std::string_view text) {
  Impl& s = *impl_;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    // A final newline ends the last line; it does not begin an empty one.
    if (end == text.size() && start == text.size() && start > 0) break;
    s.line(text.substr(start, end - start));
    start = end + 1;
  }
  if (s.rows_left > 0) {
    std::size_t missing = s.rows_left;
    s.rows_left = 0;
    throw DecodingError("the text ends " + std::to_string(missing) + " rows short of the count in table '" +
                            s.tables[s.current].name + "''s line " + std::to_string(s.rows_line),
                        s.line_number + 1, 1);
  }
}

const std::vector<DecodedTable>& Decoder::tables() const noexcept { return impl_->tables; }

std::string Decoder::to_json() const {
  std::string out = "{";
  bool first_table = true;
  for (const DecodedTable& t : impl_->tables) {
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
