// A RapidJSON SAX handler that replays what it reads into the host's record
// builder. Parse with kParseNumbersAsStringsFlag so that numbers reach the
// host as written (RawNumber -> number_text), never rounded through double.
// Header-only, for the sql plugin's json/jsonb columns (the json source reads
// with aton::JsonReader).
#pragma once

#include <aton/plugin.hpp>
#include <rapidjson/reader.h>

#include <cstdint>
#include <string_view>

namespace aton::json_source {

// Keys and values are forwarded in order, so an object with the same key
// twice reaches the host with both members (docs/sources.md).
class RecordForwarder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, RecordForwarder> {
 public:
  explicit RecordForwarder(sdk::RecordBuilder& out) : out_(out) {}

  bool Null() { return out_.null(), true; }
  bool Bool(bool b) { return out_.boolean(b), true; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return out_.number_text(std::string_view(s, n)), true;
  }
  // Only reached without kParseNumbersAsStringsFlag.
  bool Int(int i) { return out_.integer(i), true; }
  bool Uint(unsigned u) { return out_.integer(u), true; }
  bool Int64(std::int64_t i) { return out_.integer(i), true; }
  bool Uint64(std::uint64_t u) { return out_.floating(static_cast<double>(u)), true; }
  bool Double(double d) { return out_.floating(d), true; }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return out_.string(std::string_view(s, n)), true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) { return out_.key(std::string_view(s, n)), true; }
  bool StartObject() { return out_.begin_object(), true; }
  bool EndObject(rapidjson::SizeType) { return out_.end_object(), true; }
  bool StartArray() { return out_.begin_array(), true; }
  bool EndArray(rapidjson::SizeType) { return out_.end_array(), true; }

 private:
  sdk::RecordBuilder& out_;
};

}  // namespace aton::json_source
