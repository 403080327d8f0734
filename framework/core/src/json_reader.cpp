#include <aton/json_reader.hpp>

#include "utf8.hpp"

#include <aton/value_builder.hpp>

#include <algorithm>
#include <bit>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace aton {

namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// Bit 7 of each byte of the result is set for bytes below n (n <= 128), or
// equal to c. Borrows can set bytes above a real match, never below one, so
// the lowest set bit is exact.
constexpr std::uint64_t bytes_below(std::uint64_t w, std::uint64_t n) { return (w - kOnes * n) & ~w & kHighs; }
constexpr std::uint64_t bytes_equal(std::uint64_t w, std::uint64_t c) { return bytes_below(w ^ (kOnes * c), 1); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A \uXXXX escape of half a UTF-16 surrogate pair stands for no character:
// the text would not be valid Unicode, so it is refused rather than changed
// (docs/FORMAT.md, 1). `escape` points at its six checked ASCII bytes.
std::string lone_surrogate(const char* escape, const char* rule) {
  return "a lone UTF-16 surrogate " + std::string(escape, 6) + " (" + rule +
         "): the text is not valid Unicode, which aton requires of every string and key";
}

}  // namespace

void JsonReader::fail(const std::string& what, std::size_t offset) const {
  std::string_view text(begin_, static_cast<std::size_t>(end_ - begin_));
  offset = std::min(offset, text.size());
  std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  std::size_t line_start = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
  line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
  throw JsonError(what, offset, line, offset - line_start + 1);
}

void JsonReader::unexpected(const std::string& what) const {
  ran_out_ = p_ >= end_;
  if (p_ < end_ && *p_ == '\0') fail("a NUL byte, which JSON text cannot hold outside an escape", offset());
  fail(p_ >= end_ && what == "Invalid value." ? "The input ends where a value should be." : what, offset());
}

void JsonReader::too_deep() const { fail(nesting_limit_message(max_depth_), offset()); }

// The end of the UTF-8 sequence that starts at p (a byte >= 0x80).
const char* JsonReader::utf8_sequence(const char* p) const {
  int n = detail::utf8_sequence_length(p, end_);
  if (n > 0) return p + n;
  ran_out_ = n < 0;
  fail("Invalid encoding in string (not UTF-8).", static_cast<std::size_t>(p - begin_));
}

// Past the character at p inside a string, which is neither a quote nor a
// backslash: a UTF-8 sequence checked, or one ASCII byte, but never a raw
// control character.
const char* JsonReader::next_char(const char* p) {
  auto c = static_cast<unsigned char>(*p);
  if (c >= 0x80) return utf8_sequence(p);
  if (c >= 0x20) return p + 1;
  p_ = p;
  unexpected(c == '\n' ? "Missing a closing quotation mark in string (a raw newline; write \\n)."
                       : "Invalid character in string: control characters must be escaped.");
}

// The text ended inside the string that starts at `start`.
void JsonReader::unterminated(const char* start) const {
  ran_out_ = true;
  fail("Missing a closing quotation mark in string.", static_cast<std::size_t>(start - 1 - begin_));
}

std::string_view JsonReader::string(bool& in_text) {
  const char* start = ++p_;
  const char* p = start;
  while (true) {
    // Many bytes at a time while none needs a look: no quote, backslash,
    // control character or non-ASCII byte.
#ifdef __SSE2__
    // Signed bytes below 0x20 are the control characters and, negative,
    // every byte from 0x80: one compare finds both.
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (end_ - p >= 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                     _mm_cmplt_epi8(v, space));
      if (auto mask = static_cast<unsigned>(_mm_movemask_epi8(special))) {
        p += std::countr_zero(mask);
        goto look;
      }
      p += 16;
    }
#endif
    while (end_ - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      std::uint64_t special = bytes_below(w, 0x20) | bytes_equal(w, '"') | bytes_equal(w, '\\') | (w & kHighs);
      if (special) {
        p += std::countr_zero(special) / 8;
        break;
      }
      p += 8;
    }
  look:
    if (p >= end_) unterminated(start);
    auto c = static_cast<unsigned char>(*p);
    if (c == '"') {
      p_ = p + 1;
      in_text = true;
      return {start, static_cast<std::size_t>(p - start)};
    }
    if (c == '\\') {
      in_text = false;
      return unescape(start, p);
    }
    p = next_char(p);
  }
}

// The rest of a string that has escapes, from the first backslash at `at`,
// decoded into scratch_.
std::string_view JsonReader::unescape(const char* start, const char* at) {
  scratch_.assign(start, at);
  const char* p = at;
  while (true) {
    if (p >= end_) unterminated(start);
    auto c = static_cast<unsigned char>(*p);
    if (c == '"') {
      p_ = p + 1;
      return scratch_;
    }
    if (c == '\\') {
      ran_out_ = p + 1 >= end_;
      char e = ran_out_ ? '\0' : p[1];
      p += 2;
      switch (e) {
        case '"': scratch_.push_back('"'); break;
        case '\\': scratch_.push_back('\\'); break;
        case '/': scratch_.push_back('/'); break;
        case 'b': scratch_.push_back('\b'); break;
        case 'f': scratch_.push_back('\f'); break;
        case 'n': scratch_.push_back('\n'); break;
        case 'r': scratch_.push_back('\r'); break;
        case 't': scratch_.push_back('\t'); break;
        case 'u': {
          auto code_unit = [&](const char* q) -> long {
            if (end_ - q < 4) {
              ran_out_ = true;
              return -1;
            }
            long v = 0;
            for (int i = 0; i < 4; ++i) {
              int d = hex_digit(q[i]);
              if (d < 0) return -1;
              v = v * 16 + d;
            }
            return v;
          };
          long u = code_unit(p);
          if (u < 0) fail("Incorrect hex digit after \\u escape in string.", static_cast<std::size_t>(p - begin_));
          p += 4;
          char32_t cp = static_cast<char32_t>(u);
          if (u >= 0xD800 && u <= 0xDBFF) {
            // The low half must follow; the text running out before it
            // could is not the same as something else following.
            long low = -1;
            if (p >= end_ || (*p == '\\' && end_ - p < 2)) ran_out_ = true;
            else if (*p == '\\' && p[1] == 'u') low = code_unit(p + 2);  // sets ran_out_ when cut
            if (low < 0xDC00 || low > 0xDFFF)
              fail(lone_surrogate(p - 6, "a high surrogate must be followed by a low one, \\udc00 to \\udfff"),
                   static_cast<std::size_t>(p - 6 - begin_));
            cp = 0x10000 + ((static_cast<char32_t>(u) - 0xD800) << 10) + (static_cast<char32_t>(low) - 0xDC00);
            p += 6;
          } else if (u >= 0xDC00 && u <= 0xDFFF) {
            fail(lone_surrogate(p - 6, "a low surrogate must follow a high one, \\ud800 to \\udbff"),
                 static_cast<std::size_t>(p - 6 - begin_));
          }
          detail::append_utf8(cp, scratch_);
          break;
        }
        default:
          fail("Invalid escape character in string.", static_cast<std::size_t>(p - 2 - begin_));
      }
      continue;
    }
    const char* run = p;
    p = next_char(p);
    scratch_.append(run, p);
  }
}

std::string_view JsonReader::number() {
  const char* start = p_;
  const char* p = p_;
  auto digits = [&] {
    while (p < end_ && is_digit(*p)) ++p;
  };
  if (*p == '-') ++p;
  if (p >= end_ || !is_digit(*p)) {
    p_ = p;
    unexpected("Invalid value: a '-' must be followed by digits.");
  }
  if (*p == '0') ++p;
  else digits();
  if (p < end_ && *p == '.') {
    ++p;
    if (p >= end_ || !is_digit(*p)) {
      p_ = p;
      unexpected("Missing fraction part in number.");
    }
    digits();
  }
  if (p < end_ && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end_ && (*p == '+' || *p == '-')) ++p;
    if (p >= end_ || !is_digit(*p)) {
      p_ = p;
      unexpected("Missing exponent in number.");
    }
    digits();
  }
  p_ = p;
  return {start, static_cast<std::size_t>(p - start)};
}

void JsonReader::literal(std::string_view word) {
  auto left = static_cast<std::size_t>(end_ - p_);
  if (left < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) {
    if (left < word.size() && std::memcmp(p_, word.data(), left) == 0) {
      ran_out_ = true;  // "tr" at the end of a window
      fail("Invalid value.", offset());
    }
    unexpected("Invalid value.");
  }
  p_ += word.size();
}

}  // namespace aton
