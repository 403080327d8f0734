#include "support/seed.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

namespace aton::test {

unsigned test_seed() {
  unsigned seed = 0;
  const char* given = std::getenv("ATON_TEST_SEED");
  if (given && *given) {
    try {
      seed = static_cast<unsigned>(std::stoul(given));
    } catch (const std::exception&) {
      FAIL("ATON_TEST_SEED must be a number, not '" << given << "'");
    }
  } else {
    seed = std::random_device{}();
  }
  std::cerr << Catch::getResultCapture().getCurrentTestName() << ": seed " << seed
            << " (replay with ATON_TEST_SEED=" << seed << ")\n";
  return seed;
}

}  // namespace aton::test
