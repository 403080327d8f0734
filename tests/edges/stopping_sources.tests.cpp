// Issue 12 item 8: every phase of a run stops within 1 s of SIGINT or
// SIGTERM, counting included, and endless inputs are bounded by
// max_record_bytes. Each test measures the time from the signal to the exit
// of the real binary, on an input that never ends, and runs the child under
// an address-space limit well above its expected peak, so that unbounded
// growth shows as a failure rather than a swapping machine.
#include "edges/edge_inputs.hpp"
#include "sources/source_pipeline.hpp"
#include "support/child_run.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace aton::test;

namespace {

// One second, plus a margin for a loaded machine (two cores, many builds).
constexpr double kStopBound = 1.5;
// Far above what a run needs (tens of MB), far below what unbounded growth reaches.
constexpr rlim_t kAddressSpace = rlim_t{2} << 30;

std::string file_sink_config(const TempDir& dir, const std::string& source) {
  return dir.write("pipeline.json", "{\"source\": " + source +
                                        R"(, "encoder": {"chunk_size": 100}, "sinks": [{"plugin": "file", "path": )" +
                                        json_quoted(dir / "out.aton") + "}]}")
      .string();
}

// A file of `size` bytes that starts with `head` and is zeros after it,
// sparse: it takes no disk, and reading it never ends in a test's time.
std::filesystem::path sparse_file(const TempDir& dir, const std::string& name, const std::string& head,
                                  std::uintmax_t size) {
  auto path = dir.write(name, head);
  std::filesystem::resize_file(path, size);
  return path;
}

ChildOptions limited(const std::string& stdin_path = "/dev/null") {
  ChildOptions options;
  options.stdin_path = stdin_path;
  options.address_space = kAddressSpace;
  return options;
}
ChildOptions stdin_from(const std::string& path) {
  ChildOptions options;
  options.stdin_path = path;
  return options;
}
ProcessOptions within(int seconds) {
  ProcessOptions options;
  options.timeout = std::chrono::seconds(seconds);
  return options;
}

void check_stops(Child& child, int signal, int code) {
  REQUIRE(child.send(signal));
  auto exit = child.wait(std::chrono::seconds(10));
  INFO(child.err());
  REQUIRE(exit.has_value());
  CHECK(*exit == code);
  CHECK(child.seconds_from_signal_to_exit() < kStopBound);
}

}  // namespace

TEST_CASE("the json counting pass over an endless file stops within a second of SIGTERM", "[edges][stop]") {
  TempDir dir;
  auto input = sparse_file(dir, "huge.json", "[", std::uintmax_t{1} << 40);
  auto config = file_sink_config(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}");
  Child child({"run", config}, dir / "err.txt", limited());
  REQUIRE(wait_until(child, [&] { return bytes_read_by(child.pid()) > (64u << 20); }));
  check_stops(child, SIGTERM, 143);
  CHECK_FALSE(std::filesystem::exists(dir / "out.aton"));
}

TEST_CASE("the jsonl counting pass over an endless file stops within a second of SIGINT", "[edges][stop]") {
  TempDir dir;
  auto input = sparse_file(dir, "huge.jsonl", "{\"a\": 1}\n", std::uintmax_t{1} << 40);
  auto config = file_sink_config(dir, R"({"plugin": "json", "path": )" + json_quoted(input) + "}");
  Child child({"run", config}, dir / "err.txt", limited());
  REQUIRE(wait_until(child, [&] { return bytes_read_by(child.pid()) > (64u << 20); }));
  check_stops(child, SIGINT, 130);
}

TEST_CASE("a source waiting on a FIFO nobody writes to stops within a second of SIGTERM", "[edges][stop]") {
  for (std::string plugin : {"json", "jsonl", "csv"}) {
    SECTION(plugin) {
      TempDir dir;
      auto fifo = dir / "quiet.fifo";
      REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
      std::string source = plugin == "csv" ? R"({"plugin": "csv", "path": )" + json_quoted(fifo) + "}"
                           : R"({"plugin": "json", "format": ")" + std::string(plugin == "jsonl" ? "jsonl" : "json") +
                                 R"(", "path": )" + json_quoted(fifo) + "}";
      auto config = file_sink_config(dir, source);
      Child child({"run", config}, dir / "err.txt");
      // The event: aton holds the FIFO open (it waits for bytes, not in open()).
      REQUIRE(wait_until(child, [&] { return holds_open(child.pid(), fifo); }, std::chrono::seconds(5)));
      check_stops(child, SIGTERM, 143);
    }
  }
}

TEST_CASE("a run reading a FIFO whose writer went quiet stops within a second of SIGTERM", "[edges][stop]") {
  for (std::string layout : {"json", "jsonl", "csv"}) {
    SECTION(layout) {
      TempDir dir;
      auto fifo = dir / "input.fifo";
      std::string content = layout == "csv" ? edges::csv_of(1000) : layout == "jsonl" ? edges::lines_of(1000)
                                                                                       : "[" + edges::lines_of(0);
      if (layout == "json") {
        for (std::size_t i = 0; i < 1000; ++i) content += (i ? "," : "") + edges::record_json(i) + "\n";
      }
      FifoWriter writer(fifo, content, /*hold_open=*/true);
      std::string source = layout == "csv" ? R"({"plugin": "csv", "path": )" + json_quoted(fifo) + "}"
                           : R"({"plugin": "json", "format": ")" + layout + R"(", "path": )" + json_quoted(fifo) + "}";
      auto config = file_sink_config(dir, source);
      Child child({"run", config, "--progress", "json"}, dir / "err.txt");
      // The event: chunks reached the sink, so the source is past its start.
      REQUIRE(wait_until(child, [&] { return child.err().find("\"event\":\"chunk\"") != std::string::npos; }));
      check_stops(child, SIGTERM, 143);
      writer.release();
      CHECK_FALSE(std::filesystem::exists(dir / "out.aton"));
    }
  }
}

TEST_CASE("csv on an endless row fails naming max_record_bytes with bounded memory", "[edges][stop]") {
  SECTION("/dev/zero: the header row") {
    TempDir dir;
    auto config = file_sink_config(dir, R"({"plugin": "csv", "path": "/dev/zero"})");
    Child child({"run", config}, dir / "err.txt", limited());
    auto exit = child.wait(std::chrono::seconds(20));
    INFO(child.err());
    REQUIRE(exit.has_value());
    CHECK(*exit == 1);
    CHECK_THAT(child.err(), Catch::Contains("/dev/zero") && Catch::Contains("line 1") &&
                                Catch::Contains("max_record_bytes") && Catch::Contains("67108864"));
  }
  SECTION("a file whose second row never ends") {
    TempDir dir;
    auto input = sparse_file(dir, "rows.csv", "a,b\n", std::uintmax_t{1} << 40);
    auto config = file_sink_config(dir, R"({"plugin": "csv", "max_record_bytes": 1048576, "path": )" +
                                            json_quoted(input) + "}");
    Child child({"run", config}, dir / "err.txt", limited());
    auto exit = child.wait(std::chrono::seconds(20));
    INFO(child.err());
    REQUIRE(exit.has_value());
    CHECK(*exit == 1);
    CHECK_THAT(child.err(), Catch::Contains("line 2") && Catch::Contains("max_record_bytes") &&
                                Catch::Contains("1048576"));
    CHECK_FALSE(std::filesystem::exists(dir / "out.aton"));
  }
}

TEST_CASE("json and jsonl on /dev/zero and /dev/urandom end at once with a clear error", "[edges][stop]") {
  for (std::string device : {"/dev/zero", "/dev/urandom"}) {
    for (std::string format : {"json", "jsonl"}) {
      SECTION(format + " on " + device) {
        TempDir dir;
        auto config = file_sink_config(dir, R"({"plugin": "json", "format": ")" + format + R"(", "path": ")" +
                                                device + "\"}");
        Child child({"run", config}, dir / "err.txt", limited());
        auto exit = child.wait(std::chrono::seconds(10));
        INFO(child.err());
        REQUIRE(exit.has_value());
        CHECK(*exit == 1);
        CHECK_THAT(child.err(), Catch::Contains("json: " + device + ": byte"));
      }
    }
  }
}

TEST_CASE("a json record that never ends fails naming max_record_bytes with bounded memory", "[edges][stop]") {
  TempDir dir;
  auto fifo = dir / "endless.fifo";
  // A record of 8 MiB and counting, from a writer that never closes it.
  FifoWriter writer(fifo, "[{\"a\": \"" + std::string(8u << 20, 'x'), /*hold_open=*/true);
  auto config = file_sink_config(dir, R"({"plugin": "json", "max_record_bytes": 1048576, "path": )" +
                                          json_quoted(fifo) + "}");
  Child child({"run", config}, dir / "err.txt", limited());
  auto exit = child.wait(std::chrono::seconds(20));
  writer.release();
  INFO(child.err());
  REQUIRE(exit.has_value());
  CHECK(*exit == 1);
  CHECK_THAT(child.err(), Catch::Contains("record 1") && Catch::Contains("max_record_bytes") &&
                              Catch::Contains("1048576") && Catch::Contains("line 1"));
}

TEST_CASE("aton encode streams standard input with flat memory", "[edges][stop][memory]") {
  TempDir dir;
  auto fifo = dir / "stdin.fifo";
  // About 64 MB of records through a pipe.
  std::string content = "{\"events\": [";
  for (std::size_t i = 0; content.size() < (64u << 20); ++i) content += (i ? ",\n" : "") + edges::record_json(i);
  content += "]}";
  FifoWriter writer(fifo, content);
  auto out = dir / "out.aton";
  Child child({"encode", "-", "-o", out.string()}, dir / "err.txt", stdin_from(fifo.string()));
  auto exit = child.wait(std::chrono::seconds(60));
  writer.join();
  INFO(child.err());
  REQUIRE(exit.has_value());
  CHECK(*exit == 0);
  CHECK(child.max_rss_kb() < 40 * 1024);  // the input is 64 MB; reading it whole needs more than that
  auto decoded = edges::decode_file(out);
  CHECK(decoded.table == "events");
  CHECK(decoded.ids_in_order);
  CHECK(decoded.records > 600000);
}

TEST_CASE("aton encode bounds a record on standard input by --max-record-bytes", "[edges][stop]") {
  TempDir dir;
  auto fifo = dir / "stdin.fifo";
  FifoWriter writer(fifo, "[{\"a\": \"" + std::string(8u << 20, 'x'), /*hold_open=*/true);
  auto out = dir / "out.aton";
  Child child({"encode", "-", "--max-record-bytes", "1048576", "-o", out.string()}, dir / "err.txt",
              limited(fifo.string()));
  auto exit = child.wait(std::chrono::seconds(20));
  writer.release();
  INFO(child.err());
  REQUIRE(exit.has_value());
  CHECK(*exit == 4);
  CHECK_THAT(child.err(), Catch::Contains("record 1") && Catch::Contains("--max-record-bytes") &&
                              Catch::Contains("1048576"));
  CHECK_FALSE(std::filesystem::exists(out));
}

namespace {

// Whether the server runs a query holding `marker` (not this very probe).
bool server_runs(const std::string& marker) {
  auto r = run_process({"psql", postgres_uri(), "-At", "-c",
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%" + marker +
                            "%' AND pid <> pg_backend_pid()"},
                       within(10));
  return r.exit_code == 0 && r.out.size() > 0 && r.out[0] != '0';
}

}  // namespace

TEST_CASE("a slow PostgreSQL COUNT stops on the first SIGTERM or SIGINT", "[edges][stop][sql][postgres]") {
  for (int signal : {SIGTERM, SIGINT}) {
    SECTION(signal == SIGTERM ? "SIGTERM" : "SIGINT") {
      TempDir dir;
      std::string marker = "aton_slow_count_" + std::to_string(signal);
      auto config = file_sink_config(dir, R"({"plugin": "sql", "database": )" + json_quoted(postgres_uri()) +
                                              R"(, "query": "SELECT 1 AS )" + marker +
                                              R"x( FROM pg_sleep(30)"})x");
      Child child({"run", config}, dir / "err.txt");
      REQUIRE(wait_until(child, [&] { return server_runs(marker); }, std::chrono::seconds(10)));
      check_stops(child, signal, signal == SIGTERM ? 143 : 130);
      // The server stopped the query too (PQcancel), not only the client.
      bool gone = false;
      for (int i = 0; i < 500 && !gone; ++i) gone = !server_runs(marker);
      CHECK(gone);
    }
  }
}
