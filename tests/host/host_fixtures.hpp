// Shared by the host's tests: where the test plugins are, and running the
// real `aton` with them on its plugin path.
#pragma once

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <string>
#include <vector>

namespace aton::test {

inline std::string test_plugin_dir() { return ATON_TEST_PLUGIN_DIR; }

// `aton` with the test plugins on ATON_PLUGIN_PATH.
inline ProcessResult run_aton_with_test_plugins(const std::vector<std::string>& args,
                                                ProcessOptions options = {}) {
  options.env["ATON_PLUGIN_PATH"] = test_plugin_dir();
  return run_aton(args, options);
}

}  // namespace aton::test
