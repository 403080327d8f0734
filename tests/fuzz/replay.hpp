// Replays the inputs kept under tests/fuzz/<folder>/ (a seed corpus, or the
// crashes the fuzzers found, and fixed) through a fuzz target's body.
#pragma once

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace aton::fuzz {

// Returns how many inputs were replayed.
template <class Target>
std::size_t replay(const std::string& folder, Target target) {
  std::size_t count = 0;
  auto root = std::filesystem::path(ATON_SOURCE_DIR) / "tests/fuzz" / folder;
  if (!std::filesystem::is_directory(root)) return 0;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().filename() == "README") continue;
    std::string bytes = aton::test::read_file(entry.path());
    INFO(entry.path());
    target(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    ++count;
  }
  return count;
}

}  // namespace aton::fuzz
