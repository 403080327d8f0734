// Issue 12 item 1: a source `path` that is not a regular file (a FIFO,
// /dev/stdin, /dev/fd/N from a process substitution) gives its bytes once.
// Every record must arrive, through the real binary, and a source that ends
// short of the total it announced must fail the run, never finish it.
#include "edges/edge_inputs.hpp"
#include "host/host_fixtures.hpp"
#include "sources/source_pipeline.hpp"
#include "support/child_run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace aton::test;
using aton::test::edges::decode_file;

namespace {

constexpr std::size_t kRecords = 20000;

struct Shape {
  const char* name;
  const char* plugin;
  const char* extra;  // more source keys
  std::string (*content)(std::size_t);
};

ProcessOptions within(int seconds) {
  ProcessOptions options;
  options.timeout = std::chrono::seconds(seconds);
  return options;
}

std::string tables_20000(std::size_t n) { return edges::table_of(n); }

const Shape kShapes[] = {
    {"json array", "json", "", &edges::array_of},
    {"json object of tables", "json", "", &tables_20000},
    {"jsonl", "json", R"(, "format": "jsonl")", &edges::lines_of},
    {"csv", "csv", "", &edges::csv_of},
};

std::string config_for(const TempDir& dir, const Shape& shape, const std::string& path) {
  return dir.write("pipeline.json", std::string(R"({"source": {"plugin": ")") + shape.plugin + R"(", "path": )" +
                                        json_quoted(path) + shape.extra +
                                        R"(}, "encoder": {"chunk_size": 100}, "sinks": [{"plugin": "file", "path": )" +
                                        json_quoted(dir / "out.aton") + "}]}")
      .string();
}

// The last progress event's is_last, from --progress json on stderr.
bool last_chunk_marked_last(const std::string& err) {
  auto at = err.rfind("\"event\":\"chunk\"");
  if (at == std::string::npos) return false;
  auto line_end = err.find('\n', at);
  return err.substr(at, line_end - at).find("\"is_last\":true") != std::string::npos;
}

}  // namespace

TEST_CASE("a FIFO source path delivers every record once for json jsonl and csv", "[edges][single_pass]") {
  for (const Shape& shape : kShapes) {
    SECTION(shape.name) {
      TempDir dir;
      auto fifo = dir / "input.fifo";
      FifoWriter writer(fifo, shape.content(kRecords));
      auto config = config_for(dir, shape, fifo.string());
      auto run = run_aton({"run", config, "--progress", "json"}, within(20));
      writer.release();
      writer.join();
      INFO(run.err.substr(run.err.size() > 2000 ? run.err.size() - 2000 : 0));
      CHECK_FALSE(run.timed_out);
      REQUIRE(run.exit_code == 0);
      CHECK(writer.error().empty());
      CHECK(last_chunk_marked_last(run.err));
      auto decoded = decode_file(dir / "out.aton");
      CHECK(decoded.exit_code == 0);
      CHECK(decoded.records == kRecords);
      CHECK(decoded.ids_in_order);
    }
  }
}

TEST_CASE("a path of /dev/stdin is read once like standard input", "[edges][single_pass]") {
  for (const Shape& shape : kShapes) {
    SECTION(shape.name) {
      TempDir dir;
      auto config = config_for(dir, shape, "/dev/stdin");
      ProcessOptions options;
      options.input = shape.content(kRecords);
      options.timeout = std::chrono::seconds(20);
      auto run = run_aton({"run", config, "--progress", "json"}, options);
      INFO(run.err.substr(run.err.size() > 2000 ? run.err.size() - 2000 : 0));
      CHECK_FALSE(run.timed_out);
      REQUIRE(run.exit_code == 0);
      CHECK(last_chunk_marked_last(run.err));
      auto decoded = decode_file(dir / "out.aton");
      CHECK(decoded.records == kRecords);
      CHECK(decoded.ids_in_order);
    }
  }
}

TEST_CASE("a process substitution path delivers every record", "[edges][single_pass]") {
  TempDir dir;
  auto data = dir.write("users.csv", edges::csv_of(kRecords));
  const Shape& csv = kShapes[3];
  auto config = config_for(dir, csv, "${IN}");
  // bash gives the command /dev/fd/63, a pipe fed by `cat`.
  auto run = run_process({"bash", "-c", "IN=<(cat \"$1\") \"$2\" run \"$3\" --progress json", "bash", data.string(),
                          ATON_BINARY, config},
                         within(20));
  INFO(run.err.substr(run.err.size() > 2000 ? run.err.size() - 2000 : 0));
  CHECK_FALSE(run.timed_out);
  REQUIRE(run.exit_code == 0);
  auto decoded = decode_file(dir / "out.aton");
  CHECK(decoded.records == kRecords);
  CHECK(decoded.ids_in_order);
}

TEST_CASE("a source that ends short of the total it announced fails the run and finishes nothing",
          "[edges][single_pass]") {
  TempDir dir;
  auto out = dir / "out.aton";
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 250, "announce": 1000},
    "encoder": {"chunk_size": 100}, "sinks": [{"plugin": "file", "path": )" + json_quoted(out) + "}]}");
  auto run = run_aton_with_test_plugins({"run", config.string()});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("source 'test_gen'") && Catch::Contains("250 records") &&
                          Catch::Contains("1000"));
  CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("a source that goes past the total it announced fails the run", "[edges][single_pass]") {
  TempDir dir;
  auto out = dir / "out.aton";
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 250, "announce": 120},
    "encoder": {"chunk_size": 100}, "sinks": [{"plugin": "file", "path": )" + json_quoted(out) + "}]}");
  auto run = run_aton_with_test_plugins({"run", config.string()});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("source 'test_gen'") && Catch::Contains("120"));
  CHECK_FALSE(std::filesystem::exists(out));
}
