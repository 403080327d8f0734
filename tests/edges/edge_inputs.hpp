// Inputs and checks shared by the edge tests (tests/edges): records in every
// layout the file sources read, and an oracle for what reached the output
// that does not use the encoder under test: `aton decode` prints JSON,
// RapidJSON reads it, and the ids must be 0, 1, 2, ... in order.
#pragma once

#include "support/process.hpp"

#include <rapidjson/document.h>

#include <cstddef>
#include <filesystem>
#include <string>

namespace aton::test::edges {

inline std::string record_json(std::size_t i) {
  return "{\"id\":" + std::to_string(i) + ",\"name\":\"user " + std::to_string(i) + "\",\"ok\":" +
         (i % 3 ? "true" : "false") + "}";
}

// `n` records as a JSON array, as {"<table>": [...]}, as JSON Lines, as CSV.
inline std::string array_of(std::size_t n) {
  std::string out = "[";
  for (std::size_t i = 0; i < n; ++i) out += (i ? ",\n" : "") + record_json(i);
  return out + "]\n";
}
inline std::string table_of(std::size_t n, const std::string& table = "users") {
  return "{\"" + table + "\": " + array_of(n) + "}";
}
inline std::string lines_of(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += record_json(i) + "\n";
  return out;
}
inline std::string csv_of(std::size_t n) {
  std::string out = "id,name,ok\n";
  for (std::size_t i = 0; i < n; ++i)
    out += std::to_string(i) + ",user " + std::to_string(i) + "," + (i % 3 ? "true" : "false") + "\n";
  return out;
}

// What an ATON file holds, by an oracle independent of the encoder: how
// many records its one table has, and whether their ids run 0..n-1.
struct Decoded {
  int exit_code = -1;
  std::string table;
  std::size_t records = 0;
  bool ids_in_order = false;
  std::string err;
};
inline Decoded decode_file(const std::filesystem::path& aton) {
  Decoded d;
  auto r = run_aton({"decode", aton.string()});
  d.exit_code = r.exit_code;
  d.err = r.err;
  if (r.exit_code != 0) return d;
  rapidjson::Document doc;
  doc.Parse(r.out.c_str(), r.out.size());
  if (doc.HasParseError() || !doc.IsObject() || doc.MemberCount() != 1) return d;
  auto& table = *doc.MemberBegin();
  d.table = table.name.GetString();
  if (!table.value.IsArray()) return d;
  d.records = table.value.Size();
  d.ids_in_order = true;
  std::size_t i = 0;
  for (const auto& rec : table.value.GetArray()) {
    auto id = rec.IsObject() ? rec.FindMember("id") : rec.MemberEnd();
    if (!rec.IsObject() || id == rec.MemberEnd() || !id->value.IsUint64() || id->value.GetUint64() != i)
      d.ids_in_order = false;
    ++i;
  }
  return d;
}

}  // namespace aton::test::edges
