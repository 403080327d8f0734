// Replays every input kept under tests/fuzz/regressions/<target>/ (crashes
// the fuzzers found, and fixed) through the same code the fuzzers run.
#include "fuzz/core_targets.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace {

template <class Target>
std::size_t replay(const std::string& folder, Target target) {
  std::size_t count = 0;
  auto root = std::filesystem::path(ATON_SOURCE_DIR) / "tests/fuzz" / folder;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::string bytes = aton::test::read_file(entry.path());
    INFO(entry.path());
    target(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("kept fuzz inputs for the decoder decode or fail cleanly, and what decodes round-trips",
          "[fuzz][decoder]") {
  CHECK(replay("regressions/decode", aton::fuzz::decode_one) + replay("corpus/decode", aton::fuzz::decode_one) > 0);
}

TEST_CASE("kept fuzz inputs for JSON records round-trip through ATON", "[fuzz][roundtrip]") {
  CHECK(replay("regressions/roundtrip", aton::fuzz::roundtrip_one) + replay("corpus/roundtrip", aton::fuzz::roundtrip_one) > 0);
}
