/* test_abi99: a plugin built for a future, incompatible ABI (major 99).
 * Written in plain C with the descriptor defined by hand, as a plugin from
 * another toolchain would be; the host must refuse it naming both versions
 * and never call anything but the entry point. */
#include <aton/plugin.h>

static const aton_plugin_descriptor descriptor = {
    99, 0, sizeof(aton_plugin_descriptor), ATON_PLUGIN_SINK,
    "test_abi99", "9.9.9", "A plugin for ABI 99.", NULL, 0, NULL, NULL, {0}};

ATON_PLUGIN_EXPORT const aton_plugin_descriptor* aton_plugin_entry(void) { return &descriptor; }
