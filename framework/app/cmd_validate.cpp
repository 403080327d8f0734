// `aton validate CONFIG`: checks a pipeline config without running it.
#include "command.hpp"
#include "config_command.hpp"
#include "exit_codes.hpp"
#include "messages.hpp"

#include <aton/errors.hpp>
#include <aton/host/config_problems.hpp>
#include <aton/host/pipeline.hpp>
#include <aton/host/pipeline_config.hpp>
#include <aton/host/plugin_library.hpp>

#include <iostream>

namespace aton::app {
namespace {

constexpr const char* kHelp = R"(Usage: aton validate CONFIG [--set KEY=VALUE ...]

Checks a pipeline config as `aton run` does before it starts anything, and
starts nothing: strict JSON, ${NAME} variables, the host's keys, that every
plugin is found and loads, every plugin's keys against the options it
declares, and each plugin's own check (ABI 1.3: a sql source with both
"query" and "table", an input file that does not exist, an http url without
a scheme, a per_chunk name without {chunk_id}, ...). Lists every problem
found, one line each: the file, the JSON pointer, what is wrong and, for a
misspelt key, the key it probably meant. Values from the environment are
not shown. What `aton validate` accepts, `aton run` does not refuse before
its first record, and what it refuses, `aton run` refuses too, with the
same exit code.

Loading a plugin runs its code: validate only configs you trust, since the
plugins their plugin_dirs hold are loaded too (docs/CONFIG.md).

Options:
)";

constexpr const char* kExamples = R"(
Examples:
  aton validate examples/pipeline.json
  aton validate pipeline.json --set queue.capacity=8

Exit codes: 0 valid, 2 bad arguments, 3 invalid config (every problem
listed), 5 plugin not found or refused (and nothing else wrong).
)";

int run_validate(int argc, char** argv) {
  ConfigCommandLine args;
  if (auto done = parse_config_command(argc, argv, "validate", kHelp, kExamples, {}, args)) return *done;
  try {
    host::PluginCatalog catalog;
    host::ResolvedPipeline spec = host::prepare_pipeline(args.config, args.overrides, catalog);
    std::cout << args.config << ": valid: source '" << spec.source.plugin.name() << "', "
              << spec.sinks.size() << (spec.sinks.size() == 1 ? " sink" : " sinks");
    for (std::size_t i = 0; i < spec.sinks.size(); ++i)
      std::cout << (i ? ", '" : " '") << spec.sinks[i].plugin.name() << "'";
    std::cout << ", chunk_size " << spec.encoder.chunk_size << ", compression "
              << compression_name(spec.encoder.compression) << ", queue capacity " << spec.queue_capacity
              << "\n";
    return kExitOk;
  } catch (const host::InvalidConfig& e) {
    for (const auto& line : e.lines()) print_error("validate", line);
    if (e.lines().size() > 1)
      print_error("validate", args.config + ": " + std::to_string(e.lines().size()) + " problems");
    return kExitInvalidConfig;
  } catch (const ConfigError& e) {
    print_error("validate", e.what());
    return kExitInvalidConfig;
  } catch (const PluginError& e) {
    print_error("validate", e.what());
    return kExitPluginError;
  } catch (const std::exception& e) {
    print_error("validate", e.what());
    return kExitInvalidConfig;
  }
}

const CommandRegistration registration{"validate", "check a pipeline config without running it", 40,
                                       &run_validate};

}  // namespace
}  // namespace aton::app
