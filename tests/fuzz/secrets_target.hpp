// The body of the fuzz target for secrets (targets/secrets.cpp), shared by
// the libFuzzer binary (scripts/fuzz) and the regression test that replays
// the inputs kept in tests/fuzz/. The promise it holds the host to: no value
// taken from the environment ever appears in a message, whatever the config,
// the overrides and the values are.
//
// The input:
//   NAME=VALUE           lines: the environment (VALUE any bytes but a line feed)
//   --config
//   {...}                the config's text
//   --set                optional; then one --set argument a line
//
// It loads the config with that environment (substitution, overrides, the
// host's schema); a ConfigError's text must reveal no value taken. A config
// that loads has each plugin entry checked against a schema that refuses
// most strings (so its errors quote them), and the entry's text, the error
// and the fuzz input itself go through Secrets::shown() as a message would:
// none may reveal a value taken (as it is, JSON-escaped or escaped as
// printable() does), and each must be printable. The oracle's escapes are
// RapidJSON's and the core's, not the scrubber's own.
#pragma once

#include "fuzz/core_targets.hpp"

#include <aton/errors.hpp>
#include <aton/host/config_schema.hpp>
#include <aton/host/pipeline_config.hpp>
#include <aton/host/secrets.hpp>
#include <aton/printable.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace aton::fuzz {

namespace secrets_detail {

// The forms a message could show `value` in, escaped by other code than
// the scrubber's: as it is, inside a JSON string, made printable.
inline std::vector<std::string> forms_of(const std::string& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  std::string json(buffer.GetString(), buffer.GetSize());
  std::vector<std::string> forms{value, printable(value)};
  if (json.size() >= 2) forms.push_back(json.substr(1, json.size() - 2));
  return forms;
}

inline void check_hidden(const std::string& message, const std::set<std::string>& taken, const char* where) {
  for (const auto& value : taken) {
    if (value.size() < host::Secrets::kMinLength) continue;
    for (const auto& form : forms_of(value))
      if (form.size() >= host::Secrets::kMinLength && message.find(form) != std::string::npos)
        broken(where, "the value '" + value + "' shows in: " + message);
  }
}

}  // namespace secrets_detail

inline void secrets_one(const std::uint8_t* data, std::size_t size) {
  using secrets_detail::check_hidden;
  std::string_view all(reinterpret_cast<const char*>(data), size);
  std::size_t config_at = all.find("--config\n");
  if (config_at == std::string_view::npos) return;
  std::map<std::string, std::string> environment;
  for (std::string_view head = all.substr(0, config_at); !head.empty();) {
    std::size_t end = head.find('\n');
    std::string_view line = head.substr(0, end);
    if (std::size_t eq = line.find('='); eq != std::string_view::npos && environment.size() < 16)
      environment.emplace(line.substr(0, eq), line.substr(eq + 1));
    head = end == std::string_view::npos ? std::string_view() : head.substr(end + 1);
  }
  std::string_view text = all.substr(config_at + 9);
  std::vector<std::string> overrides;
  if (std::size_t at = text.find("\n--set\n"); at != std::string_view::npos) {
    std::string_view rest = text.substr(at + 7);
    text = text.substr(0, at);
    while (!rest.empty() && overrides.size() < 8) {
      std::size_t end = rest.find('\n');
      overrides.emplace_back(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  }
  std::set<std::string> taken;  // the values the loader took from the environment
  auto env = [&](const std::string& name) -> std::optional<std::string> {
    auto it = environment.find(name);
    if (it == environment.end()) return std::nullopt;
    taken.insert(it->second);
    return it->second;
  };

  host::PipelineConfig config;
  try {
    config = host::parse_pipeline_config(text, "/fuzz/pipeline.json", overrides, env);
  } catch (const ConfigError& e) {
    check_hidden(e.what(), taken, "a config error shows a value from the environment");
    return;
  }
  const host::Secrets& secrets = config.secrets;
  // Strings must be "fast" or "balanced": every other string is quoted by
  // the error, unless it holds a secret.
  static const char* kSchema =
      R"({"type": "object", "additionalProperties": {"type": "string", "enum": ["fast", "balanced"]}})";
  host::JsonDocument schema;
  schema.Parse(kSchema);
  std::vector<const host::PluginConfig*> entries{&config.source};
  for (const auto& s : config.sinks) entries.push_back(&s);
  for (const auto* entry : entries) {
    host::JsonDocument doc;
    doc.Parse(entry->json.c_str(), entry->json.size());
    std::string message = "plugin entry " + entry->json;
    try {
      host::validate_against_schema(schema, doc, "/fuzz/pipeline.json", entry->pointer, &secrets);
    } catch (const ConfigError& e) {
      message += std::string(" refused: ") + e.what();
    }
    std::string shown = secrets.shown(message);
    check_hidden(shown, taken, "a message shows a value from the environment");
    if (!is_printable(shown)) broken("a shown message is not printable", shown);
  }
  std::string shown = secrets.shown(all);
  check_hidden(shown, taken, "the fuzz input, shown, still shows a value from the environment");
  if (!is_printable(shown)) broken("a shown message is not printable", shown);
}

}  // namespace aton::fuzz
