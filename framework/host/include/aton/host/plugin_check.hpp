// Asking a plugin whether it would accept its config, without starting it
// (ABI 1.3 check(); plugins/sdk/include/aton/plugin.h has the contract).
//
// A plugin built for ABI 1.2 or older, or one that leaves check NULL, is not
// asked: its slot is reserved (anything may be there), and its create()
// still refuses what it refuses, as before.
#pragma once

#include <aton/host/config_problems.hpp>
#include <aton/host/plugin_library.hpp>

#include <string>

namespace aton::host {

// Whether the plugin answers check() (ABI 1.3 and a non-NULL slot).
bool can_check(const Plugin& plugin) noexcept;

// Calls the plugin's check() on `config_json` (what create() would receive)
// and adds each problem it reports to `problems`, at `pointer` (the entry's
// place: "/sinks/1") followed by the plugin's own pointer. Adds nothing for
// a plugin that cannot check. Never calls create().
void check_plugin_config(const Plugin& plugin, const std::string& config_json, const std::string& pointer,
                         ConfigProblems& problems);

}  // namespace aton::host
