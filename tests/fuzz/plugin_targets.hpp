// The bodies of the fuzz targets for the source plugins' readers and the
// host's config loader, shared by the libFuzzer binaries (scripts/fuzz) and
// the regression test that replays the inputs kept in tests/fuzz/. Each
// returns normally, or aborts (broken(), or a sanitizer) on a broken
// invariant; the errors malformed input is meant to give are caught here.
#pragma once

#include "fuzz/core_targets.hpp"

#include "csv/csv_reader.hpp"
#include "csv/csv_values.hpp"
#include "json/input_stream.hpp"
#include "json/json_outline.hpp"
#include "json/json_records.hpp"

#include <aton/arena.hpp>
#include <aton/host/batch_builder.hpp>
#include <aton/host/pipeline_config.hpp>
#include <aton/json.hpp>
#include <aton/number.hpp>
#include <aton/plugin.hpp>
#include <aton/value_builder.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace aton::fuzz {

// The bytes as a file the readers can open by path: an in-memory file
// (memfd), opened again through /proc/self/fd.
class BytesFile {
 public:
  BytesFile(const std::uint8_t* data, std::size_t size) : fd_(::memfd_create("aton-fuzz", MFD_CLOEXEC)) {
    if (fd_ < 0) broken("memfd_create failed", "");
    for (std::size_t done = 0; done < size;) {
      ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) broken("writing the memfd failed", "");
      done += static_cast<std::size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~BytesFile() { ::close(fd_); }
  BytesFile(const BytesFile&) = delete;
  BytesFile& operator=(const BytesFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
};

// The host's record builder (host::BatchBuilder, with its structural
// checks and depth limit) for the fuzzers and the plugin tests, keeping
// the records, and holding sources to more than the host checks: every
// number_text is a JSON number literal, and a text given to json_value as
// ATON_TEXT_STABLE is unchanged when stable_texts_unchanged() is asked
// (before the source is gone).
class CheckingBuilder {
 public:
  CheckingBuilder() {
    host_.start(arena_, 0);
    const aton_record_builder& inner = host_.api();
    api_ = inner;
    api_.host = this;
    api_.null_value = &forward<&aton_record_builder::null_value>;
    api_.bool_value = &forward<&aton_record_builder::bool_value>;
    api_.int_value = &forward<&aton_record_builder::int_value>;
    api_.float_value = &forward<&aton_record_builder::float_value>;
    api_.number_text = [](void* h, const char* t, std::size_t n) {
      if (!is_json_number({t, n})) broken("a source passed number_text that is not a JSON number", std::string(t, n));
      return forward<&aton_record_builder::number_text>(h, t, n);
    };
    api_.string_value = &forward<&aton_record_builder::string_value>;
    api_.begin_array = &forward<&aton_record_builder::begin_array>;
    api_.end_array = &forward<&aton_record_builder::end_array>;
    api_.begin_object = &forward<&aton_record_builder::begin_object>;
    api_.key = &forward<&aton_record_builder::key>;
    api_.end_object = &forward<&aton_record_builder::end_object>;
    api_.json_value = [](void* h, const char* t, std::size_t n, std::uint32_t flags, aton_json_result* result) {
      int rc = forward<&aton_record_builder::json_value>(h, t, n, flags, result);
      if (rc == 0 && result->end > n) broken("json_value ended past its text", std::string(t, n));
      if (rc == 0 && (flags & ATON_TEXT_STABLE)) {
        std::string_view taken(t, result->end);
        static_cast<CheckingBuilder*>(h)->stable_.emplace_back(taken, std::string(taken));
      }
      return rc;
    };
  }
  CheckingBuilder(const CheckingBuilder&) = delete;
  CheckingBuilder& operator=(const CheckingBuilder&) = delete;

  sdk::RecordBuilder builder() const { return sdk::RecordBuilder(api_); }
  std::vector<Value>& records() { return host_.records(); }
  bool complete() const { return !host_.inside_record(); }
  std::size_t stable_texts() const { return stable_.size(); }
  bool stable_texts_unchanged() const {
    for (const auto& [view, copy] : stable_)
      if (view != copy) return false;
    return true;
  }

 private:
  template <auto Member, class... Args>
  static int forward(void* h, Args... args) {
    const aton_record_builder& inner = static_cast<CheckingBuilder*>(h)->host_.api();
    return (inner.*Member)(inner.host, args...);
  }

  Arena arena_;
  host::BatchBuilder host_;
  aton_record_builder api_{};
  std::vector<std::pair<std::string_view, std::string>> stable_;  // each stable text taken and its copy
};

// Arbitrary bytes as CSV: the first byte picks the delimiter and quote,
// the rest is the file. Every row read must hold consistent fields, and
// every field either types as its column type says or is refused. The file
// is read as UTF-8, then (bits 4-5 not zero) decoded from another encoding:
// every decoded row is UTF-8.
inline void csv_one(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  static constexpr char kDelimiters[] = {',', ';', '\t', '|'};
  char delimiter = kDelimiters[data[0] & 3];
  char quote = (data[0] & 4) ? '\'' : '"';
  static const char* const kEncodings[] = {"utf-8", "utf-16", "windows-1252", "iso-8859-15"};
  BytesFile file(data + 1, size - 1);
  auto read = [&](const std::string& encoding) {
    try {
      csv_source::CsvReader reader(file.path(), delimiter, quote, "fuzz", {}, sources::kDefaultMaxRecordBytes,
                                   false, encoding);
      csv_source::CsvRow row;
      std::string scratch;
      // The default words, and a decimal comma with other words (bit 3).
      csv_source::ValueWords words;
      if (data[0] & 8) {
        words.decimal_comma = delimiter != ',';
        words.nulls = {"", "NA"};
        words.trues = {"yes"};
        words.falses = {"no"};
      }
      CheckingBuilder records;
      for (int rows = 0; rows < 10'000 && reader.next(row); ++rows) {
        if (row.fields.empty()) broken("a row without fields", row.text);
        for (const auto& f : row.fields)
          if (std::size_t(f.begin) + f.size > row.text.size()) broken("a field past the row's text", row.text);
        // Decoded, one byte may become three (offsets count decoded bytes).
        if (reader.bytes() > (encoding == "utf-8" ? 1 : 3) * (size - 1))
          broken("the reader claims more bytes than the input has", row.text);
        if (encoding != "utf-8" && !csv_source::is_valid_utf8(row.text)) broken("decoded text not UTF-8", row.text);
        auto out = records.builder();
        for (auto type : {csv_source::ColumnType::Infer, csv_source::ColumnType::InferText,
                          csv_source::ColumnType::Str, csv_source::ColumnType::Int, csv_source::ColumnType::Float,
                          csv_source::ColumnType::Bool}) {
          out.begin_object();
          for (std::size_t i = 0; i < row.fields.size(); ++i) {
            out.key("c" + std::to_string(i));
            if (!csv_source::emit_field(out, row.field(i), row.fields[i].quoted, type, words, scratch))
              out.null();
          }
          out.end_object();
        }
        records.records().clear();
      }
    } catch (const std::runtime_error&) {
      // malformed CSV or an undecodable byte: an error with its line, as the source reports it
    }
  };
  read("utf-8");
  if (int pick = (data[0] >> 4) & 3) read(kEncodings[pick]);
}

// Arbitrary bytes as the json source's input: the first byte picks the
// layout and whether a table is named, the rest is the file. What the
// record reader accepts from a top-level array must be exactly what the
// core's JSON reader makes of the same text, when that accepts it too.
inline void json_records_one(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  using json_source::Layout;
  Layout layout = (data[0] & 1) ? Layout::Lines : Layout::Json;
  std::optional<std::string> table;
  if (data[0] & 2) table = "t";
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  BytesFile file(data + 1, size - 1);
  CheckingBuilder records;
  bool complete = false;
  // A mapped input's records view it: it must outlive every look at them.
  using json_source::InputStream;
  std::optional<InputStream> in;
  try {
    in.emplace(file.path(), (data[0] & 4) ? 7 : 1 << 16,  // small blocks too, or the file mapped
               (data[0] & 8) ? InputStream::Access::MapFiles : InputStream::Access::Blocks);
    json_source::RecordReader reader(*in, layout, table, "fuzz");
    auto out = records.builder();
    while (reader.read(out, 3) == 3) {
    }
    complete = true;
    if (!records.stable_texts_unchanged()) broken("a text sent as stable changed before the source was gone", std::string(text));
  } catch (const std::runtime_error&) {
    return;  // malformed: an error with its byte, line and column
  } catch (const sdk::BuilderRefused&) {
    return;  // too deep for the host
  }
  if (!records.complete()) broken("the reader ended inside a record", std::string(text));
  if (!complete || layout != Layout::Json || table || text.empty() || text.front() != '[') return;
  Arena arena;
  Value whole;
  try {
    whole = parse_json(text, arena);
  } catch (const JsonError&) {
    return;
  }
  const auto& got = records.records();
  bool same = whole.is_array() && whole.items().size() == got.size();
  for (std::size_t i = 0; same && i < got.size(); ++i) same = whole.items()[i] == got[i];
  if (!same) broken("the json source reads records other than the core's JSON reader", std::string(text));
  // The first pass (count: true) must announce as many.
  if (json_source::scan_json_outline(file.path()).records != static_cast<std::int64_t>(got.size()))
    broken("the json source's first pass counts other than it reads", std::string(text));
}

// Arbitrary bytes as a pipeline config: lines after a line "--set" are
// overrides. Loading either gives a config or a ConfigError, and a loaded
// config holds what the host's schema promises.
inline void config_one(const std::uint8_t* data, std::size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  std::string_view text = all;
  std::vector<std::string> overrides;
  if (std::size_t at = all.find("\n--set\n"); at != std::string_view::npos) {
    text = all.substr(0, at);
    std::string_view rest = all.substr(at + 7);
    while (!rest.empty() && overrides.size() < 8) {
      std::size_t end = rest.find('\n');
      overrides.emplace_back(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  }
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return "/home/fuzz";
    if (name == "EMPTY") return "";
    return std::nullopt;
  };
  bool accepted = false;
  try {
    auto config = host::parse_pipeline_config(text, "/fuzz/pipeline.json", overrides, env);
    accepted = true;
    if (config.sinks.empty()) broken("a config without sinks was accepted", std::string(all));
    if (config.encoder.chunk_size < 1 || config.queue_capacity < 1 || config.queue_capacity > 4096)
      broken("a config out of the schema's ranges was accepted", std::string(all));
    if (config.source.plugin.empty()) broken("a source without a plugin name was accepted", std::string(all));
  } catch (const ConfigError&) {
  }
  // The reading that goes on past problems (so that aton validate lists
  // them all) reads whatever the text holds, and finds no problem exactly
  // when the loading above accepts.
  host::ConfigProblems problems("/fuzz/pipeline.json");
  try {
    auto config = host::read_pipeline_config(text, "/fuzz/pipeline.json", overrides, env, problems);
    if (accepted != problems.empty())
      broken(accepted ? "a config accepted by loading has problems when read on"
                      : "a config refused by loading has no problem when read on",
             std::string(all));
    if (config.encoder.chunk_size < 1 || config.queue_capacity < 1 || config.queue_capacity > 4096)
      broken("reading on past problems kept a value out of the schema's ranges", std::string(all));
  } catch (const ConfigError&) {
    if (accepted) broken("a config accepted by loading cannot be read on", std::string(all));
  }
}

}  // namespace aton::fuzz
