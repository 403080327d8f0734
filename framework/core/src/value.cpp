#include <aton/value.hpp>

#include <charconv>
#include <cstring>

namespace aton {

Value Value::boolean(bool b) noexcept {
  Value v;
  v.kind_ = Kind::Bool;
  v.bool_ = b;
  return v;
}

Value Value::integer(std::int64_t i) noexcept {
  Value v;
  v.kind_ = Kind::Int;
  v.int_ = i;
  return v;
}

Value Value::floating(double d) noexcept {
  Value v;
  v.kind_ = Kind::Float;
  v.float_ = d;
  return v;
}

Value Value::float_text(std::string_view shortest) noexcept {
  Value v;
  v.kind_ = Kind::Float;
  v.has_text_ = true;
  v.chars_ = shortest.data();
  v.size_ = static_cast<std::uint32_t>(shortest.size());
  return v;
}

double Value::as_float() const noexcept {
  if (!has_text_) return float_;
  double d = 0;
  std::from_chars(chars_, chars_ + size_, d);
  return d;
}

Value Value::number(std::string_view text) noexcept {
  Value v;
  v.kind_ = Kind::Number;
  v.chars_ = text.data();
  v.size_ = static_cast<std::uint32_t>(text.size());
  return v;
}

Value Value::string(std::string_view s) noexcept {
  Value v;
  v.kind_ = Kind::String;
  v.chars_ = s.data();
  v.size_ = static_cast<std::uint32_t>(s.size());
  return v;
}

Value Value::plain_string(std::string_view s) noexcept {
  Value v = string(s);
  v.has_text_ = true;
  return v;
}

Value Value::array(std::span<const Value> items) noexcept {
  Value v;
  v.kind_ = Kind::Array;
  v.items_ = items.data();
  v.size_ = static_cast<std::uint32_t>(items.size());
  return v;
}

Value Value::object(std::span<const Member> members) noexcept {
  Value v;
  v.kind_ = Kind::Object;
  v.members_ = members.data();
  v.size_ = static_cast<std::uint32_t>(members.size());
  return v;
}

const Value* Value::find(std::string_view key) const noexcept {
  if (kind_ != Kind::Object) return nullptr;
  for (const auto& m : members())
    if (m.key == key) return &m.value;
  return nullptr;
}

bool operator==(const Value& a, const Value& b) noexcept {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case Value::Kind::Null:
      return true;
    case Value::Kind::Bool:
      return a.bool_ == b.bool_;
    case Value::Kind::Int:
      return a.int_ == b.int_;
    case Value::Kind::Float: {
      if (a.has_text_ && b.has_text_ && a.float_text() == b.float_text()) return true;
      // Bitwise, so -0.0 differs from 0.0 and a NaN equals itself.
      double x = a.as_float(), y = b.as_float();
      return std::memcmp(&x, &y, sizeof(double)) == 0;
    }
    case Value::Kind::Number:
    case Value::Kind::String:
      return a.as_string() == b.as_string();
    case Value::Kind::Array: {
      auto x = a.items(), y = b.items();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!(x[i] == y[i])) return false;
      return true;
    }
    case Value::Kind::Object: {
      auto x = a.members(), y = b.members();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!(x[i] == y[i])) return false;
      return true;
    }
  }
  return false;
}

std::string_view kind_name(Value::Kind kind) noexcept {
  switch (kind) {
    case Value::Kind::Null: return "null";
    case Value::Kind::Bool: return "bool";
    case Value::Kind::Int: return "int";
    case Value::Kind::Float: return "float";
    case Value::Kind::Number: return "num";
    case Value::Kind::String: return "str";
    case Value::Kind::Array: return "array";
    case Value::Kind::Object: return "object";
  }
  return "any";
}

}  // namespace aton
