#include <aton/value_builder.hpp>

#include <aton/errors.hpp>
#include <aton/number.hpp>

#include <algorithm>
#include <string>

namespace aton {

std::string nesting_limit_message(std::size_t max_depth) {
  return "nesting deeper than " + std::to_string(max_depth) +
         " levels (a limit, so that no input can exhaust the stack: flatten the data, or keep the deep part as a "
         "JSON string)";
}

void ValueBuilder::number_text(std::string_view json_number) {
  Value v = classify_number(json_number);
  // Ints and most floats are binary now; the rest keep viewing the text,
  // which becomes the arena's copy.
  if (v.views_text()) v = v.with_text(arena_->copy(json_number));
  push(v);
}

void ValueBuilder::open(bool is_object) {
  if (frames_.size() >= max_depth_) throw Error(nesting_limit_message(max_depth_));
  frames_.push_back({is_object, values_.size(), keys_.size()});
}

void ValueBuilder::end_array() {
  Frame f = frames_.back();
  frames_.pop_back();
  std::size_t n = values_.size() - f.first_value;
  Value* items = arena_->allocate_array<Value>(n);
  std::copy(values_.begin() + static_cast<std::ptrdiff_t>(f.first_value), values_.end(), items);
  values_.resize(f.first_value);
  push(Value::array({items, n}));
}

void ValueBuilder::end_object() {
  Frame f = frames_.back();
  frames_.pop_back();
  std::size_t n = values_.size() - f.first_value;
  Member* members = arena_->allocate_array<Member>(n);
  for (std::size_t i = 0; i < n; ++i)
    members[i] = Member{keys_[f.first_key + i], values_[f.first_value + i]};
  values_.resize(f.first_value);
  keys_.resize(f.first_key);
  push(Value::object({members, n}));
}

void ValueBuilder::clear() noexcept {
  frames_.clear();
  values_.clear();
  keys_.clear();
}

}  // namespace aton
