// The one way a test says it cannot run here (no root to mount a tmpfs, no
// PostgreSQL server), so that it never shows as passed:
//
// - ctest reports it as skipped: the message starts with kSkipMarker, which
//   tests/CMakeLists.txt gives ctest as SKIP_REGULAR_EXPRESSION;
// - the Catch binary run by hand reports it as failed, with the reason
//   (Catch2 v2 has no skipped state);
// - with ATON_TEST_NO_SKIP=1 (scripts/test sets it) the message has no
//   marker, so ctest reports a failure: a run that sets it proves nothing
//   was skipped.
#pragma once

#include <string>

namespace aton::test {

inline constexpr const char* kSkipMarker = "ATON_TEST_SKIPPED:";

// Ends the running test case (it throws, like FAIL) saying `why`.
[[noreturn]] void skip_test(const std::string& why);

// The PostgreSQL server the suite's scripts/test starts (ATON_TEST_PG_URI),
// or a skip saying how to get one.
std::string postgres_uri();

}  // namespace aton::test
