// check_sink_paths(): two sinks of one config writing the same file would
// each rename its own output over the other's; a sink writing the
// checkpoint's file would be overwritten by the next checkpoint. Both are
// refused while the config is resolved, so `aton validate` says so too.
#include <aton/host/pipeline.hpp>

#include <aton/errors.hpp>

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace aton::host {

namespace {

// The options that name what a sink writes, by convention.
bool names_output(const aton_option& option) {
  std::string_view name = option.name;
  return std::string_view(option.type) == "path" && (name == "path" || name == "per_chunk");
}

// One spelling per file: absolute, "." and ".." resolved, and symlinks in
// the part that exists followed.
fs::path same_file_key(const fs::path& path) {
  std::error_code ec;
  fs::path key = fs::weakly_canonical(path, ec);
  return ec ? path.lexically_normal() : key;
}

}  // namespace

void check_sink_paths(const ResolvedPipeline& spec) {
  struct Written {
    fs::path key;
    std::string where;  // "/sinks/0/path"
  };
  std::vector<Written> written;
  if (spec.checkpoint.enabled && !why_not_resumable(spec))  // a checkpoint will be written there
    written.push_back({same_file_key(spec.checkpoint.path), "/checkpoint/path"});
  for (const auto& sink : spec.sinks) {
    rapidjson::Document config;
    config.Parse(sink.config_json.c_str(), sink.config_json.size());
    if (!config.IsObject()) continue;
    for (const aton_option& option : sink.plugin.options()) {
      if (!names_output(option)) continue;
      auto value = config.FindMember(option.name);
      if (value == config.MemberEnd() || !value->value.IsString() || value->value.GetStringLength() == 0) continue;
      std::string text = value->value.GetString();
      if (text == "-") continue;  // stdout
      Written here{same_file_key(text), sink.pointer + "/" + option.name};
      for (const auto& other : written)
        if (other.key == here.key)
          throw ConfigError(spec.config_file.string() + ": " + here.where + ": " + text +
                            " is the same file as " + other.where + " names: the two would overwrite each other; "
                            "give each its own path");
      written.push_back(std::move(here));
    }
  }
}

}  // namespace aton::host
