#include "decode_output.hpp"

#include <aton/errors.hpp>
#include <aton/json.hpp>

namespace aton::app {

namespace {
constexpr std::size_t kBlock = std::size_t{1} << 20;
}  // namespace

DecodeOutput::DecodeOutput(Output& out, Shape shape, std::optional<std::string> table)
    : out_(out), shape_(shape), wanted_(std::move(table)) {
  buffer_.reserve(kBlock + (kBlock >> 2));
}

void DecodeOutput::table_opened(std::size_t index, std::string_view name) {
  if (tables_.size() <= index) tables_.resize(index + 1);
  Table& t = tables_[index];
  t.name = name;
  if (wanted_ && name != *wanted_) return;  // Route::skip
  if (!direct_) {
    direct_ = index;
    t.route = Route::direct;
    if (shape_ == Shape::object) {
      buffer_.push_back('{');
      append_json_string(name, buffer_);
      buffer_.append(":[");
    } else if (shape_ == Shape::array) {
      buffer_.push_back('[');
    }
    return;
  }
  if (shape_ != Shape::object)
    throw Error("the input holds more than one table ('" + tables_[*direct_].name + "' and '" + std::string(name) +
                "'), and " + (shape_ == Shape::lines ? "--jsonl" : "--array") +
                " writes one: choose it with --table");
  if (!spill_) spill_.emplace();
  t.route = Route::spill;
}

void DecodeOutput::record(const DecodedRecord& record) {
  Table& t = tables_[record.table()];
  if (t.route == Route::skip) return;
  if (t.route == Route::direct) {
    if (t.has_records && shape_ != Shape::lines) buffer_.push_back(',');
    record.append_json(buffer_);
    if (shape_ == Shape::lines) buffer_.push_back('\n');
    t.has_records = true;
    flush_if_full();
    return;
  }
  record_.clear();
  if (t.has_records) record_.push_back(',');
  record.append_json(record_);
  spill_->append(record.table(), record_);
  t.has_records = true;
}

void DecodeOutput::flush_if_full() {
  if (buffer_.size() < kBlock) return;
  out_.write(buffer_);
  buffer_.clear();
}

void DecodeOutput::finish() {
  if (wanted_ && !direct_) {
    std::string names;
    for (const Table& t : tables_) names += (names.empty() ? "'" : ", '") + t.name + "'";
    throw Error("no table '" + *wanted_ + "' in the input (" +
                (names.empty() ? std::string("it holds no table") : "its tables: " + names) + ")");
  }
  if (shape_ == Shape::object) {
    if (!direct_) buffer_.push_back('{');
    else buffer_.push_back(']');
    for (std::size_t i = 0; i < tables_.size(); ++i) {
      if (tables_[i].route != Route::spill) continue;
      buffer_.push_back(',');
      append_json_string(tables_[i].name, buffer_);
      buffer_.append(":[");
      spill_->copy_out(i, [&](std::string_view block) {
        buffer_.append(block);
        flush_if_full();
      });
      buffer_.push_back(']');
    }
    buffer_.append("}\n");
  } else if (shape_ == Shape::array) {
    buffer_.append(direct_ ? "]\n" : "[]\n");
  }
  out_.write(buffer_);
  buffer_.clear();
}

}  // namespace aton::app
