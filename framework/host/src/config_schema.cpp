#include <aton/host/config_schema.hpp>

#include <aton/errors.hpp>

#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>

namespace aton::host {

namespace {

std::string to_text(const JsonValue& v) {
  JsonStringBuffer buffer;
  JsonWriter writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string str(const JsonValue& v) { return {v.GetString(), v.GetStringLength()}; }

const JsonValue* member(const JsonValue& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

bool has_type(const JsonValue& v, std::string_view type) {
  if (type == "object") return v.IsObject();
  if (type == "array") return v.IsArray();
  if (type == "string") return v.IsString();
  if (type == "boolean") return v.IsBool();
  if (type == "null") return v.IsNull();
  if (type == "integer") return v.IsInt64() || v.IsUint64();
  if (type == "number") return v.IsNumber();
  return true;  // unknown type names are left to RapidJSON
}

std::string with_article(std::string_view type) {
  if (type == "integer" || type == "object" || type == "array") return "an " + std::string(type);
  if (type == "null") return "null";
  return "a " + std::string(type);
}

// Adds every problem it finds; below a value of the wrong type or outside
// its enum it looks no further (what is inside cannot be judged).
class Checker {
 public:
  Checker(ConfigProblems& problems, const Secrets* secrets) : problems_(problems), secrets_(secrets) {}

  void report(const std::string& pointer, const std::string& problem) const { problems_.add(pointer, problem); }

  void check(const JsonValue& schema, const JsonValue& v, const std::string& at) const {
    if (!schema.IsObject()) return;
    if (const auto* type = member(schema, "type")) {
      std::vector<std::string> types;
      if (type->IsString()) types.push_back(str(*type));
      if (type->IsArray())
        for (const auto& t : type->GetArray())
          if (t.IsString()) types.push_back(str(t));
      bool ok = types.empty() ||
                std::any_of(types.begin(), types.end(), [&](const auto& t) { return has_type(v, t); });
      if (!ok) {
        std::string expected;
        for (std::size_t i = 0; i < types.size(); ++i)
          expected += (i ? " or " : "") + with_article(types[i]);
        report(at, "expected " + expected + ", got " + describe(v));
        return;
      }
    }
    if (const auto* choices = member(schema, "enum"); choices && choices->IsArray()) {
      bool ok = false;
      std::string list;
      std::vector<std::string> words;
      for (const auto& c : choices->GetArray()) {
        ok = ok || c == v;
        list += (list.empty() ? "" : ", ") + to_text(c);
        if (c.IsString()) words.push_back(str(c));
      }
      if (!ok) {
        std::string hint;
        if (v.IsString() && !holds_secret(v))
          if (auto m = closest_match(str(v), words); !m.empty()) hint = "; did you mean '" + m + "'?";
        report(at, "expected one of " + list + ", got " + describe(v) + hint);
        return;
      }
    }
    if (v.IsNumber()) {
      if (const auto* min = member(schema, "minimum"); min && min->IsNumber() && v.GetDouble() < min->GetDouble())
        report(at, "expected a number >= " + to_text(*min) + ", got " + to_text(v));
      if (const auto* max = member(schema, "maximum"); max && max->IsNumber() && v.GetDouble() > max->GetDouble())
        report(at, "expected a number <= " + to_text(*max) + ", got " + to_text(v));
    }
    if (v.IsString())
      if (const auto* min = member(schema, "minLength"); min && min->IsUint() && v.GetStringLength() < min->GetUint())
        report(at, min->GetUint() == 1 ? std::string("expected a non-empty string")
                                     : "expected a string of at least " + to_text(*min) + " characters");
    if (v.IsArray()) {
      if (const auto* min = member(schema, "minItems"); min && min->IsUint() && v.Size() < min->GetUint())
        report(at, "expected at least " + to_text(*min) + " item(s), got " + std::to_string(v.Size()));
      if (const auto* items = member(schema, "items"); items && items->IsObject())
        for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
          check(*items, v[i], pointer_append(at, std::to_string(i)));
    }
    if (v.IsObject()) check_object(schema, v, at);
  }

 private:
  bool holds_secret(const JsonValue& v) const {
    return secrets_ && v.IsString() && secrets_->reveals(str(v));
  }
  // describe_json(), but a value with a secret in it is not quoted (a cut
  // quote would show part of it, which no scrubbing could find).
  std::string describe(const JsonValue& v) const {
    return holds_secret(v) ? "a string (not shown: it holds a secret or a value from the environment)"
                           : describe_json(v);
  }

  void check_object(const JsonValue& schema, const JsonValue& v, const std::string& at) const {
    const auto* properties = member(schema, "properties");
    std::vector<std::string> known;
    if (properties && properties->IsObject())
      for (const auto& p : properties->GetObject()) known.push_back(str(p.name));
    if (const auto* required = member(schema, "required"); required && required->IsArray())
      for (const auto& r : required->GetArray())
        if (r.IsString() && !v.HasMember(r))
          report(at, "missing required key '" + str(r) + "'");
    const auto* additional = member(schema, "additionalProperties");
    bool closed = additional && additional->IsBool() && !additional->GetBool();
    for (const auto& m : v.GetObject()) {
      std::string key = str(m.name);
      const JsonValue* sub = properties ? member(*properties, key.c_str()) : nullptr;
      if (!sub && closed) {
        std::string problem = "unknown key '" + key + "'";
        if (auto guess = closest_match(key, known); !guess.empty())
          problem += "; did you mean '" + guess + "'?";
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        problem += " Allowed keys here: " + (list.empty() ? std::string("none") : list) + ".";
        report(pointer_append(at, key), problem);
        continue;
      }
      if (sub) check(*sub, m.value, pointer_append(at, key));
    }
  }

  ConfigProblems& problems_;
  const Secrets* secrets_;
};

}  // namespace

std::string pointer_append(const std::string& pointer, std::string_view token) {
  std::string out = pointer + "/";
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string describe_json(const JsonValue& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return std::string("a boolean (") + (v.GetBool() ? "true" : "false") + ")";
  if (v.IsInt64() || v.IsUint64()) return "an integer (" + to_text(v) + ")";
  if (v.IsNumber()) return "a number (" + to_text(v) + ")";
  if (v.IsString()) {
    std::string text = to_text(v);
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return "a string (" + text + ")";
  }
  if (v.IsArray()) return "an array";
  return "an object";
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  // Optimal string alignment distance: insertions, deletions, substitutions
  // and swaps of two neighbours ("ultar" -> "ultra") each cost one.
  auto distance = [](std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
      for (std::size_t j = 1; j <= b.size(); ++j) {
        std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    return d[a.size()][b.size()];
  };
  std::string best;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    std::size_t d = distance(word, c);
    if (best.empty() || d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  // Close enough to be a typo: at most a third of the word, and at most 3.
  std::size_t limit = std::min<std::size_t>(3, std::max<std::size_t>(1, word.size() / 3));
  return !best.empty() && best_distance <= limit ? best : std::string();
}

void validate_against_schema(const JsonValue& schema, const JsonValue& value, std::string_view file,
                             const std::string& base_pointer, const Secrets* secrets) {
  ConfigProblems problems{std::filesystem::path(file)};
  check_against_schema(schema, value, base_pointer, problems, secrets);
  problems.throw_if_any(secrets);
}

void check_against_schema(const JsonValue& schema, const JsonValue& value, const std::string& base_pointer,
                          ConfigProblems& problems, const Secrets* secrets) {
  std::size_t before = problems.size();
  Checker(problems, secrets).check(schema, value, base_pointer);
  if (problems.size() != before) return;  // the second pass would only repeat one of them

  JsonSchemaDocument schema_document(schema);
  JsonSchemaValidator validator(schema_document);
  if (!value.Accept(validator)) {
    JsonStringBuffer doc_pointer, schema_pointer;
    validator.GetInvalidDocumentPointer().StringifyUriFragment(doc_pointer);
    validator.GetInvalidSchemaPointer().StringifyUriFragment(schema_pointer);
    std::string at = doc_pointer.GetString();
    if (!at.empty() && at[0] == '#') at.erase(0, 1);
    std::string keyword = validator.GetInvalidSchemaKeyword();
    std::string expected;
    if (auto* rule = JsonPointer(std::string(schema_pointer.GetString()).substr(1).c_str()).Get(schema))
      if (const auto* k = member(*rule, keyword.c_str())) expected = " " + to_text(*k);
    problems.add(base_pointer + at, "does not satisfy the schema's '" + keyword + "'" + expected);
  }
}

}  // namespace aton::host
