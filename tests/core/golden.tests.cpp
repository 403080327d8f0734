// Golden files: the exact text `aton encode` writes for a known input, per
// mode, so that any change to the format shows in review.
// Regenerate with ATON_UPDATE_GOLDEN=1 after a deliberate change.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

TEST_CASE("aton encode matches the golden files for every mode", "[cli][golden]") {
  std::string input = std::string(ATON_SOURCE_DIR) + "/examples/data/employees.json";
  bool update = std::getenv("ATON_UPDATE_GOLDEN") != nullptr;
  for (const char* mode : {"fast", "balanced", "ultra", "adaptive"}) {
    std::string golden = std::string(ATON_TEST_DATA) + "/golden/employees." + mode + ".aton";
    auto r = aton::test::run_aton({"encode", input, "--chunk-size", "8", "--compression", mode});
    REQUIRE(r.exit_code == 0);
    if (update) std::ofstream(golden, std::ios::binary) << r.out;
    INFO("golden file " << golden);
    CHECK(r.out == aton::test::read_file(golden));
  }
}
