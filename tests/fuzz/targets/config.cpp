// libFuzzer target: the host's pipeline config loader (see plugin_targets.hpp).
#include "plugin_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  aton::fuzz::config_one(data, size);
  return 0;
}
