#include "support/skip.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <exception>
#include <string_view>

namespace aton::test {

void skip_test(const std::string& why) {
  const char* strict = std::getenv("ATON_TEST_NO_SKIP");
  if (strict && std::string_view(strict) == "1")
    FAIL("this test cannot run here, and ATON_TEST_NO_SKIP=1 makes that a failure: " << why);
  FAIL(kSkipMarker << ' ' << why);
  std::terminate();  // not reached: FAIL throws
}

std::string postgres_uri() {
  const char* uri = std::getenv("ATON_TEST_PG_URI");
  if (!uri || !*uri)
    skip_test("ATON_TEST_PG_URI is not set: run the suite with scripts/test, which starts a throwaway "
              "PostgreSQL server (or: source scripts/lib/postgres.sh; aton_postgres_start)");
  return uri;
}

}  // namespace aton::test
