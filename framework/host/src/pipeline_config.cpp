#include <aton/host/pipeline_config.hpp>

#include <aton/errors.hpp>
#include <aton/host/config_schema.hpp>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

namespace aton::host {

namespace {

// The host's keys. Plugins' own keys are checked in step 2, so source and
// sink entries only need a "plugin" here.
constexpr std::string_view kHostSchema = R"({
  "type": "object",
  "properties": {
    "source": {"type": "object", "required": ["plugin"],
               "properties": {"plugin": {"type": "string", "minLength": 1}}},
    "encoder": {"type": "object", "additionalProperties": false, "properties": {
      "chunk_size": {"type": "integer", "minimum": 1},
      "compression": {"type": "string", "enum": ["fast", "balanced", "ultra", "adaptive"]},
      "sample_size": {"type": "integer", "minimum": 1},
      "on_new_key": {"type": "string", "enum": ["extend", "error"]},
      "self_contained": {"type": "boolean"},
      "flush_interval": {"type": "integer", "minimum": 0},
      "tokenizer": {"type": "string", "enum": ["o200k_base", "cl100k_base", "none"]},
      "max_tokens": {"type": "integer", "minimum": 0},
      "max_bytes": {"type": "integer", "minimum": 0},
      "oversize": {"type": "string", "enum": ["error", "own_chunk"]}}},
    "queue": {"type": "object", "additionalProperties": false, "properties": {
      "capacity": {"type": "integer", "minimum": 1, "maximum": 4096}}},
    "sinks": {"type": "array", "minItems": 1,
              "items": {"type": "object", "required": ["plugin"],
                        "properties": {"plugin": {"type": "string", "minLength": 1}}}},
    "plugin_dirs": {"type": "array", "items": {"type": "string", "minLength": 1}},
    "checkpoint": {"type": "object", "additionalProperties": false, "properties": {
      "enabled": {"type": "boolean"},
      "path": {"type": "string", "minLength": 1},
      "fsync": {"type": "boolean"},
      "interval": {"type": "number", "minimum": 0}}}
  },
  "required": ["source", "sinks"],
  "additionalProperties": false
})";

std::string to_text(const JsonValue& v) {
  JsonStringBuffer buffer;
  JsonWriter writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

[[noreturn]] void fail(const fs::path& file, const std::string& pointer, const std::string& problem) {
  throw ConfigError(file.string() + ": " + (pointer.empty() ? std::string("/") : pointer) + ": " + problem);
}

// 1-based line and column of a byte offset, for parse errors.
std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// Configs nest a few levels; this bound keeps every recursive walk of a
// config (substitution, validation, writing) far from the stack's end.
constexpr std::size_t kMaxConfigDepth = 64;

// Iterative, so that no nesting can overflow the stack here either.
void check_depth(const JsonValue& root, const fs::path& file) {
  std::vector<std::pair<const JsonValue*, std::size_t>> todo{{&root, 1}};
  while (!todo.empty()) {
    auto [v, depth] = todo.back();
    todo.pop_back();
    if (depth > kMaxConfigDepth)
      throw ConfigError(file.string() + ": nesting deeper than " + std::to_string(kMaxConfigDepth) +
                        " levels; a pipeline config needs a few");
    if (v->IsArray())
      for (const auto& item : v->GetArray()) todo.emplace_back(&item, depth + 1);
    else if (v->IsObject())
      for (const auto& m : v->GetObject()) todo.emplace_back(&m.value, depth + 1);
  }
}

void parse_strict(JsonDocument& doc, std::string_view text, const fs::path& file) {
  doc.Parse<rapidjson::kParseFullPrecisionFlag | rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    auto [line, column] = line_column(text, doc.GetErrorOffset());
    throw ConfigError(file.string() + ":" + std::to_string(line) + ":" + std::to_string(column) +
                      ": invalid JSON: " + rapidjson::GetParseError_En(doc.GetParseError()) +
                      " (configs are strict JSON: no comments, no trailing commas)");
  }
  check_depth(doc, file);
}

// ---- --set path=value -------------------------------------------------------

void apply_override(JsonDocument& doc, const std::string& arg, const fs::path& file) {
  std::size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set " + arg + ": expected KEY=VALUE, e.g. --set encoder.chunk_size=500");
  std::string path = arg.substr(0, eq);
  std::string text = arg.substr(eq + 1);

  JsonDocument parsed(&doc.GetAllocator());
  parsed.Parse<rapidjson::kParseIterativeFlag>(text.c_str(), text.size());
  JsonValue value;
  if (!parsed.HasParseError()) value.CopyFrom(parsed, doc.GetAllocator());
  else value.SetString(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), doc.GetAllocator());

  JsonValue* at = &doc;
  std::string pointer;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = path.find('.', start);
    std::string token = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (token.empty()) throw ConfigError("--set " + arg + ": empty key in '" + path + "'");
    bool last = dot == std::string::npos;
    if (at->IsArray()) {
      char* end = nullptr;
      unsigned long index = std::strtoul(token.c_str(), &end, 10);
      if (*end != '\0' || index > at->Size())
        fail(file, pointer, "--set " + arg + ": '" + token + "' is not an index of this array of " +
                                std::to_string(at->Size()) + " item(s)");
      if (index == at->Size()) {  // one past the end appends
        at->PushBack(JsonValue(last ? rapidjson::kNullType : rapidjson::kObjectType),
                     doc.GetAllocator());
      }
      at = &(*at)[static_cast<rapidjson::SizeType>(index)];
    } else {
      if (!at->IsObject())
        fail(file, pointer, "--set " + arg + ": cannot set '" + token + "' inside " + describe_json(*at));
      auto it = at->FindMember(token.c_str());
      if (it == at->MemberEnd()) {
        at->AddMember(JsonValue(token.c_str(), doc.GetAllocator()),
                      JsonValue(last ? rapidjson::kNullType : rapidjson::kObjectType),
                      doc.GetAllocator());
        it = at->FindMember(token.c_str());
      }
      at = &it->value;
    }
    pointer = pointer_append(pointer, token);
    if (last) break;
    start = dot + 1;
  }
  *at = value;
}

// ---- ${NAME} and ${NAME:-default} --------------------------------------------

// The text with every ${NAME} replaced; nothing (and the problem added)
// when one cannot be. Each value taken from the environment is a secret
// from here on.
std::optional<std::string> substitute(std::string_view text, const EnvLookup& env, const std::string& pointer,
                                      ConfigProblems& problems, Secrets& secrets) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {  // "$${" is a literal "${"
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      problems.add(pointer, "'${' without a closing '}' (write $${ for a literal ${)");
      return std::nullopt;
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::size_t dash = inner.find(":-");
    std::string name(inner.substr(0, dash));
    if (name.empty()) {
      problems.add(pointer, "empty variable name in '${" + std::string(inner) + "}'");
      return std::nullopt;
    }
    if (auto value = env(name)) {
      secrets.add(*value);
      out += *value;
    } else if (dash != std::string_view::npos) {
      out += inner.substr(dash + 2);
    } else {
      problems.add(pointer, "environment variable " + name + " is not set (set it, or write ${" + name +
                                ":-default} to give a default)");
      return std::nullopt;
    }
    i = close + 1;
  }
  return out;
}

// A string that cannot be substituted is left as it is, its problem added.
void substitute_all(JsonValue& v, JsonDocument::AllocatorType& allocator, const EnvLookup& env,
                    const std::string& pointer, ConfigProblems& problems, Secrets& secrets) {
  if (v.IsString()) {
    std::string_view text(v.GetString(), v.GetStringLength());
    if (text.find("${") == std::string_view::npos) return;
    if (auto replaced = substitute(text, env, pointer, problems, secrets))
      v.SetString(replaced->c_str(), static_cast<rapidjson::SizeType>(replaced->size()), allocator);
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
      substitute_all(v[i], allocator, env, pointer_append(pointer, std::to_string(i)), problems, secrets);
  } else if (v.IsObject()) {
    for (auto& m : v.GetObject())
      substitute_all(m.value, allocator, env, pointer_append(pointer, {m.name.GetString(), m.name.GetStringLength()}),
                     problems, secrets);
  }
}

// The credentials written in the config's strings (secrets.hpp): a string
// under a credential-like key, a URI's password, a token parameter.
// Iterative, as check_depth.
void collect_credentials(const JsonValue& root, Secrets& secrets) {
  std::vector<std::pair<const JsonValue*, std::string_view>> todo{{&root, {}}};
  while (!todo.empty()) {
    auto [v, key] = todo.back();
    todo.pop_back();
    if (v->IsString())
      secrets.add_credentials(key, {v->GetString(), v->GetStringLength()});
    else if (v->IsArray())
      for (const auto& item : v->GetArray()) todo.emplace_back(&item, key);
    else if (v->IsObject())
      for (const auto& m : v->GetObject()) todo.emplace_back(&m.value, std::string_view(m.name.GetString(), m.name.GetStringLength()));
  }
}

// "postgresql://...", "https://...", "file:...": a URI, not a file path.
// Only "scheme://" and "file:" count, so that a file named "a:b.csv" is
// still a path.
bool is_uri(std::string_view text) {
  if (text.rfind("file:", 0) == 0) return true;
  std::size_t colon = text.find("://");
  if (colon == 0 || colon == std::string_view::npos) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(text[0])) return false;
  for (char c : text.substr(0, colon))
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
  return true;
}

fs::path absolute_from(const fs::path& dir, const std::string& path) {
  if (path.empty() || path == "-") return path;  // "-": stdin/stdout by convention
  if (is_uri(path)) return path;
  fs::path p(path);
  return p.is_absolute() ? p : (dir / p).lexically_normal();
}

// The member `name` of an object, or nothing (also when `object` is not
// one: a config with problems is still read as far as it can be).
const JsonValue* find(const JsonValue& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// An entry whose "plugin" is not a name keeps an empty plugin: there is no
// plugin to check its keys against.
PluginConfig plugin_entry(const JsonValue* v, std::string pointer) {
  const JsonValue* name = v ? find(*v, "plugin") : nullptr;
  if (!name || !name->IsString() || name->GetStringLength() == 0) return {{}, std::move(pointer), {}};
  return {name->GetString(), std::move(pointer), to_text(*v)};
}

// Read with plain read(2): a stream's `<< rdbuf()` swallows a failed
// allocation and returns the text cut short, which then reads as JSON that
// ends early instead of "out of memory while reading the config".
std::string read_config_file(const fs::path& file) {
  const bool from_stdin = file == kConfigFromStdin;
  int fd = from_stdin ? STDIN_FILENO : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ConfigError(file.string() + ": cannot open the config file: " + std::strerror(errno));
  std::string text;
  struct stat st;
  try {
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) text.reserve(static_cast<std::size_t>(st.st_size));
    char block[1 << 16];
    for (;;) {
      ssize_t n = ::read(fd, block, sizeof block);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw ConfigError(file.string() + ": cannot read the config file: " + std::strerror(errno));
      if (n == 0) break;
      text.append(block, static_cast<std::size_t>(n));
    }
  } catch (...) {
    if (!from_stdin) ::close(fd);
    throw;
  }
  if (!from_stdin) ::close(fd);
  return text;
}

}  // namespace

std::string_view host_schema() { return kHostSchema; }

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

PipelineConfig load_pipeline_config(const fs::path& file, const std::vector<std::string>& overrides,
                                    const EnvLookup& env) {
  return parse_pipeline_config(read_config_file(file), file, overrides, env);
}

PipelineConfig read_pipeline_config(const fs::path& file, const std::vector<std::string>& overrides,
                                    const EnvLookup& env, ConfigProblems& problems) {
  return read_pipeline_config(read_config_file(file), file, overrides, env, problems);
}

PipelineConfig parse_pipeline_config(std::string_view text, const fs::path& file,
                                     const std::vector<std::string>& overrides, const EnvLookup& env) {
  ConfigProblems problems(file);
  PipelineConfig config = read_pipeline_config(text, file, overrides, env, problems);
  problems.throw_if_any(&config.secrets);
  return config;
}

PipelineConfig read_pipeline_config(std::string_view text, const fs::path& file,
                                    const std::vector<std::string>& overrides, const EnvLookup& env,
                                    ConfigProblems& problems) {
  JsonDocument doc;
  parse_strict(doc, text, file);
  if (!doc.IsObject()) fail(file, "", "a pipeline config is a JSON object, got " + describe_json(doc));
  for (const auto& o : overrides) apply_override(doc, o, file);
  if (!overrides.empty()) check_depth(doc, file);
  Secrets secrets;
  substitute_all(doc, doc.GetAllocator(), env, "", problems, secrets);
  collect_credentials(doc, secrets);

  JsonDocument schema;
  schema.Parse(kHostSchema.data(), kHostSchema.size());
  check_against_schema(schema, doc, "", problems, &secrets);

  // Read as far as the checks allow: a key with a problem keeps its default.
  auto good = [&](const JsonValue* v, const std::string& pointer) {
    return v && !problems.any_within(pointer);
  };
  PipelineConfig config;
  config.secrets = std::move(secrets);
  config.file = file;
  config.dir = file == kConfigFromStdin ? fs::current_path() : fs::absolute(file).parent_path();
  if (const auto* e = find(doc, "encoder"); good(e, "/encoder")) {
    if (const auto* v = find(*e, "chunk_size")) config.encoder.chunk_size = v->GetUint64();
    if (const auto* v = find(*e, "sample_size")) config.encoder.sample_size = v->GetUint64();
    if (const auto* v = find(*e, "flush_interval"))
      config.encoder.flush_interval = std::chrono::milliseconds(v->GetUint64());
    if (const auto* v = find(*e, "compression")) {
      std::string_view name = v->GetString();
      config.encoder.compression = name == "fast"       ? Compression::Fast
                                   : name == "ultra"    ? Compression::Ultra
                                   : name == "adaptive" ? Compression::Adaptive
                                                        : Compression::Balanced;
    }
    if (const auto* v = find(*e, "on_new_key"))
      config.encoder.on_new_key = std::string_view(v->GetString()) == "error" ? NewKeyPolicy::Error
                                                                              : NewKeyPolicy::Extend;
    if (const auto* v = find(*e, "self_contained")) config.encoder.self_contained = v->GetBool();
    if (const auto* v = find(*e, "tokenizer")) config.encoder.tokenizer = encoding_from_name(v->GetString());
    if (const auto* v = find(*e, "max_tokens")) config.encoder.max_tokens = v->GetUint64();
    if (const auto* v = find(*e, "max_bytes")) config.encoder.max_bytes = v->GetUint64();
    if (const auto* v = find(*e, "oversize"))
      config.encoder.oversize = parse_oversize(v->GetString()).value_or(OversizePolicy::Error);
    const auto* tokenizer = find(*e, "tokenizer");
    if (config.encoder.max_tokens > 0 && tokenizer && std::string_view(tokenizer->GetString()) == "none")
      problems.add("/encoder/max_tokens", "a budget in tokens needs a tokenizer, and encoder.tokenizer is none: "
                                          "set it to o200k_base or cl100k_base (or leave it out), or use max_bytes");
    else if (config.encoder.max_tokens > 0 && !Tokenizer::available(config.encoder.budget_encoding()))
      problems.add("/encoder/max_tokens", "a budget in tokens needs the " +
                                              std::string(encoding_name(config.encoder.budget_encoding())) +
                                              " rank file, which is not installed (docs/TOKENIZER.md: "
                                              "scripts/tokenizer/setup BUILD_DIR)");
  }
  if (const auto* q = find(doc, "queue"); good(q, "/queue"))
    if (const auto* v = find(*q, "capacity")) config.queue_capacity = v->GetUint64();
  config.source = plugin_entry(find(doc, "source"), "/source");
  if (const auto* sinks = find(doc, "sinks"); sinks && sinks->IsArray())
    for (rapidjson::SizeType i = 0; i < sinks->Size(); ++i)
      config.sinks.push_back(plugin_entry(&(*sinks)[i], "/sinks/" + std::to_string(i)));
  config.checkpoint.path =
      config.dir / (file == kConfigFromStdin ? std::string("stdin.checkpoint") : fs::path(file).filename().string() + ".checkpoint");
  if (const auto* c = find(doc, "checkpoint"); good(c, "/checkpoint")) {
    if (const auto* v = find(*c, "enabled")) config.checkpoint.enabled = v->GetBool();
    if (const auto* v = find(*c, "fsync")) config.checkpoint.fsync = v->GetBool();
    if (const auto* v = find(*c, "interval")) config.checkpoint.interval_seconds = v->GetDouble();
    if (const auto* v = find(*c, "path")) config.checkpoint.path = absolute_from(config.dir, v->GetString());
  }
  if (const auto* dirs = find(doc, "plugin_dirs"); good(dirs, "/plugin_dirs"))
    for (const auto& d : dirs->GetArray())
      config.plugin_dirs.push_back({absolute_from(config.dir, d.GetString()), "plugin_dirs in " + file.string()});
  return config;
}

std::string plugin_schema(const Plugin& plugin) {
  JsonDocument schema(rapidjson::kObjectType);
  auto& a = schema.GetAllocator();
  JsonValue properties(rapidjson::kObjectType), required(rapidjson::kArrayType);
  JsonValue plugin_key(rapidjson::kObjectType);
  plugin_key.AddMember("type", "string", a);
  properties.AddMember("plugin", plugin_key, a);
  for (const aton_option& o : plugin.options()) {
    JsonValue property(rapidjson::kObjectType);
    std::string_view type = o.type;
    property.AddMember("type", JsonValue(type == "path" ? "string" : o.type, a), a);
    if (o.description) property.AddMember("description", JsonValue(o.description, a), a);
    if (o.schema_json) {
      JsonDocument extra(&a);
      extra.Parse(o.schema_json);
      if (extra.HasParseError() || !extra.IsObject())
        throw PluginError("plugin '" + plugin.name() + "' (" + plugin.file().string() + "): option '" +
                          o.name + "' has a schema_json that is not a JSON object");
      for (auto& m : extra.GetObject()) {
        if (property.HasMember(m.name)) property.RemoveMember(m.name);
        property.AddMember(JsonValue(m.name, a), JsonValue(m.value, a), a);
      }
    }
    properties.AddMember(JsonValue(o.name, a), property, a);
    if (o.required) required.PushBack(JsonValue(o.name, a), a);
  }
  schema.AddMember("type", "object", a);
  schema.AddMember("properties", properties, a);
  if (!required.Empty()) schema.AddMember("required", required, a);
  schema.AddMember("additionalProperties", false, a);
  return to_text(schema);
}

std::string resolve_plugin_config(const Plugin& plugin, const PluginConfig& entry,
                                  const PipelineConfig& config) {
  ConfigProblems problems(config.file);
  std::string json = resolve_plugin_config(plugin, entry, config, problems);
  problems.throw_if_any(&config.secrets);
  return json;
}

std::string resolve_plugin_config(const Plugin& plugin, const PluginConfig& entry, const PipelineConfig& config,
                                  ConfigProblems& problems) {
  JsonDocument doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(entry.json.c_str(), entry.json.size());
  auto& a = doc.GetAllocator();
  // Defaults first, so the schema checks them too.
  for (const aton_option& o : plugin.options()) {
    if (!o.default_json || doc.HasMember(o.name)) continue;
    JsonDocument value(&a);
    value.Parse(o.default_json);
    if (value.HasParseError())
      throw PluginError("plugin '" + plugin.name() + "' (" + plugin.file().string() + "): option '" +
                        o.name + "' has a default that is not JSON: " + o.default_json);
    doc.AddMember(JsonValue(o.name, a), JsonValue(value, a), a);
  }
  std::string schema_text = plugin_schema(plugin);
  JsonDocument schema;
  schema.Parse(schema_text.c_str(), schema_text.size());
  std::size_t before = problems.size();
  check_against_schema(schema, doc, entry.pointer, problems, &config.secrets);
  if (problems.size() != before) return {};

  // A path option, or each path of a list of them (a source's list of
  // files), is taken from the config file's folder.
  auto make_absolute = [&](JsonValue& value) {
    if (!value.IsString()) return;
    std::string absolute = absolute_from(config.dir, value.GetString()).string();
    value.SetString(absolute.c_str(), static_cast<rapidjson::SizeType>(absolute.size()), a);
  };
  for (const aton_option& o : plugin.options()) {
    if (std::string_view(o.type) != "path") continue;
    auto it = doc.FindMember(o.name);
    if (it == doc.MemberEnd()) continue;
    if (it->value.IsArray())
      for (auto& item : it->value.GetArray()) make_absolute(item);
    else
      make_absolute(it->value);
  }
  doc.RemoveMember("plugin");
  return to_text(doc);
}

}  // namespace aton::host
