// The record model: a JSON value that keeps everything JSON can say.
//
// - Objects keep their keys in order, duplicates included.
// - Numbers keep their kind: Int (fits int64, written without '.' or
//   exponent), Float (a double that prints back to the same decimal value),
//   or Number (anything else: the decimal text exactly as written).
// - A key that is absent from a record is simply not among its members;
//   that is different from a member whose value is null.
//
// A Value is 16 bytes and trivially copyable. It does not own its strings or
// children: they live in an Arena (see arena.hpp) or, for values built from
// literals in tests, wherever the caller keeps them. Copying a Value copies a
// view, never the data.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace aton {

struct Member;

class Value {
 public:
  enum class Kind : std::uint8_t { Null, Bool, Int, Float, Number, String, Array, Object };

  constexpr Value() noexcept : kind_(Kind::Null), has_text_(false), size_(0), int_(0) {}

  static constexpr Value null() noexcept { return Value(); }
  static Value boolean(bool b) noexcept;
  static Value integer(std::int64_t i) noexcept;
  static Value floating(double d) noexcept;
  // A float given by its decimal text, which must already be the shortest
  // form (see number.hpp); the double is computed only when asked for.
  // Lets JSON input flow to ATON output without a binary round trip.
  static Value float_text(std::string_view shortest) noexcept;
  // `text` must be a valid JSON number that is neither an int64 nor an exact
  // double; see number.hpp for the classification.
  static Value number(std::string_view text) noexcept;
  static Value string(std::string_view s) noexcept;
  // A string known to hold no '"', '\\' or control character, so that it
  // is written between quotes as it is (a JSON string that had no escapes).
  static Value plain_string(std::string_view s) noexcept;
  static Value array(std::span<const Value> items) noexcept;
  static Value object(std::span<const Member> members) noexcept;

  Kind kind() const noexcept { return kind_; }
  bool is_null() const noexcept { return kind_ == Kind::Null; }
  bool is_string() const noexcept { return kind_ == Kind::String; }
  bool is_array() const noexcept { return kind_ == Kind::Array; }
  bool is_object() const noexcept { return kind_ == Kind::Object; }

  // Accessors assume the matching kind.
  bool as_bool() const noexcept { return bool_; }
  std::int64_t as_int() const noexcept { return int_; }
  double as_float() const noexcept;
  // A float's decimal text when it was made by float_text(), else empty.
  std::string_view float_text() const noexcept {
    return has_text_ ? std::string_view(chars_, size_) : std::string_view();
  }
  // True when the value views text it does not own (strings, Number, and
  // floats made by float_text).
  bool views_text() const noexcept {
    return kind_ == Kind::String || kind_ == Kind::Number || has_text_;
  }
  // The same value viewing `copy`, an identical copy of the text it views
  // (to move a value's text into an arena without classifying it again).
  Value with_text(std::string_view copy) const noexcept {
    Value v = *this;
    v.chars_ = copy.data();
    return v;
  }
  std::string_view as_string() const noexcept { return {chars_, size_}; }
  // True for strings made by plain_string(): nothing in them needs escaping.
  bool is_plain_string() const noexcept { return kind_ == Kind::String && has_text_; }
  std::string_view number_text() const noexcept { return {chars_, size_}; }
  std::span<const Value> items() const noexcept { return {items_, size_}; }
  std::span<const Member> members() const noexcept;

  // The first member named `key`, or nullptr. Linear: records are small.
  const Value* find(std::string_view key) const noexcept;

  // Deep, typed equality: Int 1 != Float 1.0, and member order matters.
  friend bool operator==(const Value& a, const Value& b) noexcept;

 private:
  Kind kind_;
  bool has_text_;  // a Float held as its text; a String known to be plain
  std::uint32_t size_;
  union {
    bool bool_;
    std::int64_t int_;
    double float_;
    const char* chars_;
    const Value* items_;
    const Member* members_;
  };
};

struct Member {
  std::string_view key;
  Value value;
  friend bool operator==(const Member& a, const Member& b) noexcept {
    return a.key == b.key && a.value == b.value;
  }
};

// The name of a kind as used in @schema: null, bool, int, float, num, str,
// array, object.
std::string_view kind_name(Value::Kind kind) noexcept;

inline std::span<const Member> Value::members() const noexcept { return {members_, size_}; }

}  // namespace aton
