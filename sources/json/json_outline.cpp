#include "json_outline.hpp"

#include <rapidjson/document.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <array>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace aton::json_source {
namespace {

using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

File open(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  return f;
}

// Calls on_block(data, size) for each block of the file.
template <class F>
void for_each_block(const std::string& path, F&& on_block) {
  File f = open(path);
  std::vector<char> buffer(1 << 16);
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), f.get())) on_block(buffer.data(), n);
  if (std::ferror(f.get())) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
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

JsonOutline scan_json_outline(const std::string& path) {
  JsonOutline outline;
  int depth = 0;
  bool in_string = false, escaped = false;
  bool bom_checked = false;
  // Counting the elements of the records array, which sits at count_depth.
  bool counting = false, expect_value = false;
  int count_depth = 0;
  std::int64_t* counter = nullptr;
  // Keys of the top-level object.
  bool expect_key = false, capturing = false;
  std::string key;
  JsonOutline::Table* table = nullptr;

  for_each_block(path, [&](const char* data, std::size_t size) {
    std::size_t i = 0;
    if (!bom_checked) {
      bom_checked = true;
      if (size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) i = 3;
    }
    for (; i < size; ++i) {
      if (in_string && !escaped && !capturing) {
        // The bulk of a JSON text is inside strings: skip to what matters.
        i = static_cast<std::size_t>(quote_or_backslash(data + i, data + size) - data);
        if (i == size) break;
      } else if (!in_string && !(counting && expect_value)) {
        // Between strings: only quotes, brackets and commas matter.
        while (i < size && !kStructural[static_cast<unsigned char>(data[i])]) ++i;
        if (i == size) break;
      }
      char c = data[i];
      if (in_string) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          in_string = false;
          if (capturing) {
            capturing = false;
            std::string name = decode_key(key);
            table = nullptr;
            for (auto& t : outline.tables)
              if (t.name == name) table = &t;
            if (!table) table = &outline.tables.emplace_back(JsonOutline::Table{name});
          }
          continue;
        }
        if (capturing) key.push_back(c);
        continue;
      }
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
      if (counting && expect_value && depth == count_depth) {
        if (c != ']') ++*counter;
        expect_value = false;
      }
      switch (c) {
        case '"':
          in_string = true;
          if (expect_key && depth == 1) {
            expect_key = false;
            capturing = true;
            key.clear();
          }
          break;
        case '[':
        case '{':
          if (depth == 0) {
            outline.top = c;
            if (c == '[') {
              counting = expect_value = true;
              count_depth = 1;
              counter = &outline.records;
            } else {
              expect_key = true;
            }
          } else if (depth == 1 && outline.top == '{' && c == '[' && table) {
            table->is_array = true;
            counting = expect_value = true;
            count_depth = 2;
            counter = &table->records;
          }
          ++depth;
          break;
        case ']':
        case '}':
          --depth;
          if (counting && depth < count_depth) counting = false;
          break;
        case ',':
          if (counting && depth == count_depth)
            expect_value = true;
          else if (depth == 1 && outline.top == '{')
            expect_key = true;
          break;
        default:
          break;
      }
    }
  });
  return outline;
}

char first_significant_byte(const std::string& path) {
  File f = open(path);
  int c;
  while ((c = std::fgetc(f.get())) != EOF)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != 0xEF && c != 0xBB && c != 0xBF)
      return static_cast<char>(c);
  return 0;
}

std::int64_t count_json_lines(const std::string& path) {
  std::int64_t lines = 0;
  bool content = false;  // the line being read holds more than whitespace
  for_each_block(path, [&](const char* data, std::size_t size) {
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
