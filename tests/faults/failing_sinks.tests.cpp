// Sinks that cannot deliver, through the real `aton run`: a server that
// always answers 503, and a full disk. The run ends within its bounds with
// a clear error, and the file sink presents nothing as complete.
#include "faults/fault_run.hpp"
#include "support/http_server.hpp"
#include "support/skip.hpp"

#include <catch2/catch.hpp>

#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <string>

using namespace aton::test;
using namespace aton::test::faults;

namespace {

std::string records_json(int count) {
  std::string out = "[";
  for (int i = 0; i < count; ++i)
    out += (i ? ",\n" : "") + std::string("{\"id\": ") + std::to_string(i) + ", \"text\": \"" +
           std::string(200, static_cast<char>('a' + i % 26)) + std::to_string(i) + "\"}";  // unique: no dictionary
  return out + "]";
}

}  // namespace

TEST_CASE("an http sink whose server always answers 503 fails the run after its bounded retries",
          "[faults][http]") {
  TempDir dir;
  HttpServer server({}, HttpReply::status_code(503, "overloaded"));
  auto input = dir.write("users.json", records_json(10));
  auto http = ", {\"plugin\": \"http\", \"url\": " + quoted(server.url("/ingest")) +
              ", \"retries\": 3, \"backoff_ms\": 10, \"max_backoff_ms\": 20, \"max_elapsed_ms\": 20000}";
  auto run = run_pipeline(dir, json_source(input), 5, {}, http, std::chrono::milliseconds(60'000));
  check_failed_run(run, {"sink 'http'", "chunk 0", "503", "/ingest"});
  // One attempt and three retries of the first chunk, and no more.
  CHECK(server.requests().size() == 4);
  CHECK(server.accepted_requests().empty());
}

TEST_CASE("a full disk fails the file sink clearly and leaves no output at the target", "[faults][file]") {
  TempDir dir;
  auto disk = dir / "small-disk";
  std::filesystem::create_directories(disk);
  if (::mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=1m") != 0)
    skip_test("cannot mount a 1 MB tmpfs to fill (" + std::string(std::strerror(errno)) +
              "): this test needs root or CAP_SYS_ADMIN");
  struct Unmount {
    std::filesystem::path at;
    ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{disk};

  // About 6 MB of ATON: more than the disk holds.
  auto input = dir.write("users.json", records_json(30'000));
  auto run = run_pipeline(dir, json_source(input), 500, disk / "out.aton");
  check_failed_run(run, {"sink 'file'", "No space left on device", "free some space", (disk / "").string()});
}
