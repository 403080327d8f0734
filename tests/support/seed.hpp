// The seed of a test that draws random choices: ATON_TEST_SEED when set (to
// replay a failure), else a fresh one. Either way it is printed on stderr
// before the test goes on, so that any run, failing or hanging, can be
// replayed with ATON_TEST_SEED=<seed>.
#pragma once

namespace aton::test {

unsigned test_seed();

}  // namespace aton::test
