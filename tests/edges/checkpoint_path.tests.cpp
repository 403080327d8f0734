// Where a run would write, checked before it starts (issue 12, items 4, 5
// and 18): checkpoint.path never names a user's file, its folder must be
// writable, and no two sinks name the same file. `aton validate` and
// `aton run` refuse the same configs, with exit code 3.
#include "edges/checkpoint_runs.hpp"
#include "support/background_run.hpp"
#include "support/process.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

using namespace aton::test;
using namespace aton::test::edges;
using namespace aton::test::resume;
namespace fs = std::filesystem;

TEST_CASE("checkpoint.path naming a file that is not a checkpoint is refused before the run and the file is kept",
          "[edges][resume][config]") {
  TempDir dir;
  std::string input = records_json(kRecords);
  dir.write("users.json", input);
  dir.write("notes.txt", "my notes");
  auto config = dir.write("pipeline.json", config_json(R"({"plugin": "file", "path": "out.aton"})"));
  std::string config_text = read_file(config);
  for (const char* name : {"users.json", "pipeline.json", "notes.txt"}) {
    SECTION(name) {
      std::string before = read_file(dir / name);
      for (const char* command : {"run", "validate"}) {
        auto run = run_aton({command, config.string(), "--set", std::string("checkpoint.path=") + name});
        INFO(command << ": " << run.err);
        CHECK(run.exit_code == 3);
        CHECK_THAT(run.err, Catch::Contains((dir / name).string()) && Catch::Contains("not an aton checkpoint"));
      }
      CHECK(read_file(dir / name) == before);
      CHECK_FALSE(fs::exists(dir / "out.aton"));
    }
  }
  SECTION("a checkpoint a killed run left is an aton checkpoint: a new run may replace it") {
    auto slow = dir.write("pipeline.json", config_json(kSlowFileSinks));
    kill_after_checkpoint(slow, 2);
    auto run = run_aton({"run", slow.string(), "--progress=none"});
    INFO(run.err);
    CHECK(run.exit_code == 0);
    CHECK_FALSE(fs::exists(dir / "pipeline.json.checkpoint"));
  }
}

TEST_CASE("two sinks of one config writing the same file are refused by validate and by run", "[edges][config]") {
  TempDir dir;
  dir.write("users.json", records_json(100));
  // Called in each section, so that every section asserts (NoAssertions).
  auto check_refused = [&] {
    for (const char* command : {"validate", "run"}) {
      auto run = run_aton({command, (dir / "pipeline.json").string()});
      INFO(command << ": " << run.err);
      CHECK(run.exit_code == 3);
      CHECK_THAT(run.err, Catch::Contains("/sinks/0") && Catch::Contains("/sinks/") && Catch::Contains("same"));
    }
    CHECK_FALSE(fs::exists(dir / "out"));
    CHECK_FALSE(fs::exists(dir / "parts"));
  };
  SECTION("the same path written two ways") {
    dir.write("pipeline.json", config_json(R"({"plugin": "file", "path": "out/users.aton"},
                                              {"plugin": "stdout"},
                                              {"plugin": "file", "path": "out/../out/users.aton"})"));
    check_refused();
  }
  SECTION("the same per_chunk pattern") {
    dir.write("pipeline.json", config_json(R"({"plugin": "file", "per_chunk": "parts/p-{chunk_id}.aton"},
                                              {"plugin": "file", "per_chunk": "parts/p-{chunk_id}.aton"})"));
    check_refused();
  }
}

namespace {

// A folder no one may write in, root included: a read-only tmpfs mounted
// over it (as root), else a folder without write permission.
class ReadOnlyFolder {
 public:
  explicit ReadOnlyFolder(const fs::path& path) : path_(path) {
    fs::create_directories(path);
    if (::geteuid() == 0) {
      if (::mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY, "size=64k") != 0)
        skip_test("cannot mount a read-only tmpfs at " + path.string() + " (" + std::strerror(errno) + ")");
      mounted_ = true;
    } else {
      fs::permissions(path, fs::perms::owner_read | fs::perms::owner_exec);
    }
  }
  ~ReadOnlyFolder() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
    else fs::permissions(path_, fs::perms::owner_all);
  }

 private:
  fs::path path_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE("an unwritable checkpoint folder is refused before the run with no temporary file and no false hint",
          "[edges][resume][config]") {
  TempDir dir;
  dir.write("users.json", records_json(kRecords));
  auto config = dir.write("pipeline.json", config_json(R"({"plugin": "file", "path": "out/users.aton"})",
                                                       R"({"interval": 0, "path": "state/run.checkpoint"})"));
  ReadOnlyFolder state(dir / "state");
  for (const char* command : {"run", "validate"}) {
    auto run = run_aton({command, config.string()});
    INFO(command << ": " << run.err);
    CHECK(run.exit_code == 3);
    CHECK_THAT(run.err, Catch::Contains((dir / "state").string()) && Catch::Contains("checkpoint.path"));
    CHECK_THAT(run.err, !Catch::Contains("holds the chunks"));
  }
  CHECK((!fs::exists(dir / "out") || names_in(dir / "out").empty()));
}
