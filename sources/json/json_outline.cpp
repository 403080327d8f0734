#include "json_outline.hpp"

#include <rapidjson/document.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace aton::json_source {
namespace {

// Calls on_block(data, size) for each block of the file.
template <class F>
void for_each_block(const std::string& path, const sources::InputFile::CancelCheck& cancelled, F&& on_block) {
  sources::InputFile file(path, cancelled);
  std::vector<char> buffer(1 << 16);
  while (std::size_t n = file.read_full(buffer.data(), buffer.size())) on_block(buffer.data(), n);
}

constexpr auto kStructural = [] {
  std::array<bool, 256> table{};
  for (unsigned char c : {'"', '[', ']', '{', '}', ','}) table[c] = true;
  return table;
}();

// The first '"' or '\\' in [p, end), or end.
const char* quote_or_backslash(const char* p, const char* end) {
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (; end - p >= 16; p += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if (auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)))))
      return p + std::countr_zero(mask);
  }
#endif
  while (p < end && *p != '"' && *p != '\\') ++p;
  return p;
}

// A key as written between its quotes, escapes decoded.
std::string decode_key(const std::string& raw) {
  if (raw.find('\\') == std::string::npos) return raw;
  rapidjson::Document d;
  std::string quoted = "\"" + raw + "\"";
  d.Parse(quoted.c_str(), quoted.size());
  return !d.HasParseError() && d.IsString() ? std::string(d.GetString(), d.GetStringLength()) : raw;
}

}  // namespace

const JsonOutline::Table* JsonOutline::find(const std::string& name) const {
  for (const auto& t : tables)
    if (t.name == name) return &t;
  return nullptr;
}

std::string JsonOutline::names() const {
  std::string out;
  for (const auto& t : tables) out += (out.empty() ? "" : ", ") + t.name;
  return out;
}

namespace {

// The scanner's state between blocks: what the byte loop tracks (strings,
// escapes, depth, the top-level keys) and what is being counted.
class OutlineScanner {
 public:
  JsonOutline outline;

  void feed(const char* data, std::size_t size) {
    std::size_t i = 0;
    if (!bom_checked_) {
      bom_checked_ = true;
      if (size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) i = 3;
    }
    while (i < size) {
      // Inside the records array, 64 bytes at a time where they hold no
      // backslash: the bulk of a file of records.
      if (counting_ && !escaped_ && size - i >= 64) {
        if (std::size_t n = counting_block(data + i)) {
          i += n;
          continue;
        }
      }
      i = bytes(data, i, std::min(size, i + 64));
    }
  }

 private:
  // The byte loop over [i, limit); returns limit.
  std::size_t bytes(const char* data, std::size_t i, std::size_t limit) {
    for (; i < limit; ++i) {
      if (in_string_ && !escaped_ && !capturing_) {
        // The bulk of a JSON text is inside strings: skip to what matters.
        i = static_cast<std::size_t>(quote_or_backslash(data + i, data + limit) - data);
        if (i == limit) break;
      } else if (!in_string_ && !(counting_ && expect_value_)) {
        // Between strings: only quotes, brackets and commas matter.
        while (i < limit && !kStructural[static_cast<unsigned char>(data[i])]) ++i;
        if (i == limit) break;
      }
      char c = data[i];
      if (in_string_) {
        if (escaped_) {
          escaped_ = false;
        } else if (c == '\\') {
          escaped_ = true;
        } else if (c == '"') {
          in_string_ = false;
          if (capturing_) {
            capturing_ = false;
            std::string name = decode_key(key_);
            table_ = nullptr;
            for (auto& t : outline.tables)
              if (t.name == name) table_ = &t;
            if (!table_) table_ = &outline.tables.emplace_back(JsonOutline::Table{name});
          }
          continue;
        }
        if (capturing_) key_.push_back(c);
        continue;
      }
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
      if (counting_ && expect_value_ && depth_ == count_depth_) {
        if (c != ']') ++*counter_;
        expect_value_ = false;
      }
      switch (c) {
        case '"':
          in_string_ = true;
          if (expect_key_ && depth_ == 1) {
            expect_key_ = false;
            capturing_ = true;
            key_.clear();
          }
          break;
        case '[':
        case '{':
          if (depth_ == 0) {
            outline.top = c;
            if (c == '[') {
              counting_ = expect_value_ = true;
              count_depth_ = 1;
              counter_ = &outline.records;
            } else {
              expect_key_ = true;
            }
          } else if (depth_ == 1 && outline.top == '{' && c == '[' && table_) {
            table_->is_array = true;
            counting_ = expect_value_ = true;
            count_depth_ = 2;
            counter_ = &table_->records;
          }
          ++depth_;
          break;
        case ']':
        case '}':
          --depth_;
          if (counting_ && depth_ < count_depth_) counting_ = false;
          break;
        case ',':
          if (counting_ && depth_ == count_depth_)
            expect_value_ = true;
          else if (depth_ == 1 && outline.top == '{')
            expect_key_ = true;
          break;
        default:
          break;
      }
    }
    return limit;
  }

  // What the byte loop would do with the 64 bytes at p while counting, from
  // bit masks: strings are found by the parity of the quotes before each
  // byte, brackets outside them are taken one by one for the depth, and
  // between two of them at the records' level the commas are counted
  // together. Returns the bytes taken: 64, or fewer when the records array
  // ends in them, or 0 when they hold a backslash (the byte loop then
  // takes them, escapes and all). Counting never captures a key: the top
  // level's keys lie outside the records array.
  std::size_t counting_block(const char* p) {
    Masks m = masks(p);
    if (m.backslash) return 0;
    std::uint64_t in_string = prefix_xor(m.quote) ^ (in_string_ ? ~std::uint64_t{0} : 0);
    std::uint64_t outside = ~in_string;
    // Where a value may start (the byte loop's "not whitespace"): anything
    // but whitespace outside a string, and an opening quote.
    std::uint64_t starts = (~m.space & outside) | (m.quote & in_string);
    std::uint64_t brackets = (m.open | m.close) & outside;
    std::uint64_t commas = m.comma & outside;
    unsigned from = 0;
    for (;;) {
      unsigned b = brackets ? static_cast<unsigned>(std::countr_zero(brackets)) : 64;
      if (depth_ == count_depth_) count_between(from, b, starts, commas);
      if (b == 64) break;
      brackets &= brackets - 1;
      char c = p[b];
      if (expect_value_) {  // nothing before it: this bracket is the value due
        if (c != ']') ++*counter_;
        expect_value_ = false;
      }
      if (c == '[' || c == '{') {
        ++depth_;
      } else if (--depth_ < count_depth_) {
        counting_ = false;
        in_string_ = false;  // a bracket outside a string ends the array
        return b + 1;
      }
      from = b + 1;
    }
    in_string_ = (in_string >> 63) != 0;
    return 64;
  }

  // The records' level from byte `from` to `to` (exclusive): a value due
  // starts at the first byte that is not whitespace, and each comma makes
  // one due; the next comma, or anything else after it, starts it.
  void count_between(unsigned from, unsigned to, std::uint64_t starts, std::uint64_t commas) {
    std::uint64_t span = below(to) & ~below(from);
    starts &= span;
    commas &= span;
    if (expect_value_ && starts) {
      ++*counter_;
      expect_value_ = false;
    }
    if (!commas) return;
    *counter_ += std::popcount(commas) - 1;  // each comma but the last is followed by the next
    auto last = static_cast<unsigned>(63 - std::countl_zero(commas));
    bool started = (starts & ~below(last + 1)) != 0;
    if (started) ++*counter_;
    expect_value_ = !started;
  }

  struct Masks {
    std::uint64_t quote = 0, backslash = 0, open = 0, close = 0, comma = 0, space = 0;
  };
  // Bit i set where byte p[i] is of each kind.
  static Masks masks(const char* p) {
    Masks m;
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), comma = _mm_set1_epi8(','),
                  open = _mm_set1_epi8('{'), close = _mm_set1_epi8('}'), case_bit = _mm_set1_epi8(0x20),
                  space = _mm_set1_epi8(' '), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                  tab = _mm_set1_epi8('\t');
    for (unsigned part = 0; part < 4; ++part) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * part));
      __m128i folded = _mm_or_si128(v, case_bit);  // '[' -> '{', ']' -> '}'
      auto bits = [&](__m128i match) {
        return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(match))) << (16 * part);
      };
      m.quote |= bits(_mm_cmpeq_epi8(v, quote));
      m.backslash |= bits(_mm_cmpeq_epi8(v, backslash));
      m.open |= bits(_mm_cmpeq_epi8(folded, open));
      m.close |= bits(_mm_cmpeq_epi8(folded, close));
      m.comma |= bits(_mm_cmpeq_epi8(v, comma));
      m.space |= bits(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, lf)),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, tab))));
    }
#else
    for (unsigned i = 0; i < 64; ++i) {
      std::uint64_t bit = std::uint64_t{1} << i;
      switch (p[i]) {
        case '"': m.quote |= bit; break;
        case '\\': m.backslash |= bit; break;
        case '[': case '{': m.open |= bit; break;
        case ']': case '}': m.close |= bit; break;
        case ',': m.comma |= bit; break;
        case ' ': case '\n': case '\r': case '\t': m.space |= bit; break;
        default: break;
      }
    }
#endif
    return m;
  }
  // Bit i: the parity of the bits 0..i of x.
  static std::uint64_t prefix_xor(std::uint64_t x) {
    for (unsigned shift = 1; shift < 64; shift *= 2) x ^= x << shift;
    return x;
  }
  static std::uint64_t below(unsigned bit) { return bit >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bit) - 1; }

  int depth_ = 0;
  bool in_string_ = false, escaped_ = false;
  bool bom_checked_ = false;
  // Counting the elements of the records array, which sits at count_depth_.
  bool counting_ = false, expect_value_ = false;
  int count_depth_ = 0;
  std::int64_t* counter_ = nullptr;
  // Keys of the top-level object.
  bool expect_key_ = false, capturing_ = false;
  std::string key_;
  JsonOutline::Table* table_ = nullptr;
};

}  // namespace

JsonOutline scan_json_outline(const std::string& path, const sources::InputFile::CancelCheck& cancelled) {
  OutlineScanner scanner;
  for_each_block(path, cancelled, [&](const char* data, std::size_t size) { scanner.feed(data, size); });
  return scanner.outline;
}

std::int64_t count_json_lines(const std::string& path, const sources::InputFile::CancelCheck& cancelled) {
  std::int64_t lines = 0;
  bool content = false;  // the line being read holds more than whitespace
  for_each_block(path, cancelled, [&](const char* data, std::size_t size) {
    const char* p = data;
    const char* end = data + size;
    while (p < end) {
      // A line's first byte almost always tells: look no further than its
      // content, then jump to its end with memchr.
      if (!content)
        for (; p < end && *p != '\n'; ++p)
          if (*p != ' ' && *p != '\t' && *p != '\r') {
            content = true;
            break;
          }
      auto newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      if (!newline) break;
      lines += content;
      content = false;
      p = newline + 1;
    }
  });
  return lines + content;
}

}  // namespace aton::json_source
