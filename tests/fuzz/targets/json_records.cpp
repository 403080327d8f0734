// libFuzzer target: the json source's streaming record reader (see plugin_targets.hpp).
#include "plugin_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  aton::fuzz::json_records_one(data, size);
  return 0;
}
