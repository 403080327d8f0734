// Request templates: a JSON value from a sink's config (its `body` option)
// in which placeholders are replaced per chunk, so one run turns chunks
// into requests for a model (the http sink posts them, the file sink writes
// them as JSON Lines for a batch API). Header-only; needs RapidJSON.
//
// Placeholders, written {{name}} inside any JSON string of the template (or
// an object key, or a header value):
//   {{chunk}}         the chunk's ATON text
//   {{chunk_id}}      its id, from 0
//   {{total_chunks}}  the number of chunks; null while unknown
//   {{table}}         the table's name
//   {{records}}       records in the chunk
//   {{tokens}}        the chunk text's tokens; null when unknown (no tokenizer)
//   {{is_first}}, {{is_last}}  true or false
//
// Where a placeholder stands decides how it is written:
// - A string that is exactly one placeholder ("{{chunk_id}}") becomes that
//   value with its JSON type: a number, true/false, null, or a string.
// - Inside a longer string ("chunk-{{chunk_id}}", "Summarise:\n{{chunk}}")
//   its text is put in JSON-escaped, so the result is always valid JSON.
// - In a header value (compile_text) its text is put in as it is.
// The rest of the template is kept as it is (compact JSON, one line).
//
// compile() checks the template once and reports every unknown placeholder
// (with the nearest known name) and unclosed "{{" as Problems, so a sink's
// check() refuses a bad template before a run starts; render() cannot fail.
#pragma once

#include <aton/plugin.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton::sdk {

// What the placeholders stand for, for one chunk.
struct ChunkFields {
  std::string_view chunk;
  std::uint64_t chunk_id = 0;
  std::int64_t total_chunks = -1;  // -1: unknown
  std::string_view table;
  std::uint64_t records = 0;
  std::int64_t tokens = -1;  // -1: unknown
  bool is_first = false;
  bool is_last = false;

  static ChunkFields of(const aton_chunk& c) {
    ChunkFields f;
    f.chunk = std::string_view(c.data, c.size);
    f.chunk_id = c.chunk_id;
    f.total_chunks = c.total_chunks;
    f.table = c.table ? std::string_view(c.table) : std::string_view();
    f.records = c.records_in_chunk;
    // tokens came with ABI 1.4: an older host's chunk ends before it.
    if (c.struct_size >= offsetof(aton_chunk, tokens) + sizeof c.tokens) f.tokens = c.tokens;
    f.is_first = c.is_first != 0;
    f.is_last = c.is_last != 0;
    return f;
  }
};

class RequestTemplate {
 public:
  enum class Field { none, chunk, chunk_id, total_chunks, table, records, tokens, is_first, is_last };

  static constexpr std::array<std::string_view, 8> kNames = {"chunk",   "chunk_id", "total_chunks", "table",
                                                             "records", "tokens",   "is_first",     "is_last"};

  // A JSON template. Problems are added under `pointer` (the option's own,
  // "/body"); the result is empty when there were any.
  static std::optional<RequestTemplate> compile(const rapidjson::Value& value, Problems& problems,
                                                const std::string& pointer) {
    RequestTemplate t;
    std::size_t before = problems.list().size();
    t.add_value(value, problems, pointer);
    t.close();
    if (problems.list().size() != before) return std::nullopt;
    return t;
  }

  // A text template (a header value): placeholders become their plain text.
  static std::optional<RequestTemplate> compile_text(std::string_view text, Problems& problems,
                                                     const std::string& pointer) {
    RequestTemplate t;
    std::size_t before = problems.list().size();
    t.add_string(text, Mode::text, problems, pointer);
    t.close();
    if (problems.list().size() != before) return std::nullopt;
    return t;
  }

  // Appends the rendering for `fields` to `out`.
  void render(const ChunkFields& fields, std::string& out) const {
    for (const auto& piece : pieces_) {
      out += piece.literal;
      if (piece.field != Field::none) put(piece.field, piece.mode, fields, out);
    }
  }
  std::string render(const ChunkFields& fields) const {
    std::string out;
    render(fields, out);
    return out;
  }

  bool uses(Field field) const {
    return std::any_of(pieces_.begin(), pieces_.end(), [&](const Piece& p) { return p.field == field; });
  }
  // Whether there is any placeholder at all.
  bool constant() const { return pieces_.size() <= 1 && (pieces_.empty() || pieces_[0].field == Field::none); }

  // `text` as the inside of a JSON string (no quotes around it).
  static void escape_json(std::string_view text, std::string& out) {
    static const char* hex = "0123456789abcdef";
    std::size_t plain = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out.append(text.data() + plain, i - plain);
      plain = i + 1;
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
      }
    }
    out.append(text.data() + plain, text.size() - plain);
  }

  // The known name nearest to `name` (edit distance), or "" when none is close.
  static std::string_view nearest(std::string_view name) {
    std::string_view best;
    std::size_t best_distance = 3;  // more than two edits away is no suggestion
    for (auto known : kNames) {
      std::size_t d = distance(name, known);
      if (d < best_distance) best = known, best_distance = d;
    }
    return best;
  }

 private:
  enum class Mode { json_value, json_inner, text };
  struct Piece {
    std::string literal;  // written before the field
    Field field = Field::none;
    Mode mode = Mode::text;
  };

  static std::size_t distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diagonal = up;
      }
    }
    return row[b.size()];
  }

  static void put(Field field, Mode mode, const ChunkFields& f, std::string& out) {
    auto text = [&](std::string_view s) {
      if (mode == Mode::text) {
        out += s;
      } else if (mode == Mode::json_inner) {
        escape_json(s, out);
      } else {
        out += '"';
        escape_json(s, out);
        out += '"';
      }
    };
    auto known = [&](std::int64_t n) { out += n < 0 ? std::string("null") : std::to_string(n); };
    switch (field) {
      case Field::none: break;
      case Field::chunk: text(f.chunk); break;
      case Field::table: text(f.table); break;
      case Field::chunk_id: out += std::to_string(f.chunk_id); break;
      case Field::records: out += std::to_string(f.records); break;
      case Field::total_chunks: known(f.total_chunks); break;
      case Field::tokens: known(f.tokens); break;
      case Field::is_first: out += f.is_first ? "true" : "false"; break;
      case Field::is_last: out += f.is_last ? "true" : "false"; break;
    }
  }

  std::string& literal() {
    if (pieces_.empty() || pieces_.back().field != Field::none) pieces_.emplace_back();
    return pieces_.back().literal;
  }
  void add_field(Field field, Mode mode) {
    literal();  // the piece that carries the literal before it
    pieces_.back().field = field;
    pieces_.back().mode = mode;
  }
  void close() {
    if (!pieces_.empty() && pieces_.back().field == Field::none && pieces_.back().literal.empty()) pieces_.pop_back();
  }

  // The placeholders of one string; `mode` says how its parts are written.
  void add_string(std::string_view s, Mode mode, Problems& problems, const std::string& pointer) {
    // A string that is one placeholder and nothing else keeps its JSON type.
    if (mode == Mode::json_inner && s.size() > 4 && s.rfind("{{", 0) == 0 &&
        s.find("}}") == s.size() - 2 && s.find("{{", 2) == std::string_view::npos) {
      if (auto field = field_named(s.substr(2, s.size() - 4), problems, pointer)) add_field(*field, Mode::json_value);
      return;
    }
    bool quoted = mode != Mode::text;
    if (quoted) literal() += '"';
    std::size_t at = 0;
    while (at < s.size()) {
      std::size_t open = s.find("{{", at);
      std::string_view plain = s.substr(at, open == std::string_view::npos ? s.npos : open - at);
      if (quoted) escape_json(plain, literal());
      else literal() += plain;
      if (open == std::string_view::npos) break;
      std::size_t end = s.find("}}", open + 2);
      if (end == std::string_view::npos) {
        problems.add(pointer, "an unclosed \"{{\": a placeholder is written {{name}}, e.g. {{chunk}}");
        return;
      }
      if (auto field = field_named(s.substr(open + 2, end - open - 2), problems, pointer)) add_field(*field, mode);
      at = end + 2;
    }
    if (quoted) literal() += '"';
  }

  static std::optional<Field> field_named(std::string_view name, Problems& problems, const std::string& pointer) {
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    for (std::size_t i = 0; i < kNames.size(); ++i)
      if (name == kNames[i]) return static_cast<Field>(i + 1);
    std::string message = "unknown placeholder {{" + std::string(name) + "}}";
    if (auto guess = nearest(name); !guess.empty()) message += "; did you mean {{" + std::string(guess) + "}}?";
    message += " (known: ";
    for (std::size_t i = 0; i < kNames.size(); ++i) message += (i ? ", {{" : "{{") + std::string(kNames[i]) + "}}";
    problems.add(pointer, message + ")");
    return std::nullopt;
  }

  void add_value(const rapidjson::Value& v, Problems& problems, const std::string& pointer) {
    if (v.IsString()) {
      add_string(std::string_view(v.GetString(), v.GetStringLength()), Mode::json_inner, problems, pointer);
    } else if (v.IsObject()) {
      literal() += '{';
      bool first = true;
      for (const auto& m : v.GetObject()) {
        if (!first) literal() += ',';
        first = false;
        std::string_view key(m.name.GetString(), m.name.GetStringLength());
        std::string inner = pointer + Problems::key(key);
        // A key is always a string: its placeholders are written inside it.
        literal() += '"';
        std::string_view rest = key;
        std::size_t open;
        while ((open = rest.find("{{")) != std::string_view::npos) {
          escape_json(rest.substr(0, open), literal());
          std::size_t end = rest.find("}}", open + 2);
          if (end == std::string_view::npos) {
            problems.add(inner, "an unclosed \"{{\" in a key: a placeholder is written {{name}}");
            rest = {};
            break;
          }
          if (auto field = field_named(rest.substr(open + 2, end - open - 2), problems, inner))
            add_field(*field, Mode::json_inner);
          rest.remove_prefix(end + 2);
        }
        escape_json(rest, literal());
        literal() += "\":";
        add_value(m.value, problems, inner);
      }
      literal() += '}';
    } else if (v.IsArray()) {
      literal() += '[';
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        if (i) literal() += ',';
        add_value(v[i], problems, pointer + "/" + std::to_string(i));
      }
      literal() += ']';
    } else {
      rapidjson::StringBuffer text;
      rapidjson::Writer<rapidjson::StringBuffer> w(text);
      v.Accept(w);
      literal().append(text.GetString(), text.GetSize());
    }
  }

  std::vector<Piece> pieces_;
};

}  // namespace aton::sdk
