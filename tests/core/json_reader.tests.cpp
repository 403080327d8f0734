// aton::JsonReader against RapidJSON, the parser it replaced on the hot
// path: the same texts accepted, the same values read, on random records
// and on random damage to them; and every cut of a record read over a short
// window says it ran out, which the json source relies on to read records
// that straddle its blocks.
#include <catch2/catch.hpp>

#include "support/random_records.hpp"

#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/json_reader.hpp>
#include <aton/number.hpp>

#include <rapidjson/document.h>

#include <random>
#include <string>

namespace {

using aton::Value;

constexpr unsigned kRapidFlags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseStopWhenDoneFlag;

// RapidJSON's DOM and ours hold the same value: kinds, key order,
// duplicates, string bytes, and numbers as the record model classifies the
// text RapidJSON kept.
bool same(const rapidjson::Value& r, const Value& v) {
  switch (r.GetType()) {
    case rapidjson::kNullType: return v.is_null();
    case rapidjson::kFalseType: return v.kind() == Value::Kind::Bool && !v.as_bool();
    case rapidjson::kTrueType: return v.kind() == Value::Kind::Bool && v.as_bool();
    case rapidjson::kStringType: {
      std::string_view text(r.GetString(), r.GetStringLength());
      if (v.is_string()) return v.as_string() == text;
      return aton::is_json_number(text) && aton::classify_number(text) == v;  // a number, kept as its text
    }
    case rapidjson::kArrayType: {
      if (!v.is_array() || v.items().size() != r.Size()) return false;
      for (rapidjson::SizeType i = 0; i < r.Size(); ++i)
        if (!same(r[i], v.items()[i])) return false;
      return true;
    }
    case rapidjson::kObjectType: {
      if (!v.is_object() || v.members().size() != r.MemberCount()) return false;
      std::size_t i = 0;
      for (const auto& m : r.GetObject()) {
        const auto& mine = v.members()[i++];
        if (mine.key != std::string_view(m.name.GetString(), m.name.GetStringLength()) || !same(m.value, mine.value))
          return false;
      }
      return true;
    }
    case rapidjson::kNumberType: return false;  // never: numbers come as strings
  }
  return false;
}

struct Verdicts {
  int both_accept = 0, both_refuse = 0, skipped = 0;
};

// Parses `text` with both; fails the test on any disagreement.
void compare(const std::string& text, Verdicts& verdicts) {
  rapidjson::Document doc;
  doc.Parse<kRapidFlags>(text.data(), text.size());
  bool rapid_ok = !doc.HasParseError();
  // RapidJSON refuses numbers beyond a double even as strings, stops at a
  // NUL byte, and has no end check with kParseStopWhenDoneFlag: not ours
  // to compare.
  if (doc.GetParseError() == rapidjson::kParseErrorNumberTooBig || text.find('\0') != std::string::npos) {
    ++verdicts.skipped;
    return;
  }
  aton::Arena arena;
  bool ours_ok = true;
  Value v;
  try {
    v = aton::parse_json(text, arena);
  } catch (const aton::JsonError&) {
    ours_ok = false;
  }
  // With kParseStopWhenDoneFlag RapidJSON accepts trailing text; check it
  // is only whitespace so both judge the same document.
  if (rapid_ok) {
    rapidjson::Document whole;
    whole.Parse<kRapidFlags & ~rapidjson::kParseStopWhenDoneFlag>(text.data(), text.size());
    rapid_ok = !whole.HasParseError();
  }
  INFO("text: " << text);
  REQUIRE(ours_ok == rapid_ok);
  if (ours_ok) {
    REQUIRE(same(doc, v));
    ++verdicts.both_accept;
  } else {
    ++verdicts.both_refuse;
  }
}

std::string records_text(std::uint64_t seed, aton::test::RecordShape shape, std::size_t count) {
  aton::Arena arena;
  aton::test::RandomRecords random(seed, arena);
  auto records = random.records(shape, count);
  return aton::to_json(aton::test::as_records(records));
}

}  // namespace

TEST_CASE("JsonReader reads what RapidJSON reads from random records", "[json_reader]") {
  Verdicts verdicts;
  for (std::uint64_t seed = 1; seed <= 60; ++seed)
    for (auto shape : {aton::test::RecordShape::Noise, aton::test::RecordShape::Table, aton::test::RecordShape::Drifting})
      compare(records_text(seed, shape, 20), verdicts);
  CHECK(verdicts.both_accept + verdicts.skipped == 180);
  CHECK(verdicts.both_accept >= 40);  // the rest hold numbers beyond a double, which RapidJSON refuses
}

TEST_CASE("JsonReader refuses what RapidJSON refuses in damaged records", "[json_reader]") {
  // Each text is a random record set with a few bytes changed, dropped or
  // inserted, from an alphabet of JSON's structural and tricky bytes.
  static const std::string alphabet = "{}[]:,\"\\/ \n\t0123456789-+.eEtrufalsn\x01\x1f\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\xc0\xed\xa0\x80u";
  std::mt19937_64 rng(7);
  Verdicts verdicts;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    std::string text = records_text(seed, seed % 2 ? aton::test::RecordShape::Noise : aton::test::RecordShape::Table, 2);
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      std::size_t at = rng() % text.size();
      char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: text[at] = c; break;
        case 1: text.erase(at, 1); break;
        default: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
      }
    }
    compare(text, verdicts);
  }
  // Damage mostly breaks the text, but not always: both verdicts occur.
  CHECK(verdicts.both_refuse > 200);
  CHECK(verdicts.both_accept > 10);
}

TEST_CASE("JsonReader over a cut record says it ran out and never reads it wrong", "[json_reader]") {
  std::string records = records_text(3, aton::test::RecordShape::Noise, 6);
  aton::Arena arena;
  Value all = aton::parse_json(records, arena);
  for (const Value& record : all.items()) {
    std::string text = aton::to_json(record);
    // Some whitespace inside, to cut there too (spliced, not insert():
    // GCC 12's -Wrestrict misreads that).
    if (auto colon = text.find("\":"); colon != std::string::npos)
      text = text.substr(0, colon + 2) + ' ' + text.substr(colon + 2);
    for (std::size_t cut = 1; cut < text.size(); ++cut) {
      aton::JsonReader reader(std::string_view(text.data(), cut), 512);
      aton::IgnoreEvents ignore;
      bool ran_out = false;
      try {
        reader.value(ignore, 0);
      } catch (const aton::JsonError&) {
        ran_out = reader.ran_out();
      }
      INFO("record: " << text << "\ncut at " << cut);
      REQUIRE(ran_out);
    }
  }
}

TEST_CASE("JsonReader errors that are not the window's end do not claim to have run out", "[json_reader]") {
  for (std::string text : {"{\"a\":1,}", "{\"a\" 1}", "{\"a\":tru }", "{\"a\":\"\\x\"}", "{\"a\":\"\x01\"}",
                           "{\"a\":\"\xc3\x28\"}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":\"\\ud800x\"}", "{\"a\":\"\\ud800\"}", "[1 2]"}) {
    aton::JsonReader reader(text, 512);
    aton::IgnoreEvents ignore;
    INFO(text);
    REQUIRE_THROWS_AS(reader.value(ignore, 0), aton::JsonError);
    CHECK_FALSE(reader.ran_out());
  }
}
