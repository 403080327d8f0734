// Builds Values from a stream of SAX-style events into an Arena.
//
// Used by the JSON reader, the ATON decoder and the plugin host, whose
// record-builder callbacks map one to one onto these methods.
#pragma once

#include <aton/arena.hpp>
#include <aton/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aton {

// The error text for nesting deeper than `max_depth`, the same from every
// reader and builder.
std::string nesting_limit_message(std::size_t max_depth);

class ValueBuilder {
 public:
  static constexpr std::size_t kDefaultMaxDepth = 512;

  explicit ValueBuilder(Arena& arena, std::size_t max_depth = kDefaultMaxDepth)
      : arena_(&arena), max_depth_(max_depth) {}

  // Scalars. Strings, keys and the text of numbers that keep it are copied
  // into the arena.
  void null() { push(Value::null()); }
  void boolean(bool b) { push(Value::boolean(b)); }
  void integer(std::int64_t i) { push(Value::integer(i)); }
  void floating(double d) { push(Value::floating(d)); }
  void number_text(std::string_view json_number);
  void string(std::string_view s) { push(Value::string(arena_->copy(s))); }
  // A scalar made by the caller, whose text (if any) outlives the values:
  // nothing is copied.
  void scalar(Value v) { push(v); }

  // Containers. Throws aton::Error when nesting exceeds max_depth.
  void begin_array() { open(false); }
  void end_array();
  void begin_object() { open(true); }
  void key(std::string_view k) { keys_.push_back(arena_->copy(k)); }
  // A key that outlives the values: not copied.
  void key_in_place(std::string_view k) { keys_.push_back(k); }
  void end_object();

  std::size_t depth() const noexcept { return frames_.size(); }
  // Whether the innermost open container is an object.
  bool in_object() const noexcept { return !frames_.empty() && frames_.back().is_object; }
  // Top-level values completed and not yet taken.
  bool has_value() const noexcept { return frames_.empty() && !values_.empty(); }
  // Takes the completed top-level values, in order, and starts afresh.
  std::vector<Value>& values() noexcept { return values_; }
  // Clears everything (after an error, or to reuse with a reset arena).
  void clear() noexcept;
  // A point to go back to when a value fails halfway: rollback() drops
  // what was built since (its bytes stay in the arena until it is reset).
  struct Mark {
    std::size_t frames, values, keys;
  };
  Mark mark() const noexcept { return {frames_.size(), values_.size(), keys_.size()}; }
  void rollback(const Mark& m) noexcept {
    frames_.resize(m.frames);
    values_.resize(m.values);
    keys_.resize(m.keys);
  }

  Arena& arena() noexcept { return *arena_; }
  void set_arena(Arena& arena) noexcept { arena_ = &arena; }

 private:
  struct Frame {
    bool is_object;
    std::size_t first_value;
    std::size_t first_key;
  };
  void push(Value v) { values_.push_back(v); }
  void open(bool is_object);

  Arena* arena_;
  std::size_t max_depth_;
  std::vector<Frame> frames_;
  std::vector<Value> values_;
  std::vector<std::string_view> keys_;
};

}  // namespace aton
