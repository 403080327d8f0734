// The json source's first pass (count: true) against the truth: random
// record sets, as arrays and objects of tables, spaced every way, with
// strings full of brackets, commas, quotes and backslashes. The pass
// counts 64 bytes at a time where it can, so the texts run across many
// such blocks and the 64 KiB read blocks.
#include "json/json_outline.hpp"
#include "support/json_oracle.hpp"
#include "support/random_records.hpp"
#include "support/temp_dir.hpp"

#include <aton/json.hpp>
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

using aton::json_source::JsonOutline;
using aton::json_source::scan_json_outline;

namespace {

// The items of an array of `count` records (now and then a bare value, which
// counts as an element too), joined by separators of every spacing.
std::string array_text(aton::test::RandomRecords& gen, std::mt19937& random, std::size_t count, bool table_shape) {
  static const char* const kSeparators[] = {",", ", ", ",\n  ", " ,\n", "\n,\t"};
  auto records = gen.records(table_shape ? aton::test::RecordShape::Table : aton::test::RecordShape::Noise, count);
  std::string text = random() % 2 ? "[\n  " : "[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i) text += kSeparators[random() % 5];
    text += random() % 16 ? aton::to_json(records[i]) : aton::to_json(gen.any_value(2));
  }
  text += random() % 2 ? "\n]" : "]";
  return text;
}

}  // namespace

TEST_CASE("json outline: the first pass counts what a parse counts, in arrays and objects of tables",
          "[sources][json][count]") {
  aton::test::TempDir dir;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    INFO("seed " << seed);
    aton::Arena arena;
    aton::test::RandomRecords gen(seed, arena);
    std::mt19937 random(static_cast<unsigned>(seed));
    std::size_t count = seed % 7 == 0 ? 0 : random() % 1500;
    std::string records = array_text(gen, random, count, seed % 2 == 0);
    std::string other = array_text(gen, random, random() % 40, seed % 3 == 0);

    JsonOutline array = scan_json_outline(dir.write("array.json", "\xEF\xBB\xBF " + records + "\n").string());
    CHECK(array.top == '[');
    CHECK(array.records == static_cast<std::int64_t>(count));

    std::string meta = aton::to_json(gen.any_value(3));
    std::string tables = "{\"meta\": " + meta + ", \"t\": " + records + ",\n \"u\": " + other +
                         ", \"t\": [{\"again\": 1}], \"\\u0076\": " + other + "}";
    // The oracle is Python's json module, not the JsonReader the json source shares.
    auto truth = aton::test::json_object_shape(tables);
    REQUIRE(truth.size() == 5);
    JsonOutline outline = scan_json_outline(dir.write("tables.json", tables).string());
    CHECK(outline.top == '{');
    REQUIRE(outline.tables.size() == 4);  // meta, t, u, v: each once, in order
    CHECK(outline.tables[0].name == "meta");
    CHECK(outline.tables[0].is_array == truth[0].is_array);
    const JsonOutline::Table* t = outline.find("t");
    REQUIRE(t);
    CHECK(t->is_array);
    CHECK(t->records == static_cast<std::int64_t>(truth[1].items + 1));
    const JsonOutline::Table* u = outline.find("u");
    REQUIRE(u);
    CHECK(u->records == static_cast<std::int64_t>(truth[2].items));
    const JsonOutline::Table* v = outline.find("v");  // its key was escaped
    REQUIRE(v);
    CHECK(v->records == u->records);
  }
}

TEST_CASE("json outline: an array's last element counts wherever a 64-byte block ends", "[sources][json][count]") {
  aton::test::TempDir dir;
  // Every padding puts the boundary at another byte: after the last
  // element's first byte, inside it, right before the ']'...
  std::string items = "1, 22, \"x,]\", true, {\"a\": [1, {}]}, null, 4444";
  for (std::size_t pad = 0; pad < 140; ++pad) {
    INFO("pad " << pad);
    for (const char* last : {"", ", 55", ", \"s\"", ", [ ]", ",\n  -0.5e3  "}) {
      std::string text = "[" + std::string(pad, ' ') + items + last + "]";
      std::int64_t expected = 7 + (*last ? 1 : 0);
      CHECK(scan_json_outline(dir.write("a.json", text).string()).records == expected);
      std::string tables = "{\"t\": " + text + "}";
      JsonOutline outline = scan_json_outline(dir.write("t.json", tables).string());
      const JsonOutline::Table* t = outline.find("t");
      REQUIRE(t);
      CHECK(t->records == expected);
    }
  }
}
