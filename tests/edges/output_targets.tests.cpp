// What `aton encode -o`, `aton decode -o`, the file sink and the checkpoint
// writer do to the path they are given (issue 12, items 2 and 3): a FIFO or
// a device is written through and stays what it is; a symlink is followed
// and the file it points to is replaced; a temporary file never follows a
// symlink planted at its name.
//
// The device is one this test makes (mknod of /dev/null's numbers inside a
// temporary folder): the machine's own /dev/null is never named.
#include "sinks/sink_test_helpers.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

using namespace aton::test;
using namespace aton::test::sinks;
namespace fs = std::filesystem;

namespace {

// The read end of a FIFO made at `path`, opened without waiting for a
// writer, so a writer's open() succeeds at once and nothing blocks.
class FifoReader {
 public:
  explicit FifoReader(const fs::path& path) {
    REQUIRE(::mkfifo(path.c_str(), 0644) == 0);
    fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(fd_ >= 0);
  }
  ~FifoReader() { ::close(fd_); }
  FifoReader(const FifoReader&) = delete;
  FifoReader& operator=(const FifoReader&) = delete;

  // What writers have put in so far (they have exited: nothing more comes).
  std::string drain() {
    std::string out;
    char buffer[4096];
    for (int i = 0; i < 100000; ++i) {  // bounded: 400 MB at most
      ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
};

mode_t kind_of(const fs::path& path) {
  struct stat st;
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & S_IFMT;
}

// A character device with /dev/null's numbers, made inside the test's folder.
void make_null_device(const fs::path& path) {
  if (::mknod(path.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0)
    FAIL("cannot make a character device with mknod (" << std::strerror(errno) << "): this test needs root");
}

bool is_null_device(const fs::path& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

// The names in `folder` that look like temporary files (".NAME.tmp-...").
std::vector<std::string> temporary_files(const fs::path& folder) {
  std::vector<std::string> out;
  for (const auto& name : file_names(folder))
    if (name.find(".tmp") != std::string::npos) out.push_back(name);
  return out;
}

// `aton encode` or `aton decode` of the test's input, to stdout: what -o must write.
struct Command {
  const char* name;
  std::vector<std::string> args;  // without -o
};

std::vector<Command> commands(const TempDir& dir) {
  std::string input = users_json(60);
  dir.write("users.json", input);
  auto encoded = run_aton({"encode", (dir / "users.json").string()});
  REQUIRE(encoded.exit_code == 0);
  dir.write("users.aton", encoded.out);
  return {{"encode", {"encode", (dir / "users.json").string()}},
          {"decode", {"decode", (dir / "users.aton").string()}}};
}

std::vector<std::string> with_output(std::vector<std::string> args, const fs::path& output) {
  args.push_back("-o");
  args.push_back(output.string());
  return args;
}

}  // namespace

TEST_CASE("aton encode -o and decode -o write through a FIFO and leave it a FIFO", "[edges][output]") {
  TempDir dir;
  for (const auto& command : commands(dir)) {
    SECTION(command.name) {
      std::string expected = run_aton(command.args).out;
      FifoReader reader(dir / "pipe");
      auto run = run_aton(with_output(command.args, dir / "pipe"), with_timeout(std::chrono::seconds(20)));
      INFO(run.err);
      REQUIRE(run.exit_code == 0);
      CHECK(kind_of(dir / "pipe") == S_IFIFO);
      CHECK(reader.drain() == expected);
      CHECK(temporary_files(dir.path()).empty());
    }
  }
}

TEST_CASE("aton encode -o and decode -o into a character device leave the device in place", "[edges][output]") {
  TempDir dir;
  for (const auto& command : commands(dir)) {
    SECTION(command.name) {
      make_null_device(dir / "null");
      auto run = run_aton(with_output(command.args, dir / "null"));
      INFO(run.err);
      REQUIRE(run.exit_code == 0);
      CHECK(is_null_device(dir / "null"));
      CHECK(temporary_files(dir.path()).empty());
    }
  }
}

TEST_CASE("aton encode -o and decode -o through a symlink replace the file it points to and keep the symlink",
          "[edges][output]") {
  TempDir dir;
  for (const auto& command : commands(dir)) {
    SECTION(command.name) {
      std::string expected = run_aton(command.args).out;
      dir.write("real/target.out", "the old content");
      fs::create_symlink("real/target.out", dir / "link.out");
      fs::create_symlink("real/new.out", dir / "dangling.out");

      auto run = run_aton(with_output(command.args, dir / "link.out"));
      INFO(run.err);
      REQUIRE(run.exit_code == 0);
      CHECK(kind_of(dir / "link.out") == S_IFLNK);
      CHECK(fs::read_symlink(dir / "link.out") == "real/target.out");
      CHECK(read_file(dir / "real/target.out") == expected);

      // A symlink to a file that does not exist yet: the file is created.
      auto second = run_aton(with_output(command.args, dir / "dangling.out"));
      INFO(second.err);
      REQUIRE(second.exit_code == 0);
      CHECK(kind_of(dir / "dangling.out") == S_IFLNK);
      CHECK(read_file(dir / "real/new.out") == expected);
      CHECK(temporary_files(dir.path()).empty());
      CHECK(temporary_files(dir / "real").empty());
    }
  }
}

TEST_CASE("the file sink writes through a FIFO and a device and replaces the file a symlink points to",
          "[edges][output][sinks]") {
  TempDir dir;
  dir.write("users.json", users_json(120));
  // A second sink writes a regular file: what the first must have received.
  auto sinks = [](const std::string& path) {
    return R"([{"plugin": "file", "path": ")" + path + R"("}, {"plugin": "file", "path": "whole.aton"}])";
  };
  SECTION("a FIFO") {
    FifoReader reader(dir / "pipe");
    auto config = dir.write("pipeline.json", pipeline_json(sinks("pipe"), 50));
    auto run = run_aton({"run", config.string()}, with_timeout(std::chrono::seconds(20)));
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(kind_of(dir / "pipe") == S_IFIFO);
    CHECK(reader.drain() == read_file(dir / "whole.aton"));
  }
  SECTION("a character device") {
    make_null_device(dir / "null");
    auto config = dir.write("pipeline.json", pipeline_json(sinks("null"), 50));
    auto run = run_aton({"run", config.string()});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(is_null_device(dir / "null"));
  }
  SECTION("a symlink") {
    dir.write("real/users.aton", "the old content");
    fs::create_symlink("real/users.aton", dir / "link.aton");
    auto config = dir.write("pipeline.json", pipeline_json(sinks("link.aton"), 50));
    auto run = run_aton({"run", config.string()});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(kind_of(dir / "link.aton") == S_IFLNK);
    CHECK(read_file(dir / "real/users.aton") == read_file(dir / "whole.aton"));
    CHECK(temporary_files(dir / "real").empty());
  }
  CHECK(temporary_files(dir.path()).empty());
}

// A shell plants a symlink where the old code put its temporary file (the
// name held the writer's pid, or was fixed), then execs aton, which keeps the
// shell's pid: the name is known before aton starts.
TEST_CASE("temporary files never follow a symlink planted at their name", "[edges][output][security]") {
  TempDir dir;
  dir.write("victim.txt", "precious");
  dir.write("users.json", users_json(60));
  auto in_shell = [&](const std::string& plant, const std::string& aton_args) {
    ProcessOptions options;
    options.working_dir = dir.path().string();
    return run_process({"/bin/sh", "-c", "ln -s victim.txt " + plant + " && exec " ATON_BINARY " " + aton_args},
                       options);
  };
  SECTION("aton encode -o") {
    auto run = in_shell(".out.aton.tmp-$$", "encode users.json -o out.aton");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(kind_of(dir / "out.aton") == S_IFREG);
  }
  SECTION("aton decode -o") {
    REQUIRE(run_aton({"encode", (dir / "users.json").string(), "-o", (dir / "users.aton").string()}).exit_code == 0);
    auto run = in_shell(".out.json.tmp-$$", "decode users.aton -o out.json");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(kind_of(dir / "out.json") == S_IFREG);
  }
  SECTION("the file sink") {
    dir.write("pipeline.json", pipeline_json(R"([{"plugin": "file", "path": "out.aton"}])", 20));
    auto run = in_shell(".out.aton.tmp-$$-0", "run pipeline.json");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(kind_of(dir / "out.aton") == S_IFREG);
  }
  SECTION("the checkpoint") {
    dir.write("pipeline.json", pipeline_json(R"([{"plugin": "file", "path": "out.aton"}])", 20, "users.json",
                                             R"("checkpoint": {"interval": 0})"));
    auto run = in_shell("pipeline.json.checkpoint.tmp", "run pipeline.json");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(kind_of(dir / "out.aton") == S_IFREG);
  }
  CHECK(read_file(dir / "victim.txt") == "precious");
}
