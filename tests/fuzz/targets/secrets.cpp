// libFuzzer target: a config, its environment and overrides, and every
// message made of them: no value from the environment shows (secrets_target.hpp).
#include "fuzz/secrets_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  aton::fuzz::secrets_one(data, size);
  return 0;
}
