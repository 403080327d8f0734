#include "support/random_records.hpp"

#include "support/utf8.hpp"

#include <aton/number.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

namespace aton::test {

using namespace std::string_view_literals;

namespace {

// Texts an encoder could misread as something else, or must escape.
constexpr std::array kTrickyTexts{
    ""sv, "#1"sv, "#0"sv, "#"sv, "#12a"sv, "12"sv, "-3.5"sv, "1e5"sv, "0"sv, "-0"sv, "01"sv,
    "1."sv, ".5"sv, "+1"sv, "0x1F"sv, "NaN"sv, "Infinity"sv, "true"sv, "false"sv, "null"sv,
    "True"sv, "NULL"sv, " padded "sv, " "sv, "  "sv, " lead"sv, "trail "sv, "[x]"sv, "{y}"sv,
    "[]"sv, "{}"sv, "()"sv, "@schema"sv, "@schema[a:int]"sv, "@defaults[a:1]"sv, "@dict"sv,
    "records(3):"sv, "records+(1):"sv, "x(0):"sv, "a,b"sv, "k:v"sv, ":"sv, ","sv, "\""sv,
    "\"quoted\""sv, "say \"hi\""sv, "\\"sv, "back\\slash"sv, "trailing\\"sv, "\\\""sv, "\\n"sv,
    "\\u0041"sv, "line\nbreak"sv, "\n"sv, "\r\n"sv, "\r"sv, "tab\there"sv, "\0"sv, "a\0b"sv,
    "\x01"sv, "\x1f"sv, "\x7f"sv, "\x1b[0m"sv, "\u00e9"sv, "\u65e5\u672c\u8a9e"sv,
    "\U0001F600"sv, "\U0001D11E clef"sv, "na\u00efve caf\u00e9"sv, "'single'"sv, "`tick`"sv,
    "~"sv, "$ref"sv, "a\\,b"sv, "="sv, "|"sv, "//comment"sv, "/*"sv, "--"sv, "\u2028"sv,
    "\uFEFFbom"sv, "\u00a0nbsp"sv};

// Keys an encoder must quote in @schema, or could confuse with its syntax.
constexpr std::array kTrickyKeys{
    "id"sv, "name"sv, "value"sv, ""sv, " "sv, "first name"sv, "a:b"sv, "x,y"sv, "say \"k\""sv,
    "back\\slash"sv, "trailing\\"sv, "#"sv, "#1"sv, "@schema"sv, "12"sv, "null"sv, "true"sv,
    "[k]"sv, "{k}"sv, "k(1)"sv, "line\nkey"sv, "\t"sv, "\0"sv, "\u65e5\u672c"sv,
    "\U0001F600key"sv, "a.b"sv, "a-b"sv, "=k"sv};

// Plain column names for realistic tables.
constexpr std::array kColumnNames{
    "id"sv, "name"sv, "status"sv, "score"sv, "qty"sv, "active"sv, "note"sv, "city"sv, "tags"sv,
    "address"sv, "email"sv, "created"sv, "price"sv, "category"sv, "owner"sv, "level"sv};

// Strings worth a dictionary entry (5+ chars) that need quoting or escapes.
constexpr std::array kRepeatedTexts{
    "Alice \"Al\" Smith"sv, "C:\\Users\\bob\\"sv, "O'Brien, Pat"sv, "Zo\u00eb \u00c5ngstr\u00f6m"sv,
    "line one\nline two"sv, "#42 Main Street"sv, "records(2): fake"sv, "@schema[x:int]"sv,
    "\U0001F680 launch"sv, "a:b, c:d"sv, "  spaced  "sv, "trailing\\\\"sv, "null value"sv,
    "Springfield"sv, "Shelbyville"sv, "engineering"sv, "marketing"sv};

constexpr std::array kTrickyNumbers{
    "1e400"sv, "-1e400"sv, "1e-400"sv, "1E400"sv, "1e+400"sv, "9223372036854775808"sv,
    "-9223372036854775809"sv, "18446744073709551616"sv, "-0"sv, "1.00000000000000000001"sv,
    "0.30000000000000000000001"sv, "123456789012345678901234567890"sv,
    "-123456789012345678901234567890"sv, "2.50"sv, "100.0"sv, "1e20"sv, "1E-7"sv, "0.0e0"sv};

constexpr std::array<std::int64_t, 12> kEdgeInts{
    0, 1, -1, 42, -7, 255, std::numeric_limits<std::int64_t>::max(),
    std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max() - 1,
    std::numeric_limits<std::int64_t>::min() + 1, std::int64_t{1} << 53, -(std::int64_t{1} << 53) - 1};

constexpr std::array<double, 22> kEdgeFloats{
    0.0, -0.0, 0.1, 0.5, 1.5, -3.5, 3.0, 100.0, 1e308, -1e308, 5e-324, -5e-324,
    std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest(),
    std::numeric_limits<double>::min(), 2.2250738585072009e-308, 1e21, 1e22, 1e-7,
    123456.789, 9007199254740993.0, 0.30000000000000004};

}  // namespace

// What a realistic table's column holds.
enum class RandomRecords::ColumnKind {
  Id,          // 1, 2, 3...
  Repeated,    // one of a few repeated strings: the dictionary's work
  Dominant,    // mostly one value: the defaults' work
  MostlyNull,  // null, sometimes a text
  Optional,    // absent, null, or its dominant value
  Tags,        // an array of repeated strings, often empty
  Nested,      // an object with its own arrays
  Anything,    // any scalar
};

struct RandomRecords::Column {
  std::string_view key;
  ColumnKind kind = ColumnKind::Anything;
  Value dominant{};        // Dominant and Optional
  double dominance = 0.8;  // share of rows holding `dominant`
  std::size_t from = 0;    // first record that has it (columns that come late)
  std::size_t retype_at = std::numeric_limits<std::size_t>::max();  // kind changes here
  std::vector<std::string_view> pool{};  // Repeated and Tags
};

struct RandomRecords::TablePlan {
  std::vector<Column> columns;
  double shuffle = 0;     // chance that a record lists its keys in another order
  double drop = 0;        // chance that a record leaves out a column
  double duplicate = 0;   // chance that a record repeats a key
  std::size_t empty_prefix = 0;  // records {} at the start: a sample with no columns
};

RandomRecords::RandomRecords(std::uint64_t seed, Arena& arena) : rng_(seed), arena_(arena) {}

Value RandomRecords::object_of(std::span<const Member> members) {
  Member* out = arena_.allocate_array<Member>(members.size());
  std::uninitialized_copy(members.begin(), members.end(), out);
  return Value::object({out, members.size()});
}

Value RandomRecords::array_of(std::span<const Value> items) {
  Value* out = arena_.allocate_array<Value>(items.size());
  std::uninitialized_copy(items.begin(), items.end(), out);
  return Value::array({out, items.size()});
}

std::string_view RandomRecords::random_unicode(std::size_t max_chars) {
  std::string s;
  std::size_t n = below(max_chars + 1);
  for (std::size_t i = 0; i < n; ++i) {
    char32_t cp;
    switch (below(6)) {
      case 0: cp = static_cast<char32_t>(below(32)); break;                 // controls, NUL too
      case 1: cp = chance(0.5) ? U'\x7f' : U"\"\\,:#@[](){}\n"[below(13)]; break;
      case 2: cp = static_cast<char32_t>(0x80 + below(0xD800 - 0x80)); break;    // BMP below surrogates
      case 3: cp = static_cast<char32_t>(0xE000 + below(0xFFFE - 0xE000)); break;  // BMP above
      case 4: cp = static_cast<char32_t>(0x10000 + below(0x110000 - 0x10000)); break;  // astral
      default: cp = static_cast<char32_t>(0x20 + below(0x7f - 0x20)); break;  // printable ASCII
    }
    append_utf8(cp, s);
  }
  return arena_.copy(s);
}

std::string_view RandomRecords::text() {
  switch (below(9)) {
    case 0:
    case 1:
    case 2: return pick<std::string_view>(kTrickyTexts);
    case 3: {
      std::string s(pick<std::string_view>(kTrickyTexts));
      s += pick<std::string_view>(kTrickyTexts);
      if (chance(0.5)) s += pick<std::string_view>(kTrickyTexts);
      return arena_.copy(s);
    }
    case 4:
    case 5: return random_unicode(12);
    case 6: return pick<std::string_view>(kRepeatedTexts);
    case 7: return ascii_word();
    default: return plain_word();
  }
}

std::string_view RandomRecords::plain_word() {
  std::string s;
  for (std::size_t i = 0, n = 1 + below(10); i < n; ++i) s += static_cast<char>('a' + below(26));
  return arena_.copy(s);
}

// Printable ASCII that starts with a letter: the texts an encoder may leave
// unquoted, where a decoder that reads them differently would go wrong.
std::string_view RandomRecords::ascii_word() {
  std::string s(1, static_cast<char>((chance(0.5) ? 'a' : 'A') + below(26)));
  for (std::size_t i = 0, n = below(10); i < n; ++i) s += static_cast<char>(0x20 + below(0x7f - 0x20));
  if (chance(0.7)) s += static_cast<char>(chance(0.5) ? 'a' + below(26) : '0' + below(10));
  return arena_.copy(s);
}

std::string_view RandomRecords::key() {
  if (chance(0.75)) return pick<std::string_view>(kTrickyKeys);
  return chance(0.5) ? pick<std::string_view>(kColumnNames) : random_unicode(6);
}

Value RandomRecords::number() {
  switch (below(6)) {
    case 0: return Value::integer(pick<std::int64_t>(kEdgeInts));
    case 1:
      return Value::integer(chance(0.5) ? static_cast<std::int64_t>(rng_())
                                        : static_cast<std::int64_t>(below(2001)) - 1000);
    case 2: return Value::floating(pick<double>(kEdgeFloats));
    case 3: {
      if (chance(0.5)) return Value::floating(static_cast<double>(below(200001)) / 100.0 - 1000.0);
      double d;
      do d = std::bit_cast<double>(static_cast<std::uint64_t>(rng_()));
      while (!std::isfinite(d));
      return Value::floating(d);
    }
    case 4: return classify_number(pick<std::string_view>(kTrickyNumbers));
    default: {
      // Digits no int64 or double holds exactly, kept as text.
      std::string s = chance(0.3) ? "-" : "";
      s += static_cast<char>('1' + below(9));
      for (std::size_t i = 0, n = 19 + below(15); i < n; ++i) s += static_cast<char>('0' + below(10));
      if (chance(0.4)) s.insert(s.size() - 1 - below(10), ".");
      if (chance(0.4)) s += (chance(0.5) ? "e" : "E") + std::to_string(static_cast<int>(below(800)) - 400);
      return classify_number(arena_.copy(s));
    }
  }
}

Value RandomRecords::scalar() {
  switch (below(10)) {
    case 0: return Value::null();
    case 1: return Value::boolean(chance(0.5));
    case 2:
    case 3:
    case 4: return number();
    default: return Value::string(text());
  }
}

Value RandomRecords::any_value(int depth) {
  std::size_t roll = below(10);
  if (depth <= 0 || roll >= 3) return scalar();
  std::size_t n = chance(0.2) ? 0 : 1 + below(4);
  if (roll == 0) {
    std::vector<Value> items;
    for (std::size_t i = 0; i < n; ++i) items.push_back(any_value(depth - 1));
    return array_of(items);
  }
  std::vector<Member> members;
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view k = key();
    bool taken = std::any_of(members.begin(), members.end(), [&](const Member& m) { return m.key == k; });
    if (!taken) members.push_back({k, any_value(depth - 1)});
  }
  return object_of(members);
}

Value RandomRecords::noise_record(int depth) {
  std::vector<Member> members;
  for (std::size_t i = 0, n = below(9); i < n; ++i) {
    std::string_view k = key();
    bool taken = std::any_of(members.begin(), members.end(), [&](const Member& m) { return m.key == k; });
    if (!taken) members.push_back({k, any_value(depth)});
  }
  return object_of(members);
}

RandomRecords::TablePlan RandomRecords::plan_table(std::size_t count, bool drifting) {
  TablePlan plan;
  std::vector<std::string_view> keys(kColumnNames.begin(), kColumnNames.end());
  // A tricky key or two, so quoting in @schema, @defaults and rows is exercised.
  for (std::size_t i = 0, n = below(3); i < n; ++i) keys.push_back(pick<std::string_view>(kTrickyKeys));
  std::shuffle(keys.begin() + 1, keys.end(), rng_);
  std::vector<std::string_view> distinct;
  for (std::string_view k : keys)
    if (std::find(distinct.begin(), distinct.end(), k) == distinct.end()) distinct.push_back(k);
  keys = std::move(distinct);
  std::size_t width = std::min(keys.size(), 3 + below(8));

  plan.columns.push_back({.key = "id", .kind = ColumnKind::Id});
  for (std::size_t i = 1; i < width; ++i) {
    Column c{.key = keys[i], .kind = static_cast<ColumnKind>(1 + below(7))};
    c.dominance = 0.6 + 0.35 * std::generate_canonical<double, 53>(rng_);
    c.dominant = chance(0.5) ? Value::string(pick<std::string_view>(kTrickyTexts)) : scalar();
    // Mostly a handful of repeated strings; sometimes dozens or hundreds,
    // so that dictionary references grow to two and three digits.
    std::size_t roll = below(20), pool_size = roll < 14 ? 2 + below(4) : roll < 18 ? 30 : 300;
    for (std::size_t j = 0; j < pool_size; ++j)
      c.pool.push_back(j < 6 ? pick<std::string_view>(kRepeatedTexts) : chance(0.5) ? ascii_word() : text());
    plan.columns.push_back(c);
  }
  if (drifting && count > 1) {
    // Columns that first appear late, some only after the sample; one whose
    // kind changes half way; rows in another key order; keys repeated.
    for (std::size_t i = 0, n = 1 + below(3); i < n; ++i) {
      std::string_view k = pick<std::string_view>(kTrickyKeys);
      bool taken = std::any_of(plan.columns.begin(), plan.columns.end(), [&](const Column& c) { return c.key == k; });
      if (taken) continue;
      Column c{.key = k, .kind = static_cast<ColumnKind>(1 + below(7))};
      c.dominant = scalar();
      c.from = 1 + below(count);
      c.pool.push_back(pick<std::string_view>(kRepeatedTexts));
      plan.columns.push_back(c);
    }
    plan.columns[below(plan.columns.size())].retype_at = below(count);
    if (chance(0.2)) plan.empty_prefix = below(count);
    plan.shuffle = 0.15;
    plan.drop = 0.1;
    plan.duplicate = 0.02;
  }
  return plan;
}

Value RandomRecords::column_value(const Column& c, std::size_t index) {
  if (index >= c.retype_at) return chance(0.5) ? any_value(1) : Value::string(text());
  switch (c.kind) {
    case ColumnKind::Id: return Value::integer(static_cast<std::int64_t>(index) + 1);
    case ColumnKind::Repeated: return Value::string(c.pool[below(c.pool.size())]);
    case ColumnKind::Dominant:
    case ColumnKind::Optional: return chance(c.dominance) ? c.dominant : scalar();
    case ColumnKind::MostlyNull: return chance(0.9) ? Value::null() : Value::string(text());
    case ColumnKind::Tags: {
      std::vector<Value> tags;
      for (std::size_t i = 0, n = chance(0.5) ? 0 : 1 + below(3); i < n; ++i)
        tags.push_back(Value::string(c.pool[below(c.pool.size())]));
      return array_of(tags);
    }
    case ColumnKind::Nested: {
      if (chance(0.2)) return object_of({});
      std::array<Member, 3> m{Member{"street", Value::string(c.pool[below(c.pool.size())])},
                              Member{"zip", Value::string(chance(0.5) ? "01234"sv : "a,b:c"sv)},
                              Member{"geo", array_of(std::array{number(), number()})}};
      return object_of(m);
    }
    case ColumnKind::Anything: return scalar();
  }
  return Value::null();
}

Value RandomRecords::table_record(const TablePlan& plan, std::size_t index) {
  std::vector<Member> members;
  if (index < plan.empty_prefix) return object_of(members);
  for (const Column& c : plan.columns) {
    if (index < c.from) continue;
    if (c.kind != ColumnKind::Id && chance(plan.drop)) continue;
    if (c.kind == ColumnKind::Optional) {
      std::size_t roll = below(10);
      if (roll < 4) continue;                                          // absent
      if (roll < 7) { members.push_back({c.key, Value::null()}); continue; }  // null
    }
    members.push_back({c.key, column_value(c, index)});
    if (chance(plan.duplicate)) members.push_back({c.key, column_value(c, index)});
  }
  if (chance(plan.shuffle)) std::shuffle(members.begin(), members.end(), rng_);
  return object_of(members);
}

std::vector<Value> RandomRecords::records(RecordShape shape, std::size_t count) {
  std::vector<Value> out;
  out.reserve(count);
  if (shape == RecordShape::Noise) {
    for (std::size_t i = 0; i < count; ++i) out.push_back(noise_record(3));
    return out;
  }
  TablePlan plan = plan_table(count, shape == RecordShape::Drifting);
  for (std::size_t i = 0; i < count; ++i) out.push_back(table_record(plan, i));
  return out;
}

}  // namespace aton::test
