// Running out of memory is an error like any other: under an address-space
// limit (`ulimit -v`, RLIMIT_AS in the child) from a few MB up to where the
// run succeeds, `aton run` and `aton encode` never crash or abort: each
// either succeeds or says "out of memory while ..." with its usual exit
// code, and leaves no temporary file. A sweep of limits, so that whichever
// allocation fails first (the config, a plugin, a thread, the encoder) is
// met at some limit.
//
// Sanitizer builds reserve terabytes of shadow memory and cannot start
// under such a limit: there these tests are not built.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)

#include "edges/edges.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

using aton::test::ProcessOptions;
using aton::test::ProcessResult;
using aton::test::run_aton;
using aton::test::TempDir;

namespace {

std::string records(std::size_t count) {
  std::string out = "[";
  for (std::size_t i = 0; i < count; ++i)
    out += (i ? ",\n" : "") + std::string("{\"id\":") + std::to_string(i) + ",\"name\":\"user " +
           std::to_string(i) + "\",\"score\":" + std::to_string(i % 97) + ".25}";
  return out + "]";
}

std::set<std::string> names_in(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.insert(entry.path().filename().string());
  return names;
}

// The dynamic loader itself could not map aton's libraries: nothing of
// aton ran at this limit.
bool not_started(const ProcessResult& run) {
  return run.exit_code == 127 && run.err.find("error while loading shared libraries") != std::string::npos;
}

constexpr std::size_t kMiB = 1 << 20;

// Runs `aton args` under limits from 8 MB to 256 MB: each run succeeds
// (writing DIR/out.aton) or fails with `exit_code`, saying "out of memory
// while ...", with nothing new left in DIR; never a signal, an abort or a
// hang. The sweep must meet both sides.
void sweep(const TempDir& dir, const std::string& command, int exit_code, const std::vector<std::string>& args) {
  const std::set<std::string> before = names_in(dir.path());
  std::size_t ran = 0, out_of_memory = 0, succeeded = 0;
  for (std::size_t mb = 8; mb <= 256; mb += 8) {
    std::filesystem::remove(dir / "out.aton");
    ProcessOptions options;
    options.address_space_limit = mb * kMiB;
    options.timeout = std::chrono::seconds(60);
    ProcessResult run = run_aton(args, options);
    if (not_started(run)) continue;
    ++ran;
    INFO("limit " << mb << " MB: exit " << run.exit_code << ", stderr: " << run.err);
    CHECK_FALSE(run.timed_out);
    CHECK((run.exit_code == 0 || run.exit_code == exit_code));
    CHECK(run.err.find("bad_alloc") == std::string::npos);
    CHECK(run.err.find("terminate called") == std::string::npos);
    if (run.exit_code == 0) {
      ++succeeded;
      CHECK(std::filesystem::exists(dir / "out.aton"));
    } else {
      if (run.err.find("out of memory while ") != std::string::npos) ++out_of_memory;
      CHECK_THAT(run.err, Catch::StartsWith("aton " + command + ": ") && Catch::Contains("out of memory while "));
      CHECK(names_in(dir.path()) == before);
    }
  }
  CHECK(ran >= 10);
  CHECK(out_of_memory >= 1);
  CHECK(succeeded >= 1);
}

}  // namespace

TEST_CASE("aton run under an address-space limit succeeds or says out of memory and leaves no temporary file",
          "[edges][memory]") {
  TempDir dir;
  dir.write("in.json", records(20'000));
  auto config = dir.write("pipeline.json",
                          R"({"source": {"plugin": "json", "path": "in.json"}, "encoder": {"chunk_size": 500},)"
                          R"( "checkpoint": {"enabled": false}, "sinks": [{"plugin": "file", "path": "out.aton"}]})");
  sweep(dir, "run", 1, {"run", config.string(), "--progress", "none", "--quiet"});
}

TEST_CASE("a config larger than the memory left fails with out of memory and not a crash", "[edges][memory]") {
  TempDir dir;
  // 20 MB of config: parsing it needs several times that.
  std::string pad = "\"" + std::string(1000, 'x') + "\"";
  std::string pads;
  for (int i = 0; i < 20'000; ++i) pads += (i ? "," : "") + pad;
  auto config = dir.write("pipeline.json", R"({"source": {"plugin": "json", "path": "in.json"},)"
                                           R"( "sinks": [{"plugin": "stdout"}], "pad": [)" + pads + "]}");
  std::size_t out_of_memory = 0, parsed = 0;
  for (std::size_t mb = 32; mb <= 160; mb += 16) {
    ProcessOptions options;
    options.address_space_limit = mb * kMiB;
    ProcessResult run = run_aton({"run", config.string()}, options);
    if (not_started(run)) continue;
    INFO("limit " << mb << " MB: exit " << run.exit_code << ", stderr: " << run.err);
    CHECK((run.exit_code == 1 || run.exit_code == 3));
    if (run.exit_code == 1) {
      ++out_of_memory;
      CHECK_THAT(run.err, Catch::StartsWith("aton run: out of memory while reading the config"));
    } else {
      ++parsed;
      CHECK_THAT(run.err, Catch::Contains("unknown key 'pad'"));
    }
  }
  CHECK(out_of_memory >= 1);
  CHECK(parsed >= 1);
}

TEST_CASE("aton encode under an address-space limit succeeds or says out of memory and leaves no temporary file",
          "[edges][memory]") {
  TempDir dir;
  auto input = dir.write("in.json", records(20'000));
  sweep(dir, "encode", 4, {"encode", input.string(), "-o", (dir / "out.aton").string()});
}

#endif
