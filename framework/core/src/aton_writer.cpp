#include "aton_writer.hpp"

#include "syntax.hpp"

#include <aton/json.hpp>
#include <aton/number.hpp>

#include <algorithm>
#include <charconv>

namespace aton::detail {

namespace {

void append_index(std::size_t n, std::string& out) {
  char buffer[24];
  auto r = std::to_chars(buffer, buffer + sizeof buffer, n);
  out.append(buffer, r.ptr);
}

void write_string(const Value& value, const Plan& plan, bool top_level, std::string& out) {
  std::string_view s = value.as_string();
  if (top_level && !plan.dictionary_index.empty()) {
    if (const std::uint32_t* index = plan.dictionary_index.find(s)) {
      out.push_back('#');
      append_index(*index, out);
      return;
    }
  }
  if (plan.bare_strings && syntax::can_be_bare(s)) {
    out.append(s);
    return;
  }
  if (value.is_plain_string()) {
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return;
  }
  append_json_string(s, out);
}

// `v` equals a column's default: scalars inline, the rest by deep equality.
inline bool is_default(const Value& v, const Value& def) {
  if (v.kind() != def.kind()) return false;
  switch (v.kind()) {
    case Value::Kind::Null: return true;
    case Value::Kind::Bool: return v.as_bool() == def.as_bool();
    case Value::Kind::Int: return v.as_int() == def.as_int();
    case Value::Kind::String: return same_short_string(v.as_string(), def.as_string());
    default: return v == def;
  }
}

}  // namespace

void write_name(std::string_view name, std::string& out) {
  if (syntax::is_identifier(name)) out.append(name);
  else append_json_string(name, out);
}

void write_value(const Value& value, const Plan& plan, bool top_level, std::string& out) {
  switch (value.kind()) {
    case Value::Kind::Null: out.append("null"); return;
    case Value::Kind::Bool: out.append(value.as_bool() ? "true" : "false"); return;
    case Value::Kind::Int:
    case Value::Kind::Float:
    case Value::Kind::Number: append_number(value, out); return;
    case Value::Kind::String: write_string(value, plan, top_level, out); return;
    case Value::Kind::Array: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : value.items()) {
        if (!first) out.push_back(',');
        first = false;
        write_value(item, plan, false, out);
      }
      out.push_back(']');
      return;
    }
    case Value::Kind::Object: {
      out.push_back('{');
      bool first = true;
      for (const Member& m : value.members()) {
        if (!first) out.push_back(',');
        first = false;
        write_name(m.key, out);
        out.push_back(':');
        write_value(m.value, plan, false, out);
      }
      out.push_back('}');
      return;
    }
  }
}

void RowWriter::new_keys(const Value& record, const Plan& plan, std::vector<std::string_view>& out) {
  for (const Member& m : record.members())
    if (!plan.column_index.contains(m.key)) out.push_back(m.key);
}

RowShape RowWriter::write(const Value& record, Plan& plan, std::string& out) {
  slots_.assign(plan.columns.size(), nullptr);
  // Place members into columns. Keys almost always come in schema order, so
  // the next column is tried first and the index only on a miss.
  std::size_t next = 0;
  bool in_order = true;
  for (const Member& m : record.members()) {
    std::size_t c;
    if (next < plan.columns.size() && same_short_string(plan.columns[next].key, m.key)) {
      c = next;
    } else {
      if (const std::uint32_t* known = plan.column_index.find(m.key)) {
        c = *known;
      } else {
        c = plan.add_column(m.key, m.value);
        slots_.push_back(nullptr);
      }
      if (c < next) {
        in_order = false;  // out of order, or a duplicate key
        break;
      }
    }
    slots_[c] = &m.value;
    next = c + 1;
  }
  if (!in_order || slots_.empty()) {
    // The rare record whose keys the columns cannot express: written whole.
    out.push_back('!');
    write_value(record, plan, true, out);
    return RowShape::Literal;
  }

  // Column c's slot: empty when it holds the default (or, without a default,
  // when the key is absent); '~' for an absent key in a defaulted column.
  std::size_t row_start = out.size();
  std::size_t kept = row_start;  // end of the last non-empty slot
  for (std::size_t c = 0; c < slots_.size(); ++c) {
    if (c > 0) out.push_back(',');
    const Value* v = slots_[c];
    const auto& def = plan.columns[c].default_value;
    if (v) {
      if (def && is_default(*v, *def)) continue;
      if (c > 0 && !plan.compact) out.push_back(' ');
      write_value(*v, plan, true, out);
    } else {
      if (!def) continue;
      if (c > 0 && !plan.compact) out.push_back(' ');
      out.push_back('~');
    }
    kept = out.size();
  }
  out.resize(kept);  // trailing empty slots are implied
  if (kept == row_start) {
    // Never an empty line: say the first column explicitly.
    if (slots_[0]) write_value(*slots_[0], plan, true, out);
    else out.push_back('~');
  }
  return RowShape::Columns;
}

void write_schema_line(const Plan& plan, std::size_t first, bool extension, std::string& out, std::size_t end) {
  out.append(extension ? "@schema+[" : "@schema[");
  end = std::min(end, plan.columns.size());
  for (std::size_t c = first; c < end; ++c) {
    if (c > first) out.append(plan.separator());
    write_name(plan.columns[c].key, out);
    out.push_back(':');
    out.append(plan.columns[c].type);
  }
  out.append("]\n");
}

void write_defaults_line(const Plan& plan, std::string& out) {
  bool any = false;
  for (const Column& column : plan.columns) {
    if (!column.default_value) continue;
    out.append(any ? plan.separator() : std::string_view("@defaults["));
    any = true;
    write_name(column.key, out);
    out.push_back(':');
    write_value(*column.default_value, plan, false, out);
  }
  if (any) out.append("]\n");
}

void write_dictionary_line(const Plan& plan, std::string& out) { write_dictionary_line(plan.dictionary, plan, out); }

void write_dictionary_line(std::span<const std::string_view> entries, const Plan& plan, std::string& out) {
  if (entries.empty()) return;
  out.append("@dict[");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out.append(plan.separator());
    out.push_back('#');
    append_index(i, out);
    out.push_back(':');
    append_json_string(entries[i], out);
  }
  out.append("]\n");
}

void write_budget_line(const Plan& plan, std::size_t max_tokens, std::size_t max_bytes, std::string& out) {
  out.append("@budget[");
  if (max_tokens > 0) {
    out.append("max_tokens:");
    append_index(max_tokens, out);
  }
  if (max_bytes > 0) {
    if (max_tokens > 0) out.append(plan.separator());
    out.append("max_bytes:");
    append_index(max_bytes, out);
  }
  out.append("]\n");
}

void write_table_line(std::string_view table, std::size_t rows, bool continuation, std::string& out) {
  write_name(table, out);
  out.append(continuation ? "+(" : "(");
  append_index(rows, out);
  out.append("):");
}

}  // namespace aton::detail
