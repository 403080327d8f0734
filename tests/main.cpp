// The one Catch2 main of the suite.
//
// Every run warns about NoAssertions, as `--warn NoAssertions` would (Catch2
// v2 takes one --warn, and ctest passes `--warn NoTests`): a test case or
// section that asserted nothing fails, so a test that returned early can
// never pass. A test that cannot run here says so with skip_test()
// (support/skip.hpp).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  Catch::Session session;
  if (int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  auto& data = session.configData();
  data.warnings = static_cast<Catch::WarnAbout::What>(data.warnings | Catch::WarnAbout::NoAssertions);
  return session.run();
}
