// The encode and decode commands, run as the real binary.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

using aton::test::ProcessOptions;
using aton::test::run_aton;
using aton::test::with_input;

namespace {
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("aton encode prints the guide's first-chunk shape", "[cli]") {
  auto r = run_aton({"encode", "-"}, with_input(R"({"records":[{"id":1,"name":"First","value":10.5},{"id":2,"name":"Second","value":0.0}]})"));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "@schema[id:int, name:str, value:float]\nrecords(2):\n1, \"First\", 10.5\n2, \"Second\", 0.0\n");
}

TEST_CASE("aton encode writes continuation chunks joined by newlines", "[cli]") {
  auto r = run_aton({"encode", "-", "--chunk-size", "1", "--compression", "fast"},
                    with_input(R"([{"id":1},{"id":2},{"id":3}])"));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "@schema[id:int]\nrecords(1):\n1\nrecords+(1):\n2\nrecords+(1):\n3\n");
}

TEST_CASE("aton encode then aton decode gives the input back", "[cli]") {
  std::string input = R"({"t":[{"id":1,"s":"#0","n":123456789012345678901234567890,"f":1e400,"x":{"a":[true,null]}},{"id":2,"s":"a,b\n\"c\"","e":""}]})";
  for (const char* mode : {"fast", "balanced", "ultra", "adaptive"}) {
    auto encoded = run_aton({"encode", "-", "-m", mode, "-c", "1"}, with_input(input));
    REQUIRE(encoded.exit_code == 0);
    auto decoded = run_aton({"decode", "-"}, with_input(encoded.out));
    REQUIRE(decoded.exit_code == 0);
    CHECK(decoded.out == input + "\n");
  }
}

TEST_CASE("aton encode refuses several tables without --table naming them", "[cli][errors]") {
  auto r = run_aton({"encode", "-"}, with_input(R"({"users":[{"id":1}],"orders":[{"id":2}]})"));
  CHECK(r.exit_code == 4);
  CHECK(contains(r.err, "the input has several tables (users, orders): choose one with --table"));
  auto chosen = run_aton({"encode", "-", "--table", "orders"}, with_input(R"({"users":[{"id":1}],"orders":[{"id":2}]})"));
  CHECK(chosen.exit_code == 0);
  CHECK(contains(chosen.out, "orders(1):\n2"));
  auto unknown = run_aton({"encode", "-", "--table", "nope"}, with_input(R"({"users":[{"id":1}]})"));
  CHECK(unknown.exit_code == 4);
  CHECK(contains(unknown.err, "table 'nope' not found; the data has: users"));
}

TEST_CASE("aton encode reports malformed JSON with line and column", "[cli][errors]") {
  auto r = run_aton({"encode", "-"}, with_input("{\"t\": [\n  {\"id\": 1},\n  {\"id\": }\n]}"));
  CHECK(r.exit_code == 4);
  CHECK(contains(r.err, "stdin: JSON error at line 3, column 10"));
}

TEST_CASE("aton encode rejects bad arguments with exit code 2", "[cli][errors]") {
  CHECK(run_aton({"encode", "-", "--chunk-size", "0"}, with_input("[]")).exit_code == 2);
  CHECK(run_aton({"encode", "-", "--compression", "max"}, with_input("[]")).exit_code == 2);
  CHECK(run_aton({"encode", "--no-such-option"}).exit_code == 2);
  CHECK(run_aton({"frobnicate"}).exit_code == 2);
}

TEST_CASE("aton decode reports malformed ATON with line and column", "[cli][errors]") {
  auto r = run_aton({"decode", "-"}, with_input("@schema[a:int]\nt(1):\n1, 2\n"));
  CHECK(r.exit_code == 4);
  CHECK(contains(r.err, "line 3, column 4: more values than the 1 columns"));
}

TEST_CASE("every command explains itself with --help and an example", "[cli]") {
  for (const char* command : {"encode", "decode"}) {
    auto r = run_aton({command, "--help"});
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "Examples:"));
  }
  auto top = run_aton({"--help"});
  CHECK(top.exit_code == 0);
  CHECK(contains(top.out, "Exit codes:"));
  CHECK(run_aton({"--version"}).out.rfind("aton ", 0) == 0);
}

TEST_CASE("aton encode -o writes the file only when it succeeds", "[cli]") {
  aton::test::TempDir dir;
  auto out = (dir / "out.aton").string();
  CHECK(run_aton({"encode", "-", "-o", out}, with_input("[{\"a\":1}]")).exit_code == 0);
  CHECK(aton::test::read_file(out) == "@schema[a:int]\nrecords(1):\n1\n");
  auto bad = (dir / "bad.aton").string();
  CHECK(run_aton({"encode", "-", "-o", bad}, with_input("[{\"a\":1},")).exit_code == 4);
  CHECK_FALSE(std::filesystem::exists(bad));
}

TEST_CASE("aton encode stops on the encoder thread's error and writes nothing", "[cli][errors]") {
  // 3,000 records, then one with a new key: the refusal comes from the
  // encoder thread while the reader is still going, and must end the command.
  aton::test::TempDir dir;
  std::string input = "[";
  for (int i = 0; i < 3000; ++i) input += "{\"a\":" + std::to_string(i) + "},";
  input += "{\"a\":1,\"b\":2},{\"a\":2}]";
  auto in = dir.write("in.json", input);
  auto out = (dir / "out.aton").string();
  auto r = run_aton({"encode", in.string(), "--on-new-key", "error", "--sample-size", "10", "-o", out});
  CHECK(r.exit_code == 4);
  CHECK_THAT(r.err, Catch::Contains("record 3001") && Catch::Contains("'b'"));
  CHECK_FALSE(std::filesystem::exists(out));
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) left.push_back(entry.path().filename().string());
  CHECK(left == std::vector<std::string>{"in.json"});  // no temporary file either
}

TEST_CASE("aton encode --self-contained writes chunks that aton decode reads alone - reordered ones are refused",
          "[cli][self_contained]") {
  std::string input = R"({"t":[{"id":1,"c":"Lyon"},{"id":2,"c":"Lyon"},{"id":3,"c":"Nice"},{"id":4,"c":"Lyon"},{"id":5}]})";
  auto encoded = run_aton({"encode", "-", "-c", "2", "--self-contained", "-m", "ultra"}, with_input(input));
  REQUIRE(encoded.exit_code == 0);
  // Split at each @chunk line: three chunks, each a document.
  std::vector<std::string> chunks;
  for (std::size_t at = 0; at < encoded.out.size();) {
    std::size_t next = encoded.out.find("\n@chunk[", at);
    next = next == std::string::npos ? encoded.out.size() : next + 1;
    chunks.push_back(encoded.out.substr(at, next - at));
    at = next;
  }
  INFO(encoded.out);
  REQUIRE(chunks.size() == 3);
  const char* slices[] = {R"({"t":[{"id":1,"c":"Lyon"},{"id":2,"c":"Lyon"}]})",
                          R"({"t":[{"id":3,"c":"Nice"},{"id":4,"c":"Lyon"}]})", R"({"t":[{"id":5}]})"};
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    CHECK(chunks[i].starts_with("@chunk[id:" + std::to_string(i) + ",stream:\""));
    auto alone = run_aton({"decode", "-"}, with_input(chunks[i]));
    CHECK(alone.exit_code == 0);
    CHECK(alone.out == std::string(slices[i]) + "\n");
  }
  auto whole = run_aton({"decode", "-"}, with_input(encoded.out));
  CHECK(whole.out == input + "\n");
  auto reordered = run_aton({"decode", "-"}, with_input(chunks[1] + chunks[0] + chunks[2]));
  CHECK(reordered.exit_code == 4);
  CHECK(contains(reordered.err, "chunk 0 of stream"));
  CHECK(contains(reordered.err, "comes after chunk 1 (line 1)"));
  CHECK(contains(run_aton({"encode", "--help"}).out, "--self-contained"));
}
