// libFuzzer target: the csv source's RFC 4180 reader and field typing (see plugin_targets.hpp).
#include "plugin_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  aton::fuzz::csv_one(data, size);
  return 0;
}
