// Memory stays flat whatever the input's size (README, docs/sources.md,
// docs/BENCHMARKS.md; issue 12 item 26): each way in which aton reads its
// input is run by the real binary on the same records at two sizes, and the
// peak resident memory of the larger run may exceed the smaller one's by
// far less than the extra input. A reader that kept its input, or any
// fixed share of it, resident fails here (a json source that keeps its
// mapped pages peaks 56 MB higher at the larger size).
//
// The peak is the child's own high-water mark (VmHWM in /proc, see
// support/child_run.hpp), not a wall-clock figure.
#include "edges/edge_inputs.hpp"
#include "sources/source_pipeline.hpp"
#include "support/child_run.hpp"
#include "support/compression.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace aton::test;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kSmall = 8u << 20;
constexpr std::size_t kLarge = 64u << 20;
// What the larger run may use beyond the smaller one: a quarter of the
// extra 56 MB of input. The runs measured 0-3 MB apart.
constexpr long kAllowedGrowthKb = 14 * 1024;

enum class Layout { Array, Tables, Lines, Csv };

// Records (edges::record_json) in `layout`, about `bytes` long; how many.
std::size_t write_input(const fs::path& path, Layout layout, std::size_t bytes) {
  std::ofstream out(path, std::ios::binary);
  std::size_t written = 0, n = 0;
  if (layout == Layout::Array) out << "[";
  if (layout == Layout::Tables) out << "{\"t\": [";
  if (layout == Layout::Csv) out << "id,name,ok\n";
  for (; written < bytes; ++n) {
    std::string record;
    if (layout == Layout::Csv) {
      record = std::to_string(n) + ",user " + std::to_string(n) + "," + (n % 3 ? "true" : "false") + "\n";
    } else if (layout == Layout::Lines) {
      record = edges::record_json(n) + "\n";
    } else {
      record = (n ? ",\n" : "") + edges::record_json(n);
    }
    out << record;
    written += record.size();
  }
  if (layout == Layout::Array) out << "]\n";
  if (layout == Layout::Tables) out << "]}\n";
  return n;
}

struct Way {
  const char* name;
  Layout layout;
  bool fifo;  // the input reaches aton through a FIFO on its stdin, read in blocks
  // aton's arguments, given the input's path ("-" for stdin) and the folder.
  std::function<std::vector<std::string>(const std::string& input, const TempDir& dir)> args;
  // The input file compressed (gzip, zstd) or as it is.
  std::string (*pack)(std::string_view text, std::size_t parts) = nullptr;
};

std::vector<std::string> run_json(const std::string& input, const TempDir& dir, const char* extra = "") {
  std::string source = R"({"plugin": "json", "path": )" + json_quoted(input) + extra + "}";
  auto config = dir.write("pipeline.json", "{\"source\": " + source +
                                               R"(, "encoder": {"chunk_size": 1000}, "sinks": [{"plugin": "file", "path": )" +
                                               json_quoted(dir / "out.aton") + "}]}");
  return {"run", config.string(), "--progress", "none"};
}

std::vector<std::string> run_csv(const std::string& input, const TempDir& dir) {
  auto config = dir.write("pipeline.json", R"({"source": {"plugin": "csv", "path": )" + json_quoted(input) +
                                               R"(}, "encoder": {"chunk_size": 1000}, "sinks": [{"plugin": "file", "path": )" +
                                               json_quoted(dir / "out.aton") + "}]}");
  return {"run", config.string(), "--progress", "none"};
}

std::vector<std::string> encode(const std::string& input, const TempDir& dir) {
  return {"encode", input, "-o", (dir / "out.aton").string()};
}

const Way kWays[] = {
    {"aton run, json source, an array in a file", Layout::Array, false,
     [](const std::string& in, const TempDir& d) { return run_json(in, d); }},
    {"aton run, json source, an object of tables in a file without table", Layout::Tables, false,
     [](const std::string& in, const TempDir& d) { return run_json(in, d); }},
    {"aton run, json source, JSON Lines in a file", Layout::Lines, false,
     [](const std::string& in, const TempDir& d) { return run_json(in, d, R"(, "format": "jsonl")"); }},
    {"aton run, json source, an array on stdin", Layout::Array, true,
     [](const std::string& in, const TempDir& d) { return run_json(in, d); }},
    {"aton run, csv source, a file", Layout::Csv, false, run_csv},
    {"aton run, csv source, stdin", Layout::Csv, true, run_csv},
    {"aton run, json source, JSON Lines in a gzip file", Layout::Lines, false,
     [](const std::string& in, const TempDir& d) { return run_json(in, d, R"(, "format": "jsonl")"); }, gzip_text},
    {"aton run, csv source, a zstd file", Layout::Csv, false, run_csv, zstd_text},
    {"aton encode, an array in a file", Layout::Array, false, encode},
    {"aton encode, an object of tables without --table", Layout::Tables, false, encode},
    {"aton encode, an array on stdin", Layout::Array, true, encode},
};

// Runs `way` on `bytes` of input; its peak RSS in KB. Checks that every
// record went through (a run that read nothing would be flat too): the
// output is decoded by `aton decode` and counted by RapidJSON.
long peak_kb(const Way& way, std::size_t bytes) {
  TempDir dir;
  auto input = dir / (way.layout == Layout::Csv ? "in.csv" : way.layout == Layout::Lines ? "in.jsonl" : "in.json");
  std::size_t records = write_input(input, way.layout, bytes);
  if (way.pack) {
    std::string packed = way.pack(read_file(input), 1);
    std::ofstream(input, std::ios::binary | std::ios::trunc) << packed;
  }
  ChildOptions options;
  std::optional<FifoWriter> fifo;
  std::string input_arg = input.string();
  if (way.fifo) {
    fifo.emplace(dir / "stdin.fifo", read_file(input));
    fs::remove(input);
    options.stdin_path = (dir / "stdin.fifo").string();
    input_arg = "-";
  }
  Child child(way.args(input_arg, dir), dir / "err.txt", options);
  auto exit = child.wait(std::chrono::seconds(120));
  if (fifo) fifo->join();
  INFO(way.name << ", " << (bytes >> 20) << " MB: " << child.err());
  REQUIRE(exit.has_value());
  REQUIRE(*exit == 0);
  if (fifo) CHECK(fifo->error().empty());
  auto decoded = edges::decode_file(dir / "out.aton");
  CHECK(decoded.records == records);
  CHECK(decoded.ids_in_order);
  return child.max_rss_kb();
}

// Runs each way of `ways` whose name starts with `prefix`, at both sizes.
void check_flat(std::string_view prefix) {
  for (const Way& way : kWays) {
    if (!std::string_view(way.name).starts_with(prefix)) continue;
    SECTION(way.name) {
      long small = peak_kb(way, kSmall);
      long large = peak_kb(way, kLarge);
      INFO(way.name << ": peak RSS " << small << " KB for " << (kSmall >> 20) << " MB of input, " << large
                    << " KB for " << (kLarge >> 20) << " MB");
      CHECK(small > 0);  // the sampling saw the child
      CHECK(large - small < kAllowedGrowthKb);
      // Nor does a run hold half of the larger input resident.
      CHECK(large < static_cast<long>(kLarge / 1024) / 2);
    }
  }
}

}  // namespace

TEST_CASE("aton run with the json source keeps flat memory at any input size", "[edges][memory]") {
  check_flat("aton run, json");
}

TEST_CASE("aton run with the csv source keeps flat memory at any input size", "[edges][memory]") {
  check_flat("aton run, csv");
}

TEST_CASE("aton encode keeps flat memory at any input size", "[edges][memory]") { check_flat("aton encode"); }
