// `aton decode` streams (issue 17 item 4): a large ATON stream, made by the
// test as it is read (never a file in the repository), decodes under an
// address-space limit with a small peak RSS to the JSON the whole-document
// decoder gives; and reading a pipe, it writes records before the pipe's
// writer has finished.
#include "support/child_run.hpp"
#include "support/temp_dir.hpp"

#include <aton/decoder.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <string>

using namespace aton::test;

namespace {

constexpr std::size_t kRowsPerChunk = 1000;

// An ATON stream of one table `t` in chunks of kRowsPerChunk rows (the first
// with its header, the others continuations) and the JSON aton decode
// writes for it, made piece by piece: both are deterministic in the row
// number, so neither has to be held whole.
struct Generated {
  std::size_t rows = 0;  // rows in the stream

  // The ATON text of rows [from, to).
  std::string aton(std::size_t from, std::size_t to) const {
    std::string out;
    for (std::size_t i = from; i < to; ++i) {
      if (i % kRowsPerChunk == 0) {
        std::size_t n = std::min(kRowsPerChunk, rows - i);
        if (i == 0)
          out += "@schema[id:int, name:str, team:str, score:float, active:bool, note:str]\n"
                 "@defaults[active:true]\n@dict[#0:\"red\", #1:\"green\", #2:\"blue \\\"b\\\"\"]\nt(" +
                 std::to_string(n) + "):\n";
        else
          out += "t+(" + std::to_string(n) + "):\n";
      }
      std::string n = std::to_string(i);
      out += n + ", \"user " + n + "\", #" + std::to_string(i % 3) + ", " + n + ".5, " +
             (i % 5 == 0 ? "false" : "") + ", " + (i % 11 == 0 ? "~" : "\"n\\\"" + n + "\"") + "\n";
    }
    return out;
  }
  // The JSON of rows [from, to), with the document's opening and closing.
  std::string json(std::size_t from, std::size_t to) const {
    static const char* teams[] = {"\"red\"", "\"green\"", "\"blue \\\"b\\\"\""};
    std::string out = from == 0 ? "{\"t\":[" : "";
    for (std::size_t i = from; i < to; ++i) {
      std::string n = std::to_string(i);
      out += std::string(i ? "," : "") + "{\"id\":" + n + ",\"name\":\"user " + n + "\",\"team\":" + teams[i % 3] +
             ",\"score\":" + n + ".5,\"active\":" + (i % 5 == 0 ? "false" : "true") +
             (i % 11 == 0 ? "" : ",\"note\":\"n\\\"" + n + "\"") + "}";
    }
    if (to == rows) out += "]}\n";
    return out;
  }
  // About `bytes` of ATON.
  static Generated of_size(std::size_t bytes) {
    Generated g;
    g.rows = bytes / 64;  // a row is 60-70 bytes
    return g;
  }
};

// The generated ATON as blocks for a FifoWriter, made as they are written.
FifoWriter::Blocks blocks_of(const Generated& g) {
  return [g, from = std::size_t{0}](std::string& block) mutable {
    if (from >= g.rows) return false;
    std::size_t to = std::min(g.rows, from + 8 * kRowsPerChunk);
    block = g.aton(from, to);
    from = to;
    return true;
  };
}

}  // namespace

TEST_CASE("the generated stream decodes whole to the JSON the test expects", "[stream_decode][decoder]") {
  Generated g = Generated::of_size(std::size_t{2} << 20);
  aton::Decoder whole;
  whole.feed(g.aton(0, g.rows));
  CHECK(whole.to_json() + "\n" == g.json(0, g.rows));
}

TEST_CASE("aton decode of a 320 MB ATON stream under a memory limit writes the whole-document JSON",
          "[stream_decode][memory]") {
  TempDir dir;
  Generated g = Generated::of_size(std::size_t{320} << 20);
  FifoWriter writer(dir / "in.fifo", blocks_of(g));
  ChildOptions options;
  options.stdin_path = (dir / "in.fifo").string();
  // The whole-document decoder peaked at 3.6-4.7 times the JSON it wrote.
  options.address_space = rlim_t{512} << 20;
  Child child({"decode", "-"}, dir / "err.txt", options);
  // Compare the output with the expected JSON as both are made.
  std::string expected;
  std::size_t next_row = 0, compared = 0;
  bool same = true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string part = child.read_stdout(1 << 20, std::chrono::seconds(60));
    if (part.empty()) break;
    while (expected.size() < part.size() && next_row < g.rows) {
      std::size_t to = std::min(g.rows, next_row + 4096);
      expected += g.json(next_row, to);
      next_row = to;
    }
    if (expected.compare(0, part.size(), part) != 0) {
      same = false;
      UNSCOPED_INFO("the output differs from the expected JSON within bytes " << compared << "-"
                                                                               << compared + part.size());
      break;
    }
    expected.erase(0, part.size());
    compared += part.size();
    child.running();  // samples the peak RSS
  }
  auto exit = child.wait(std::chrono::seconds(60));
  writer.join();
  INFO("stderr: " << child.err() << "; writer: " << writer.error());
  REQUIRE(exit.has_value());
  CHECK(*exit == 0);
  CHECK(writer.error().empty());
  CHECK(same);
  CHECK(next_row == g.rows);
  CHECK(expected.empty());
  CHECK(compared > (std::size_t{320} << 20));
  INFO("peak RSS " << child.max_rss_kb() << " KB");
  CHECK(child.max_rss_kb() > 0);
  CHECK(child.max_rss_kb() <= 64 * 1024);
}

TEST_CASE("aton decode of a mapped 96 MB file releases its pages behind it", "[stream_decode][memory]") {
  TempDir dir;
  Generated g = Generated::of_size(std::size_t{96} << 20);
  {
    std::ofstream out(dir / "in.aton", std::ios::binary);
    for (std::size_t from = 0; from < g.rows; from += 8 * kRowsPerChunk)
      out << g.aton(from, std::min(g.rows, from + 8 * kRowsPerChunk));
  }
  ChildOptions options;
  options.stdout_path = "/dev/null";
  Child child({"decode", (dir / "in.aton").string(), "--jsonl"}, dir / "err.txt", options);
  auto exit = child.wait(std::chrono::seconds(120));
  INFO("stderr: " << child.err() << "; peak RSS " << child.max_rss_kb() << " KB");
  REQUIRE(exit.has_value());
  CHECK(*exit == 0);
  CHECK(child.max_rss_kb() > 0);
  CHECK(child.max_rss_kb() <= 64 * 1024);
}

TEST_CASE("aton decode reading a pipe writes records before the pipe's writer has finished",
          "[stream_decode][cli]") {
  TempDir dir;
  // More than a block (1 MiB) of output, then the writer waits, its end open.
  Generated g;
  g.rows = 40'000;
  FifoWriter fifo(dir / "in.fifo", g.aton(0, g.rows), /*hold_open=*/true);
  ChildOptions options;
  options.stdin_path = (dir / "in.fifo").string();
  Child child({"decode", "--jsonl"}, dir / "err.txt", options);
  std::string first = child.read_stdout(1 << 16, std::chrono::seconds(20));
  INFO("stderr: " << child.err());
  CHECK(child.running());  // it has not seen the end of its input
  REQUIRE_FALSE(first.empty());
  CHECK(first.rfind(R"({"id":0,"name":"user 0","team":"red")", 0) == 0);
  fifo.release();
  std::string all = first + child.drain_stdout(std::chrono::seconds(60));
  auto exit = child.wait(std::chrono::seconds(30));
  fifo.join();
  REQUIRE(exit.has_value());
  CHECK(*exit == 0);
  CHECK(fifo.error().empty());
  // --jsonl: the records of the document, a line each.
  std::size_t lines = 0;
  for (char c : all) lines += c == '\n';
  CHECK(lines == g.rows);
  std::string last = g.json(g.rows - 1, g.rows);  // ",{...}]}\n"
  last = last.substr(1, last.size() - 4) + "\n";
  CHECK(all.size() > last.size());
  CHECK(all.compare(all.size() - last.size(), last.size(), last) == 0);
}
