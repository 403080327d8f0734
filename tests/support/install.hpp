// `cmake --install` of the build tree into a temporary prefix, for the tests
// that build against, or run, an installed aton as a user would.
// Header-only: only *.tests.cpp and support/*.cpp are compiled.
#pragma once

#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>

namespace aton::test {

inline void install_build_tree(const std::filesystem::path& prefix) {
  ProcessOptions slow;
  slow.timeout = std::chrono::minutes(5);
  auto install = run_process({"cmake", "--install", ATON_BUILD_DIR, "--prefix", prefix.string()}, slow);
  INFO(install.out << install.err);
  REQUIRE(install.exit_code == 0);
  CHECK(std::filesystem::exists(prefix / "bin/aton"));
}

}  // namespace aton::test
