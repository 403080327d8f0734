// The core library as a user gets it: install aton into a temporary prefix,
// then build the README's C++ example (examples/library, whose source the
// README shows verbatim) outside the tree against that install only, once
// with find_package(Aton) and once with pkg-config, and run both.
#include "sinks/sink_test_helpers.hpp"
#include "support/install.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace aton::test;
using namespace aton::test::sinks;
namespace fs = std::filesystem;

namespace {

const fs::path kExample = fs::path(ATON_SOURCE_DIR) / "examples/library";

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// The example's output is its chunks, one after another: they decode to its input.
void require_encodes(const fs::path& program, const std::string& records_json) {
  auto run = run_process({program.string()}, with_input("{\"users\": " + records_json + "}"));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  // Three chunks of up to 100 records: the first, then two continuations.
  std::size_t continuations = 0;
  for (auto at = run.out.find("users+("); at != std::string::npos; at = run.out.find("users+(", at + 1))
    ++continuations;
  CHECK(continuations == 2);
  require_decodes_to(run.out, records_json);
}

}  // namespace

TEST_CASE("the README's C++ example builds against the installed library with find_package and with pkg-config",
          "[packaging][library]") {
  TempDir dir;
  const fs::path prefix = dir / "prefix";
  const ProcessOptions slow = with_timeout(std::chrono::minutes(5));
  install_build_tree(prefix);
  CHECK(fs::exists(prefix / "lib/libaton.a"));
  CHECK(fs::exists(prefix / "lib/cmake/Aton/AtonConfig.cmake"));
  CHECK(fs::exists(prefix / "lib/cmake/Aton/AtonConfigVersion.cmake"));
  CHECK(fs::exists(prefix / "lib/pkgconfig/aton.pc"));
  const std::string source = read_file(kExample / "encode_records.cpp");

  SECTION("the README shows the example's source as it is") {
    CHECK(read_file(fs::path(ATON_SOURCE_DIR) / "README.md").find("```cpp\n" + source + "```\n") !=
          std::string::npos);
  }

  SECTION("every public header is installed and compiles on its own with the installed headers only") {
    std::vector<std::string> compile{"c++", "-std=c++20", "-fsyntax-only", "-I", (prefix / "include").string()};
    for (const auto& entry : fs::directory_iterator(fs::path(ATON_SOURCE_DIR) / "framework/core/include/aton")) {
      const std::string header = entry.path().filename().string();
      INFO(header);
      CHECK(fs::exists(prefix / "include/aton" / header));
      compile.push_back(dir.write("include_" + entry.path().stem().string() + ".cpp",
                                  "#include <aton/" + header + ">\n").string());
    }
    auto check = run_process(compile, slow);
    INFO(check.err);
    CHECK(check.exit_code == 0);
  }

  SECTION("with find_package(Aton)") {
    const fs::path build = dir / "cmake-build";
    auto configure = run_process({"cmake", "-S", kExample.string(), "-B", build.string(),
                                  "-DCMAKE_PREFIX_PATH=" + prefix.string()}, slow);
    INFO(configure.out << configure.err);
    REQUIRE(configure.exit_code == 0);
    // Found in the temporary prefix, not in a copy installed elsewhere on the machine.
    CHECK(read_file(build / "CMakeCache.txt").find("Aton_DIR:PATH=" + (prefix / "lib/cmake/Aton").string()) !=
          std::string::npos);
    auto compile = run_process({"cmake", "--build", build.string()}, slow);
    INFO(compile.out << compile.err);
    REQUIRE(compile.exit_code == 0);
    require_encodes(build / "encode_records", users_json(250));
  }

  SECTION("with pkg-config") {
    ProcessOptions only_prefix = slow;
    only_prefix.env = {{"PKG_CONFIG_LIBDIR", (prefix / "lib/pkgconfig").string()}, {"PKG_CONFIG_PATH", ""}};
    auto flags = run_process({"pkg-config", "--cflags", "--libs", "aton"}, only_prefix);
    INFO(flags.err);
    REQUIRE(flags.exit_code == 0);
    CHECK(flags.out.find(prefix.string()) != std::string::npos);
    auto version = run_process({"pkg-config", "--modversion", "aton"}, only_prefix);
    CHECK(version.out == ATON_VERSION "\n");

    const fs::path program = dir / "pkg-config-encode_records";
    std::vector<std::string> compile{"c++", "-std=c++20", (kExample / "encode_records.cpp").string(), "-o",
                                     program.string()};
    for (auto& w : words(flags.out)) compile.push_back(w);
    auto built = run_process(compile, slow);
    INFO(built.err);
    REQUIRE(built.exit_code == 0);
    require_encodes(program, users_json(250));
  }
}
