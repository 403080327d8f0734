// Golden files: the exact text `aton encode` writes for a known input, per
// mode, so that any change to the format shows in review.
//
// A difference fails the test. ATON_UPDATE_GOLDEN=1 (exactly "1") rewrites
// the files that differ after a deliberate change, and still fails, naming
// them: an update is never a silent pass, so a run with the variable left
// set cannot hide a change. Run again without it to see the test pass.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <vector>

TEST_CASE("aton encode matches the golden files for every mode", "[cli][golden]") {
  std::string input = std::string(ATON_SOURCE_DIR) + "/examples/data/employees.json";
  const char* update_env = std::getenv("ATON_UPDATE_GOLDEN");
  const bool update = update_env && std::string_view(update_env) == "1";
  std::vector<std::string> rewritten;
  for (const char* mode : {"fast", "balanced", "ultra", "adaptive"}) {
    std::string golden = std::string(ATON_TEST_DATA) + "/golden/employees." + mode + ".aton";
    auto r = aton::test::run_aton({"encode", input, "--chunk-size", "8", "--compression", mode});
    REQUIRE(r.exit_code == 0);
    INFO("golden file " << golden);
    std::string expected = std::filesystem::exists(golden) ? aton::test::read_file(golden) : "";
    if (update && r.out != expected) {
      std::ofstream(golden, std::ios::binary) << r.out;
      rewritten.push_back(golden);
      continue;
    }
    CHECK(r.out == expected);
  }
  if (!rewritten.empty())
    FAIL("ATON_UPDATE_GOLDEN=1 rewrote " << Catch::rangeToString(rewritten)
                                        << ": review the difference, then run again without it");
}
