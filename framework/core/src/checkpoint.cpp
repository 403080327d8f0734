#include "checkpoint.hpp"

#include <aton/errors.hpp>
#include <aton/json.hpp>

namespace aton::detail {

namespace {

constexpr std::int64_t kVersion = 1;

void append_uint(std::string& out, std::size_t n) { out += std::to_string(n); }

[[noreturn]] void refuse(const std::string& why) {
  throw EncodingError("cannot resume the encoder from this checkpoint: " + why);
}

const Value& member(const Value& object, std::string_view key, Value::Kind kind) {
  const Value* v = object.find(key);
  if (!v || v->kind() != kind) refuse("'" + std::string(key) + "' is missing or of the wrong type");
  return *v;
}

std::size_t count(const Value& object, std::string_view key) {
  std::int64_t n = member(object, key, Value::Kind::Int).as_int();
  if (n < 0) refuse("'" + std::string(key) + "' is negative");
  return static_cast<std::size_t>(n);
}

}  // namespace

std::string plan_checkpoint(const Plan& plan, std::size_t columns, std::string_view table, std::size_t chunk_size) {
  std::string out = "\"table\":";
  append_json_string(table, out);
  out += ",\"chunk_size\":";
  append_uint(out, chunk_size);
  out += ",\"bare_strings\":";
  out += plan.bare_strings ? "true" : "false";
  out += ",\"compact\":";
  out += plan.compact ? "true" : "false";
  out += ",\"columns\":[";
  for (std::size_t c = 0; c < columns && c < plan.columns.size(); ++c) {
    const Column& column = plan.columns[c];
    if (c > 0) out.push_back(',');
    out += "{\"key\":";
    append_json_string(column.key, out);
    out += ",\"type\":";
    append_json_string(column.type, out);
    if (column.default_value) {
      out += ",\"default\":";
      append_json(*column.default_value, out);
    }
    out.push_back('}');
  }
  out += "],\"dictionary\":[";
  for (std::size_t i = 0; i < plan.dictionary.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_json_string(plan.dictionary[i], out);
  }
  out += "]}";
  return out;
}

std::string write_checkpoint(std::string_view plan_part, std::size_t next_chunk_id, std::size_t next_record) {
  std::string out = "{\"version\":1,\"next_chunk_id\":";
  append_uint(out, next_chunk_id);
  out += ",\"next_record\":";
  append_uint(out, next_record);
  out.push_back(',');
  out += plan_part;
  return out;
}

ResumePoint read_checkpoint(std::string_view text, std::string_view table, std::size_t chunk_size, Plan& plan) {
  Value root;
  try {
    root = parse_json(text, plan.arena);
  } catch (const JsonError& e) {
    refuse(std::string("not JSON: ") + e.what());
  }
  if (!root.is_object()) refuse("not a JSON object");
  if (member(root, "version", Value::Kind::Int).as_int() != kVersion) refuse("made by another version of aton");
  if (member(root, "table", Value::Kind::String).as_string() != table)
    refuse("made for table '" + std::string(root.find("table")->as_string()) + "', not '" + std::string(table) + "'");
  if (count(root, "chunk_size") != chunk_size)
    refuse("made with chunk_size " + std::to_string(count(root, "chunk_size")) + ", not " + std::to_string(chunk_size));
  plan.bare_strings = member(root, "bare_strings", Value::Kind::Bool).as_bool();
  plan.compact = member(root, "compact", Value::Kind::Bool).as_bool();
  for (const Value& c : member(root, "columns", Value::Kind::Array).items()) {
    if (!c.is_object()) refuse("a column is not an object");
    std::string_view key = member(c, "key", Value::Kind::String).as_string();
    if (plan.column_index.contains(key)) refuse("column '" + std::string(key) + "' appears twice");
    plan.columns.push_back({key, std::string(member(c, "type", Value::Kind::String).as_string()), std::nullopt});
    if (const Value* d = c.find("default")) plan.columns.back().default_value = *d;
    plan.column_index.emplace(key, static_cast<std::uint32_t>(plan.columns.size() - 1));
  }
  for (const Value& s : member(root, "dictionary", Value::Kind::Array).items()) {
    if (!s.is_string()) refuse("a dictionary entry is not a string");
    if (plan.dictionary_index.contains(s.as_string())) refuse("a dictionary entry appears twice");
    plan.dictionary_index.emplace(s.as_string(), static_cast<std::uint32_t>(plan.dictionary.size()));
    plan.dictionary.push_back(s.as_string());
  }
  return {count(root, "next_chunk_id"), count(root, "next_record")};
}

}  // namespace aton::detail
