#include <aton/host/plugin_check.hpp>

#include <rapidjson/document.h>

#include <vector>

namespace aton::host {

namespace {

// What check() may call: a log that goes nowhere (nothing runs yet, and
// `aton validate` has no run to log for) and a run that is never cancelled.
const aton_host_api* quiet_host() {
  static const aton_host_api api = {
      sizeof(aton_host_api), nullptr, [](void*, aton_log_level, const char*) {}, [](void*) { return 0; }};
  return &api;
}

// Plenty for any list a plugin makes; plugin.h promises at least 16 KiB.
constexpr std::size_t kProblemsBytes = 64 * 1024;

}  // namespace

bool can_check(const Plugin& plugin) noexcept {
  const aton_plugin_descriptor& d = plugin.descriptor();
  if (d.abi_minor < 3) return false;
  return d.source ? d.source->check != nullptr : d.sink && d.sink->check != nullptr;
}

void check_plugin_config(const Plugin& plugin, const std::string& config_json, const std::string& pointer,
                         ConfigProblems& problems) {
  if (!can_check(plugin)) return;
  const aton_plugin_descriptor& d = plugin.descriptor();
  aton_check_fn check = d.source ? d.source->check : d.sink->check;
  std::vector<char> buffer(kProblemsBytes, '\0');
  aton_status rc = check(quiet_host(), config_json.data(), config_json.size(), buffer.data(), buffer.size());
  if (rc == ATON_OK) return;
  buffer.back() = '\0';
  std::string text = buffer.data();

  rapidjson::Document list;
  list.Parse(text.c_str(), text.size());
  std::size_t added = 0;
  if (!list.HasParseError() && list.IsArray()) {
    for (const auto& item : list.GetArray()) {
      if (!item.IsObject()) continue;
      auto at = item.FindMember("pointer");
      auto message = item.FindMember("message");
      if (message == item.MemberEnd() || !message->value.IsString()) continue;
      std::string inner = at != item.MemberEnd() && at->value.IsString() ? at->value.GetString() : "";
      if (!inner.empty() && inner[0] != '/') inner = "/" + inner;  // a bare key, leniently
      problems.add(pointer + inner, message->value.GetString());
      ++added;
    }
  }
  // A refusal always shows, even one the plugin did not put in words.
  if (added == 0)
    problems.add(pointer, text.empty() || text == "[]" ? "plugin '" + plugin.name() + "' refused its config "
                                                         "without saying why (its check() gave no problem)"
                                                       : text);
}

}  // namespace aton::host
