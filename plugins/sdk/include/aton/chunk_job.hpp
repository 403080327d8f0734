// One chunk in a network sink's hands (http, nats): a copy of what write()
// got, kept from the moment it may be sent until the far end has taken it
// (an answer recorded, a publish acknowledged), and saved in the sink's
// resume state meanwhile with save()/load() (text and metadata only: no
// header, so no secret, ever reaches the checkpoint).
#pragma once

#include <aton/request_template.hpp>
#include <rapidjson/document.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace aton::sdk {

struct ChunkJob {
  std::uint64_t chunk_id = 0;
  std::int64_t total_chunks = -1;
  std::string data;
  std::string table;
  std::uint64_t records = 0;
  std::int64_t tokens = -1;
  bool is_first = false, is_last = false;

  static ChunkJob of(const aton_chunk& chunk) {
    auto f = ChunkFields::of(chunk);
    return {f.chunk_id, f.total_chunks, std::string(f.chunk), std::string(f.table), f.records, f.tokens,
            f.is_first, f.is_last};
  }
  ChunkFields fields() const {
    ChunkFields f;
    f.chunk = data;
    f.chunk_id = chunk_id;
    f.total_chunks = total_chunks;
    f.table = table;
    f.records = records;
    f.tokens = tokens;
    f.is_first = is_first;
    f.is_last = is_last;
    return f;
  }
  template <class Writer>
  void save(Writer& w) const {
    w.StartObject();
    w.Key("chunk_id"), w.Uint64(chunk_id);
    w.Key("total_chunks"), w.Int64(total_chunks);
    w.Key("table"), w.String(table.c_str());
    w.Key("records"), w.Uint64(records);
    w.Key("tokens"), w.Int64(tokens);
    w.Key("is_first"), w.Bool(is_first);
    w.Key("is_last"), w.Bool(is_last);
    w.Key("data"), w.String(data.data(), static_cast<rapidjson::SizeType>(data.size()));
    w.EndObject();
  }
  static ChunkJob load(const rapidjson::Value& v) {
    auto bad = [] { return std::runtime_error("the saved state holds a damaged pending chunk; run again without --resume"); };
    if (!v.IsObject()) throw bad();
    auto get = [&](const char* name) -> const rapidjson::Value& {
      auto it = v.FindMember(name);
      if (it == v.MemberEnd()) throw bad();
      return it->value;
    };
    ChunkJob j;
    if (!get("chunk_id").IsUint64() || !get("total_chunks").IsInt64() || !get("table").IsString() ||
        !get("records").IsUint64() || !get("tokens").IsInt64() || !get("is_first").IsBool() ||
        !get("is_last").IsBool() || !get("data").IsString())
      throw bad();
    j.chunk_id = get("chunk_id").GetUint64();
    j.total_chunks = get("total_chunks").GetInt64();
    j.table = get("table").GetString();
    j.records = get("records").GetUint64();
    j.tokens = get("tokens").GetInt64();
    j.is_first = get("is_first").GetBool();
    j.is_last = get("is_last").GetBool();
    j.data.assign(get("data").GetString(), get("data").GetStringLength());
    return j;
  }
};

}  // namespace aton::sdk
