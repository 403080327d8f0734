// libFuzzer target: the ATON decoder (see core_targets.hpp).
#include "core_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  aton::fuzz::decode_one(data, size);
  return 0;
}
