// Input bytes never reach the terminal raw: a message that quotes input
// (a decode error, a CSV field, a key, a file name) shows its control
// characters escaped (\x1b, \x07), so an OSC title sequence or colour codes
// in hostile data are inert. Through the real binary.
#include "edges/edges.hpp"

#include <catch2/catch.hpp>

#include <string>

using aton::test::ProcessOptions;
using aton::test::ProcessResult;
using aton::test::run_aton;
using aton::test::TempDir;

namespace {

// Bytes a terminal acts on: C0 controls but the line feed that ends each
// message, DEL, and the C1 controls (U+0080 to U+009F, e.g. CSI).
std::string raw_controls(const std::string& text) {
  std::string found;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    bool c1 = c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if ((c < 0x20 && c != '\n') || c == 0x7F || c1) found += "byte " + std::to_string(i) + " ";
  }
  return found;
}

void check_escaped(const ProcessResult& run, int exit_code) {
  INFO("stderr: " << run.err);
  CHECK(run.exit_code == exit_code);
  CHECK(raw_controls(run.err).empty());
  CHECK_THAT(run.err, Catch::Contains("\\x1b"));
}

const std::string kHostile = "\x1b]0;pwned\x07\x1b[31mred\xc2\x9b" "2J";

}  // namespace

TEST_CASE("aton decode escapes the control characters of the input it quotes", "[edges][controls]") {
  ProcessOptions options;
  options.input = "x" + kHostile + "(2):\n";
  auto run = run_aton({"decode", "-"}, options);
  check_escaped(run, 4);
  CHECK_THAT(run.err, Catch::Contains("\\x07") && Catch::Contains("line 1"));
}

TEST_CASE("aton run escapes the control characters of a csv field it quotes", "[edges][controls]") {
  TempDir dir;
  dir.write("c.csv", "a,b\n\"x\"" + kHostile + ",2\n");
  auto config = dir.write("pipeline.json", R"({"source": {"plugin": "csv", "path": "c.csv"}, "sinks": [{"plugin": "stdout"}]})");
  for (const char* progress : {"none", "json"}) {
    auto run = run_aton({"run", config.string(), "--progress", progress});
    INFO("--progress " << progress);
    check_escaped(run, 1);
    CHECK_THAT(run.err, Catch::Contains("line 2"));
  }
}

TEST_CASE("aton encode escapes the control characters of a key it names", "[edges][controls]") {
  ProcessOptions options;
  options.input = R"([{"a": 1}, {"a": 2, "k\u001b]0;pwned\u0007": 3}])";
  auto run = run_aton({"encode", "-", "--sample-size", "1", "--on-new-key", "error"}, options);
  check_escaped(run, 4);
}

TEST_CASE("aton run escapes the control characters of a file name it names", "[edges][controls]") {
  TempDir dir;
  auto config = dir.write("pipeline.json", "{\"source\": {\"plugin\": \"json\", \"path\": \"in" + std::string("\\u001b") +
                                               "[2J.json\"}, \"sinks\": [{\"plugin\": \"stdout\"}]}");
  auto run = run_aton({"run", config.string()});
  check_escaped(run, 3);  // a missing input is a config problem, found before the run
  CHECK_THAT(run.err, Catch::Contains("in\\x1b[2J.json"));
}
