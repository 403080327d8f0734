#include "support/roundtrip.hpp"

#include <aton/decoder.hpp>
#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/stream_encoder.hpp>

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>

namespace aton::test {

namespace {

// Long texts are cut in a report: the first failing record says enough.
std::string excerpt(std::string_view text, std::size_t limit = 3000) {
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit)) + "\n... (" + std::to_string(text.size() - limit) +
         " more bytes)";
}

// Typed, ordered equality written here rather than taken from the code under
// test (Value::operator==, tested on its own in tests/unit/value.tests.cpp):
// Int 1 differs from Float 1.0, -0.0 from 0.0, an absent key from null.
bool same(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Null: return true;
    case Value::Kind::Bool: return a.as_bool() == b.as_bool();
    case Value::Kind::Int: return a.as_int() == b.as_int();
    case Value::Kind::Float: {
      double x = a.as_float(), y = b.as_float();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    case Value::Kind::Number: return a.number_text() == b.number_text();
    case Value::Kind::String: return a.as_string() == b.as_string();
    case Value::Kind::Array:
      return std::equal(a.items().begin(), a.items().end(), b.items().begin(), b.items().end(), same);
    case Value::Kind::Object:
      return std::equal(a.members().begin(), a.members().end(), b.members().begin(), b.members().end(),
                        [](const Member& x, const Member& y) { return x.key == y.key && same(x.value, y.value); });
  }
  return false;
}

std::optional<std::string> compare(const Decoder& decoder, std::string_view name,
                                   std::span<const Value> expected, std::string_view aton) {
  const auto& tables = decoder.tables();
  if (tables.size() != 1)
    return "decoded " + std::to_string(tables.size()) + " tables, expected 1\nATON:\n" + excerpt(aton);
  const DecodedTable& got = tables.front();
  if (got.name != name)
    return "decoded table name " + to_json(Value::string(got.name)) + ", expected " +
           to_json(Value::string(name)) + "\nATON:\n" + excerpt(aton);
  std::size_t n = std::min(got.records.size(), expected.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (same(got.records[i], expected[i])) continue;
    return "record " + std::to_string(i) + " differs\n  expected: " + to_json(expected[i]) +
           "\n  decoded:  " + to_json(got.records[i]) + "\nATON:\n" + excerpt(aton);
  }
  if (got.records.size() != expected.size())
    return "decoded " + std::to_string(got.records.size()) + " records, expected " +
           std::to_string(expected.size()) + "\nATON:\n" + excerpt(aton);
  return std::nullopt;
}

std::optional<std::string> run(const Value& data, std::optional<std::string_view> table,
                               const EncoderOptions& options, Delivery delivery) {
  std::string aton;
  try {
    auto [name, records] = select_table(data, table);
    StreamEncoder encoder(options);
    Decoder decoder;
    if (delivery == Delivery::Joined) {
      aton = encoder.encode(data, table);
      decoder.feed(aton);
    } else if (delivery == Delivery::EachChunkAlone) {
      for (Chunk& chunk : encoder.stream_encode(data, table)) {
        aton = chunk.data;
        Decoder alone;
        alone.feed(chunk.data);
        auto slice = records.subspan(chunk.metadata.start_idx, chunk.metadata.records_in_chunk);
        if (auto failure = compare(alone, name, slice, aton))
          return "chunk " + std::to_string(chunk.chunk_id) + " decoded alone: " + *failure;
      }
      return std::nullopt;
    } else {
      for (Chunk& chunk : encoder.stream_encode(data, table)) {
        if (!aton.empty()) aton += "\n--- next chunk ---\n";
        aton += chunk.data;
        decoder.feed(chunk.data);
      }
    }
    return compare(decoder, name, records, aton);
  } catch (const DecodingError& e) {
    return std::string("DecodingError at line ") + std::to_string(e.line()) + ", column " +
           std::to_string(e.column()) + ": " + e.what() + "\nATON:\n" + excerpt(aton);
  } catch (const std::exception& e) {
    return std::string("exception: ") + e.what() + "\nATON:\n" + excerpt(aton);
  }
}

// Simpler stand-ins for `v`, simplest first.
std::vector<Value> simpler(const Value& v, Arena& arena) {
  std::vector<Value> out;
  switch (v.kind()) {
    case Value::Kind::Array: {
      auto items = v.items();
      if (items.empty()) break;
      out.push_back(Value::array({}));
      for (const Value& item : items) out.push_back(item);  // hoist a child
      for (std::size_t skip = 0; skip < items.size() && items.size() > 1; ++skip) {
        Value* rest = arena.allocate_array<Value>(items.size() - 1);
        std::size_t k = 0;
        for (std::size_t i = 0; i < items.size(); ++i)
          if (i != skip) rest[k++] = items[i];
        out.push_back(Value::array({rest, k}));
      }
      break;
    }
    case Value::Kind::Object: {
      auto members = v.members();
      if (members.empty()) break;
      out.push_back(Value::object({}));
      for (const Member& m : members) out.push_back(m.value);
      for (std::size_t skip = 0; skip < members.size() && members.size() > 1; ++skip) {
        Member* rest = arena.allocate_array<Member>(members.size() - 1);
        std::size_t k = 0;
        for (std::size_t i = 0; i < members.size(); ++i)
          if (i != skip) new (&rest[k++]) Member(members[i]);
        out.push_back(Value::object({rest, k}));
      }
      break;
    }
    case Value::Kind::String: {
      std::string_view s = v.as_string();
      if (s.empty()) break;
      // Drop one whole UTF-8 character at a time.
      for (std::size_t at = 0; at < s.size();) {
        std::size_t len = 1;
        while (at + len < s.size() && (static_cast<unsigned char>(s[at + len]) & 0xC0) == 0x80) ++len;
        std::string shorter(s.substr(0, at));
        shorter += s.substr(at + len);
        out.push_back(Value::string(arena.copy(shorter)));
        at += len;
      }
      break;
    }
    default: break;
  }
  return out;
}

// Replaces the value at member `index` of `record`, or removes the member.
Value with_member(const Value& record, std::size_t index, std::optional<Value> value, Arena& arena) {
  auto members = record.members();
  Member* out = arena.allocate_array<Member>(members.size());
  std::size_t k = 0;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i != index) new (&out[k++]) Member(members[i]);
    else if (value) new (&out[k++]) Member{members[i].key, *value};
  }
  return Value::object({out, k});
}

}  // namespace

std::string_view delivery_name(Delivery delivery) noexcept {
  switch (delivery) {
    case Delivery::Joined: return "encode() joined";
    case Delivery::ChunkByChunk: return "chunk by chunk";
    case Delivery::EachChunkAlone: return "each chunk alone";
  }
  return "?";
}

std::vector<Delivery> deliveries_for(const EncoderOptions& options) {
  if (options.self_contained) return {Delivery::Joined, Delivery::ChunkByChunk, Delivery::EachChunkAlone};
  return {Delivery::Joined, Delivery::ChunkByChunk};
}

std::string options_text(const EncoderOptions& options) {
  return "mode " + std::string(compression_name(options.compression)) + ", chunk size " +
         std::to_string(options.chunk_size) + ", sample size " + std::to_string(options.sample_size) +
         (options.self_contained ? ", self_contained" : "");
}

std::optional<std::string> roundtrip_failure(const Value& data, std::optional<std::string_view> table,
                                             const EncoderOptions& options, Delivery delivery) {
  return run(data, table, options, delivery);
}

std::optional<std::string> roundtrip_failure(std::span<const Value> records,
                                             const EncoderOptions& options, Delivery delivery) {
  return run(Value::array(records), std::nullopt, options, delivery);
}

std::vector<Value> shrink_failure(std::span<const Value> records, const EncoderOptions& options,
                                  Delivery delivery, Arena& arena, std::size_t max_tries) {
  auto fails = [&](std::span<const Value> candidate) {
    return roundtrip_failure(candidate, options, delivery).has_value();
  };
  return shrink_records(records, fails, arena, max_tries);
}

std::vector<Value> shrink_records(std::span<const Value> records,
                                  const std::function<bool(std::span<const Value>)>& still_fails,
                                  Arena& arena, std::size_t max_tries) {
  std::vector<Value> current(records.begin(), records.end());
  std::size_t tries = 0;
  auto fails = [&](const std::vector<Value>& candidate) {
    ++tries;
    return still_fails(candidate);
  };

  // Whole runs of records first, halving the run each pass.
  for (std::size_t run_length = std::max<std::size_t>(current.size() / 2, 1); tries < max_tries;) {
    bool removed = false;
    for (std::size_t at = 0; at < current.size() && tries < max_tries;) {
      std::vector<Value> candidate(current.begin(), current.begin() + static_cast<std::ptrdiff_t>(at));
      std::size_t end = std::min(current.size(), at + run_length);
      candidate.insert(candidate.end(), current.begin() + static_cast<std::ptrdiff_t>(end), current.end());
      if (fails(candidate)) {
        current = std::move(candidate);
        removed = true;
      } else {
        at += run_length;
      }
    }
    if (run_length == 1 && !removed) break;
    if (!removed) run_length = std::max<std::size_t>(run_length / 2, 1);
  }

  // Then the inside of each record: members, then ever simpler values.
  for (bool progress = true; progress && tries < max_tries;) {
    progress = false;
    for (std::size_t r = 0; r < current.size() && tries < max_tries; ++r) {
      if (!current[r].is_object()) continue;
      for (std::size_t m = 0; m < current[r].members().size() && tries < max_tries; ++m) {
        std::vector<Value> candidate = current;
        candidate[r] = with_member(current[r], m, std::nullopt, arena);
        if (fails(candidate)) {
          current = std::move(candidate);
          progress = true;
          --m;
          continue;
        }
        for (const Value& stand_in : simpler(current[r].members()[m].value, arena)) {
          if (tries >= max_tries) break;
          candidate = current;
          candidate[r] = with_member(current[r], m, stand_in, arena);
          if (fails(candidate)) {
            current = std::move(candidate);
            progress = true;
            break;
          }
        }
      }
    }
  }
  return current;
}

std::string records_json(std::span<const Value> records) {
  std::string out = "[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    out += i ? ",\n " : "";
    append_json(records[i], out);
  }
  return out + "]";
}

std::string failure_report(std::span<const Value> records, const EncoderOptions& options,
                           Delivery delivery, Arena& arena) {
  std::vector<Value> small = shrink_failure(records, options, delivery, arena);
  auto why = roundtrip_failure(small, options, delivery);
  std::string out = options_text(options) + ", " + std::string(delivery_name(delivery)) +
                    "\nshrunk from " + std::to_string(records.size()) + " to " +
                    std::to_string(small.size()) + " records:\n" + records_json(small) + "\n";
  out += why ? *why : std::string("(the shrunk input no longer fails; the original did)");
  return out;
}

}  // namespace aton::test
