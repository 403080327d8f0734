// per_chunk file names (issue 12, item 24): {chunk_id} is zero-padded to a
// fixed width (docs/sinks.md), so a shell glob lists the parts in chunk order.
#include "sinks/sink_test_helpers.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <glob.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

using namespace aton::test;
using namespace aton::test::sinks;
namespace fs = std::filesystem;

TEST_CASE("per_chunk names hold the chunk id in 6 digits so a shell glob lists the parts in chunk order",
          "[edges][sinks][file]") {
  TempDir dir;
  std::string input = users_json(120);
  dir.write("users.json", input);
  auto config = dir.write("pipeline.json", pipeline_json(
      R"([{"plugin": "file", "per_chunk": "parts/part-{chunk_id}.aton"}, {"plugin": "file", "path": "whole.aton"}])",
      10));  // 12 chunks: part 10 and 11 sort before part 2 unless padded
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);

  std::vector<std::string> expected;
  for (int i = 0; i < 12; ++i) {
    std::string id = std::to_string(i);
    expected.push_back("part-" + std::string(6 - id.size(), '0') + id + ".aton");
  }
  CHECK(file_names(dir / "parts") == expected);

  // What `cat parts/part-*.aton` would read: glob(3) sorts like the shell.
  glob_t found{};
  REQUIRE(::glob((dir / "parts/part-*.aton").c_str(), 0, nullptr, &found) == 0);
  std::string joined;
  for (std::size_t i = 0; i < found.gl_pathc; ++i) joined += (i ? "\n" : "") + read_file(found.gl_pathv[i]);
  ::globfree(&found);
  CHECK(joined == read_file(dir / "whole.aton"));
  require_decodes_to(joined, input);
}
