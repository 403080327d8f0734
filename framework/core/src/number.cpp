#include <aton/number.hpp>

#include <charconv>
#include <cstdint>
#include <system_error>

namespace aton {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A decimal number reduced to its significant digits and the power of ten
// of the last one, so that two spellings of one value compare equal.
struct Decimal {
  bool negative = false;
  std::string_view digits;  // no leading or trailing zeros; empty for zero
  std::int64_t exponent = 0;
  bool truncated = false;  // more digits than the buffer holds
  char buffer[800];  // digits are gathered here when '.' splits them
};

// `text` is a valid JSON number or a std::to_chars result.
void normalize(std::string_view text, Decimal& d) {
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    d.negative = true;
    ++i;
  }
  std::size_t n = 0;
  std::int64_t point_shift = 0;
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      seen_point = true;
      continue;
    }
    if (!is_digit(c)) break;
    if (n == 0 && c == '0') {  // leading zero
      if (seen_point) --point_shift;
      continue;
    }
    if (n < sizeof d.buffer) d.buffer[n++] = c;
    else d.truncated = true;
    if (seen_point) --point_shift;
  }
  std::int64_t exp = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool neg = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) neg = text[i++] == '-';
    for (; i < text.size() && is_digit(text[i]); ++i)
      if (exp < 1'000'000'000) exp = exp * 10 + (text[i] - '0');
    if (neg) exp = -exp;
  }
  std::size_t trailing = 0;
  while (trailing < n && d.buffer[n - 1 - trailing] == '0') ++trailing;
  d.digits = {d.buffer, n - trailing};
  d.exponent = exp + point_shift + static_cast<std::int64_t>(trailing);
  if (d.digits.empty()) d.exponent = 0;
}

bool same_decimal(std::string_view a, std::string_view b) {
  Decimal x, y;
  normalize(a, x);
  normalize(b, y);
  if (x.truncated || y.truncated) return false;
  return x.negative == y.negative && x.digits == y.digits && x.exponent == y.exponent;
}

// True for "-?(0|[1-9][0-9]*)\.[0-9]+" with at most 15 significant digits
// and a fraction that is "0" or does not end in '0': exactly the text
// std::to_chars gives in fixed form, so it can stand for the double as is.
bool is_shortest_plain_float(std::string_view t) {
  if (t.size() > 40) return false;
  std::size_t i = 0;
  if (t[0] == '-') ++i;
  std::size_t int_start = i;
  while (i < t.size() && is_digit(t[i])) ++i;
  std::size_t int_len = i - int_start;
  if (int_len == 0 || (int_len > 1 && t[int_start] == '0')) return false;
  if (i >= t.size() || t[i] != '.') return false;
  std::size_t frac_start = ++i;
  while (i < t.size() && is_digit(t[i])) ++i;
  std::size_t frac_len = i - frac_start;
  if (i != t.size() || frac_len == 0) return false;
  if (frac_len > 1 && t.back() == '0') return false;
  bool zero_int = int_len == 1 && t[int_start] == '0';
  if (!zero_int && frac_len == 1 && t.back() == '0') return int_len <= 15;  // "100.0"
  std::size_t significant = zero_int ? 0 : int_len;
  std::size_t f = frac_start;
  if (zero_int)
    while (f < t.size() && t[f] == '0') ++f;  // leading zeros of 0.000123
  significant += t.size() - f;
  if (zero_int && f == t.size()) return frac_len == 1;  // "0.0" (and "-0.0")
  return significant <= 15;
}

}  // namespace

bool is_json_number(std::string_view t) noexcept {
  std::size_t i = 0, n = t.size();
  if (i < n && t[i] == '-') ++i;
  if (i >= n) return false;
  if (t[i] == '0') {
    ++i;
  } else if (t[i] >= '1' && t[i] <= '9') {
    while (i < n && is_digit(t[i])) ++i;
  } else {
    return false;
  }
  if (i < n && t[i] == '.') {
    ++i;
    if (i >= n || !is_digit(t[i])) return false;
    while (i < n && is_digit(t[i])) ++i;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    if (i >= n || !is_digit(t[i])) return false;
    while (i < n && is_digit(t[i])) ++i;
  }
  return i == n;
}

Value classify_number(std::string_view text) noexcept {
  const char* first = text.data();
  const char* last = first + text.size();
  // The common case first: up to 18 digits cannot overflow int64.
  bool negative = !text.empty() && text[0] == '-';
  std::size_t digits = text.size() - (negative ? 1 : 0);
  bool integral = true;
  if (digits > 0 && digits <= 18) {
    std::int64_t i = 0;
    const char* p = first + (negative ? 1 : 0);
    for (; p < last && is_digit(*p); ++p) i = i * 10 + (*p - '0');
    if (p == last) {
      if (negative && i == 0) return Value::number(text);  // -0 keeps its sign
      return Value::integer(negative ? -i : i);
    }
    integral = false;  // a JSON number's digits stop only at '.', 'e' or 'E'
  } else {
    for (char c : text)
      if (c == '.' || c == 'e' || c == 'E') integral = false;
  }
  if (integral) {
    std::int64_t i = 0;
    auto [end, ec] = std::from_chars(first, last, i);
    if (ec == std::errc() && end == last && !(i == 0 && text[0] == '-')) return Value::integer(i);
    return Value::number(text);
  }
  if (is_shortest_plain_float(text)) return Value::float_text(text);
  double d = 0;
  auto [end, ec] = std::from_chars(first, last, d);
  if (ec != std::errc() || end != last) return Value::number(text);  // out of range
  // Up to 15 significant digits always survive a double; past that, or near
  // the subnormal range, compare the shortest print with the text.
  std::size_t significant = 0;
  bool leading = true;
  for (char c : text) {
    if (c == 'e' || c == 'E') break;
    if (!is_digit(c)) continue;
    if (leading && c == '0') continue;
    leading = false;
    ++significant;
  }
  bool safe = significant <= 15 && d != 0 && (d > 0 ? d : -d) > 1e-290 && (d > 0 ? d : -d) < 1e290;
  if (safe) return Value::floating(d);
  char buffer[64];
  auto printed = std::to_chars(buffer, buffer + sizeof buffer, d);
  if (same_decimal(text, std::string_view(buffer, printed.ptr - buffer))) return Value::floating(d);
  return Value::number(text);
}

void append_number(const Value& number, std::string& out) {
  char buffer[64];
  switch (number.kind()) {
    case Value::Kind::Int: {
      auto r = std::to_chars(buffer, buffer + sizeof buffer, number.as_int());
      out.append(buffer, r.ptr);
      return;
    }
    case Value::Kind::Float: {
      if (!number.float_text().empty()) {
        out.append(number.float_text());
        return;
      }
      auto r = std::to_chars(buffer, buffer + sizeof buffer, number.as_float());
      bool shows_kind = false;  // a '.' or an exponent, or "inf"/"nan"
      for (const char* p = buffer; p < r.ptr; ++p)
        if (*p == '.' || *p == 'e' || *p == 'n') shows_kind = true;
      out.append(buffer, r.ptr);
      if (!shows_kind) out.append(".0");
      return;
    }
    default:
      out.append(number.number_text());
  }
}

}  // namespace aton
