#include "plan.hpp"

#include "aton_writer.hpp"
#include "syntax.hpp"

#include <aton/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace aton::detail {

namespace {

constexpr std::uint32_t bit(Value::Kind k) { return 1u << static_cast<unsigned>(k); }

std::string type_name(std::uint32_t kinds) {
  constexpr std::uint32_t numeric = bit(Value::Kind::Int) | bit(Value::Kind::Float) | bit(Value::Kind::Number);
  if (kinds == 0) return "null";
  for (auto k : {Value::Kind::Bool, Value::Kind::Int, Value::Kind::Float, Value::Kind::Number,
                 Value::Kind::String, Value::Kind::Array, Value::Kind::Object})
    if (kinds == bit(k)) return std::string(kind_name(k));
  if ((kinds & ~numeric) == 0) return "num";
  return "any";
}

// How often one value occurs in one column of the sample.
struct ValueCount {
  const Value* value;
  std::size_t count = 0;
  std::size_t first_seen = 0;
};

struct ColumnStats {
  std::uint32_t kinds = 0;
  std::size_t present = 0;  // records that have the key
  std::size_t last_record = SIZE_MAX;
  std::unordered_map<std::string, ValueCount> values;  // keyed by canonical JSON
};

struct StringCount {
  std::size_t count = 0;
  std::size_t first_seen = 0;
};

void choose_defaults(std::span<const Value> sample, const std::vector<ColumnStats>& stats, const CostModel& cost,
                     Plan& plan) {
  std::string text;
  for (std::size_t c = 0; c < plan.columns.size(); ++c) {
    const ColumnStats& s = stats[c];
    std::size_t absent = sample.size() - s.present;
    const ValueCount* best = nullptr;
    long best_savings = 0;
    for (const auto& [key, vc] : s.values) {
      text.clear();
      write_value(*vc.value, plan, false, text);
      long length = static_cast<long>(cost.of(text));
      long declaration = static_cast<long>(cost.of(plan.columns[c].key)) + length + 3;
      long savings = static_cast<long>(vc.count) * length - static_cast<long>(absent) - declaration;
      bool dominant = plan.mode == Compression::Ultra || vc.count * 10 > sample.size() * 6;
      if (!dominant || savings <= 0) continue;
      if (!best || savings > best_savings ||
          (savings == best_savings && vc.first_seen < best->first_seen)) {
        best = &vc;
        best_savings = savings;
      }
    }
    if (best) plan.columns[c].default_value = copy_value(*best->value, plan.arena);
  }
}

void choose_dictionary(std::span<const Value> sample, const CostModel& cost, Plan& plan) {
  std::unordered_map<std::string_view, StringCount> counts;
  std::size_t seen = 0;
  for (const Value& record : sample) {
    for (const Member& m : record.members()) {
      if (!m.value.is_string()) continue;
      const Column& column = plan.columns[*plan.column_index.find(m.key)];
      if (column.default_value && *column.default_value == m.value) continue;
      auto [it, inserted] = counts.try_emplace(m.value.as_string());
      if (inserted) it->second.first_seen = seen++;
      ++it->second.count;
    }
  }
  struct Candidate {
    std::string_view text;
    std::size_t count, first_seen, literal_length, quoted_length;
  };
  std::vector<Candidate> candidates;
  std::string text;
  std::size_t min_length = plan.mode == Compression::Ultra ? 1 : 5;
  std::size_t min_count = plan.mode == Compression::Ultra ? 2 : 3;
  for (const auto& [s, sc] : counts) {
    if (s.size() < min_length || sc.count < min_count) continue;
    text.clear();
    append_json_string(s, text);
    std::size_t quoted = cost.of(text);
    std::size_t literal = plan.bare_strings && syntax::can_be_bare(s) ? cost.of(s) : quoted;
    candidates.push_back({s, sc.count, sc.first_seen, literal, quoted});
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    std::size_t x = a.count * a.literal_length, y = b.count * b.literal_length;
    return x != y ? x > y : a.first_seen < b.first_seen;
  });
  std::string ref_text;
  // In bytes, the estimate the golden files were made with (", " even where "," is written).
  const long separator = cost.tokens ? static_cast<long>(cost.of(plan.separator())) : 2;
  for (const Candidate& c : candidates) {
    ref_text = "#" + std::to_string(plan.dictionary.size());
    long ref = static_cast<long>(cost.of(ref_text));
    // Each use writes #N for the literal; the header pays `#N:"text"` and a separator.
    long savings = static_cast<long>(c.count) * (static_cast<long>(c.literal_length) - ref) -
                   (ref + 1 + static_cast<long>(c.quoted_length) + separator);
    if (savings <= 0) continue;
    std::string_view owned = plan.arena.copy(c.text);
    plan.dictionary_index.emplace(owned, static_cast<std::uint32_t>(plan.dictionary.size()));
    plan.dictionary.push_back(owned);
  }
}

// The columns in an order every sampled record follows where possible: a key
// first seen in a record goes right after the key before it in that record,
// not at the end. So a first record that lacks `id` does not push `id` behind
// every other column (which would force the records that have it, in their
// natural order, into literal rows).
std::vector<std::string_view> merged_key_order(std::span<const Value> sample) {
  std::vector<std::string_view> order;
  std::unordered_map<std::string_view, bool> known;
  for (const Value& record : sample) {
    std::size_t insert_at = 0;
    for (const Member& m : record.members()) {
      if (known.emplace(m.key, true).second) {
        order.insert(order.begin() + static_cast<std::ptrdiff_t>(insert_at), m.key);
        ++insert_at;
      } else {
        auto it = std::find(order.begin(), order.end(), m.key);
        insert_at = static_cast<std::size_t>(it - order.begin()) + 1;
      }
    }
  }
  return order;
}

}  // namespace

std::size_t Plan::add_column(std::string_view key, const Value& first_value) {
  std::string_view owned = arena.copy(key);
  std::uint32_t kinds = first_value.is_null() ? 0 : bit(first_value.kind());
  columns.push_back({owned, type_name(kinds), std::nullopt});
  column_index.emplace(owned, static_cast<std::uint32_t>(columns.size() - 1));
  return columns.size() - 1;
}

void make_plan(std::span<const Value> sample, Compression mode, bool bare_strings, bool compact,
               const CostModel& cost, Plan& plan) {
  plan.mode = mode;
  plan.bare_strings = bare_strings;
  plan.compact = compact;
  std::vector<ColumnStats> stats;
  for (std::string_view key : merged_key_order(sample)) {
    plan.add_column(key, Value::null());
    stats.emplace_back();
  }
  std::string key_text;
  std::size_t position = 0;
  for (std::size_t r = 0; r < sample.size(); ++r) {
    const Value& record = sample[r];
    for (const Member& m : record.members()) {
      ColumnStats& s = stats[*plan.column_index.find(m.key)];
      if (s.last_record != r) ++s.present;
      s.last_record = r;
      if (!m.value.is_null()) s.kinds |= bit(m.value.kind());
      if (mode != Compression::Fast) {
        key_text.clear();
        append_json(m.value, key_text);
        auto [vit, inserted] = s.values.try_emplace(key_text, ValueCount{&m.value});
        if (inserted) vit->second.first_seen = position;
        ++vit->second.count;
      }
      ++position;
    }
  }
  for (std::size_t c = 0; c < plan.columns.size(); ++c) plan.columns[c].type = type_name(stats[c].kinds);
  if (mode == Compression::Fast) return;
  choose_defaults(sample, stats, cost, plan);
  choose_dictionary(sample, cost, plan);
}

Value copy_value(const Value& value, Arena& arena) {
  switch (value.kind()) {
    case Value::Kind::String:
      return Value::string(arena.copy(value.as_string()));
    case Value::Kind::Number:
      return Value::number(arena.copy(value.number_text()));
    case Value::Kind::Float:
      return value.float_text().empty() ? value : Value::float_text(arena.copy(value.float_text()));
    case Value::Kind::Array: {
      auto items = value.items();
      Value* out = arena.allocate_array<Value>(items.size());
      for (std::size_t i = 0; i < items.size(); ++i) out[i] = copy_value(items[i], arena);
      return Value::array({out, items.size()});
    }
    case Value::Kind::Object: {
      auto members = value.members();
      Member* out = arena.allocate_array<Member>(members.size());
      for (std::size_t i = 0; i < members.size(); ++i)
        out[i] = Member{arena.copy(members[i].key), copy_value(members[i].value, arena)};
      return Value::object({out, members.size()});
    }
    default:
      return value;
  }
}

}  // namespace aton::detail
