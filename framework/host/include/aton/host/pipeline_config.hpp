// A pipeline config: a JSON file naming a source, the encoder's settings,
// the queues and one or more sinks. docs/CONFIG.md documents every key.
//
//   {"source": {"plugin": "csv", "path": "users.csv", "table": "users"},
//    "encoder": {"chunk_size": 1000, "compression": "balanced"},
//    "queue": {"capacity": 4},
//    "sinks": [{"plugin": "file", "path": "out/users.aton"}, {"plugin": "stdout"}]}
//
// Loading is in two steps, because a plugin's keys can only be checked once
// the plugin is found:
//  1. load_pipeline_config(): strict JSON, then `--set` overrides, then
//     ${NAME} / ${NAME:-default} from the environment in every string, then
//     the host's keys against the host's schema.
//  2. resolve_plugin_config(): one plugin's keys against the schema built
//     from its declared options; fills defaults, makes "path" options
//     absolute (relative to the config's folder), drops "plugin".
// Every error is a ConfigError "<file>: <JSON pointer>: <problem>", with
// the config's secrets scrubbed from it (secrets.hpp); the config's own
// mistakes come as one InvalidConfig listing every problem of the step. The
// variants taking ConfigProblems add the problems instead and go on, so that
// prepare_pipeline() (pipeline.hpp) can list the host's and every plugin's
// problems together.
#pragma once

#include <aton/encoder_options.hpp>
#include <aton/host/config_problems.hpp>
#include <aton/host/plugin_library.hpp>
#include <aton/host/secrets.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton::host {

// One "source" or "sinks" entry before its plugin's keys are checked.
struct PluginConfig {
  std::string plugin;   // the "plugin" key; empty when it is not a name (read_pipeline_config)
  std::string pointer;  // where it sits: "/source", "/sinks/1"
  std::string json;     // the whole object, after overrides and substitution
};

// The "checkpoint" key: where and how resumable runs record their progress
// (docs/CONFIG.md; the mechanics are in checkpoint.hpp).
struct CheckpointOptions {
  bool enabled = true;          // false: no checkpoint is written
  std::filesystem::path path;   // absolute; default: "<config file>.checkpoint" (stdin.checkpoint for stdin)
  bool fsync = false;           // fsync the checkpoint (and its folder) on every write
  // The least time between two checkpoint writes; 0: after every chunk. A
  // run that stops (a signal, a sink failing) writes its newest one anyway.
  double interval_seconds = 1.0;
};

struct PipelineConfig {
  std::filesystem::path file;  // the config file (as given) and its folder
  std::filesystem::path dir;
  EncoderOptions encoder;
  std::size_t queue_capacity = 4;
  PluginConfig source;
  std::vector<PluginConfig> sinks;
  std::vector<PluginDir> plugin_dirs;  // absolute
  CheckpointOptions checkpoint;
  // Every value taken from the environment and every credential written in
  // the config: what nothing printed or stored may show.
  Secrets secrets;
};

// Looks up an environment variable; nothing when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_environment();

// The config file name that means standard input (`aton run -`): its text
// is read from there, its relative paths are relative to the working
// directory, and its default checkpoint is stdin.checkpoint there.
inline const std::filesystem::path kConfigFromStdin = "-";

// Step 1. `overrides` are `--set` arguments: "encoder.chunk_size=500",
// "sinks.0.path=out.aton" (the value is JSON if it parses, else a string).
PipelineConfig load_pipeline_config(const std::filesystem::path& file,
                                    const std::vector<std::string>& overrides = {},
                                    const EnvLookup& env = process_environment());

// The same, from text (tests, stdin); `file` names it in messages and
// anchors relative paths.
PipelineConfig parse_pipeline_config(std::string_view text, const std::filesystem::path& file,
                                     const std::vector<std::string>& overrides = {},
                                     const EnvLookup& env = process_environment());

// Step 1 adding the config's mistakes (the host's keys, ${NAME}) to
// `problems` and returning what could be read: a key with a problem keeps
// its default, an entry whose "plugin" is not a name has an empty plugin.
// Still throws ConfigError for what stops the reading itself: the file
// cannot be read, is not JSON or not an object, or a `--set` is malformed.
PipelineConfig read_pipeline_config(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                                    const EnvLookup& env, ConfigProblems& problems);
PipelineConfig read_pipeline_config(std::string_view text, const std::filesystem::path& file,
                                    const std::vector<std::string>& overrides, const EnvLookup& env,
                                    ConfigProblems& problems);

// Step 2: the JSON the plugin's create() receives.
std::string resolve_plugin_config(const Plugin& plugin, const PluginConfig& entry,
                                  const PipelineConfig& config);
// The same adding the problems of the plugin's keys to `problems`; returns
// "" when there is any.
std::string resolve_plugin_config(const Plugin& plugin, const PluginConfig& entry, const PipelineConfig& config,
                                  ConfigProblems& problems);

// The JSON Schema a plugin's options declare (also shown by
// `aton plugins --describe`).
std::string plugin_schema(const Plugin& plugin);

// The host's own JSON Schema.
std::string_view host_schema();

}  // namespace aton::host
