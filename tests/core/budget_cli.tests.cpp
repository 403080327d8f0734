// Token budgets and token figures from the command line: `aton encode
// --max-tokens/--max-bytes/--oversize/--stats`, and `aton run`'s token
// counts in --progress json, the summary and the plugins' aton_chunk.tokens.
#include "host/host_fixtures.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <aton/tokenizer.hpp>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using aton::test::ProcessOptions;
using aton::test::run_aton;
using aton::test::with_input;

namespace {

// n records of a few fields, as a JSON array.
std::string records_json(std::size_t n, std::size_t big_at = SIZE_MAX) {
  std::string json = "[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) json += ",";
    json += R"({"id":)" + std::to_string(i) + R"(,"name":"user )" + std::to_string(i * 7919 % 1000) +
            R"(","city":"City )" + std::to_string(i % 13) + R"(","score":)" + std::to_string(i % 100) + ".5";
    if (i == big_at) json += R"(,"note":")" + std::string(3000, 'z') + "\"";
    json += "}";
  }
  return json + "]";
}

// The chunks of an `aton encode` output: blocks from one table line to the next.
std::vector<std::string> chunks_of(const std::string& aton) {
  std::vector<std::string> chunks;
  std::istringstream in(aton);
  std::string current;
  for (std::string line; std::getline(in, line);) {
    bool starts = !current.empty() && (line.starts_with("@") || line.starts_with("records+("));
    if (starts && current.find("):\n") != std::string::npos) {
      current.pop_back();
      chunks.push_back(current);
      current.clear();
    }
    current += line + "\n";
  }
  if (!current.empty()) {
    current.pop_back();
    chunks.push_back(current);
  }
  return chunks;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("aton encode --max-tokens keeps every chunk within the budget and decodes back", "[cli][budget]") {
  std::string input = records_json(600);
  for (const char* mode : {"fast", "ultra"}) {
    auto r = run_aton({"encode", "-", "-m", mode, "--max-tokens", "500", "-c", "100000"}, with_input(input));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.starts_with("@schema["));
    CHECK(r.out.find("@budget[max_tokens:500]") != std::string::npos);
    auto chunks = chunks_of(r.out.substr(0, r.out.size() - 1));
    REQUIRE(chunks.size() > 3);
    const auto& tokenizer = aton::Tokenizer::get();
    for (const auto& chunk : chunks) {
      INFO(chunk);
      CHECK(tokenizer.count(chunk) <= 500);
    }
    for (std::size_t i = 0; i + 1 < chunks.size(); ++i) CHECK(tokenizer.count(chunks[i]) >= 400);
    auto decoded = run_aton({"decode", "-"}, with_input(r.out));
    REQUIRE(decoded.exit_code == 0);
    CHECK(decoded.out == "{\"records\":" + input + "}\n");
  }
  auto bytes = run_aton({"encode", "-", "--max-bytes", "700", "-c", "100000"}, with_input(input));
  REQUIRE(bytes.exit_code == 0);
  for (const auto& chunk : chunks_of(bytes.out.substr(0, bytes.out.size() - 1))) CHECK(chunk.size() <= 700);
}

TEST_CASE("aton encode refuses a record too large for any chunk, or gives it its own with --oversize own_chunk",
          "[cli][budget]") {
  std::string input = records_json(50, 20);
  auto refused = run_aton({"encode", "-", "--max-tokens", "300"}, with_input(input));
  CHECK(refused.exit_code == 4);
  CHECK_THAT(refused.err, Catch::Contains("record 21 of table 'records' is too large for any chunk"));
  CHECK(refused.out.empty());
  auto own = run_aton({"encode", "-", "--max-tokens", "300", "--oversize", "own_chunk"}, with_input(input));
  REQUIRE(own.exit_code == 0);
  CHECK_THAT(own.err, Catch::Contains("warning: chunk"));
  CHECK_THAT(own.err, Catch::Contains("(record 21) is over the budget"));
  auto decoded = run_aton({"decode", "-"}, with_input(own.out));
  REQUIRE(decoded.exit_code == 0);
  CHECK(decoded.out == "{\"records\":" + input + "}\n");
  auto usage = run_aton({"encode", "-", "--oversize", "split"}, with_input(input));
  CHECK(usage.exit_code == 2);
}

TEST_CASE("aton encode --stats prints bytes and tokens of compact JSON and of every mode", "[cli][tokens]") {
  std::string input = records_json(200);
  auto r = run_aton({"encode", "-", "--stats", "-m", "ultra"}, with_input(input));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto plain = run_aton({"encode", "-", "-m", "ultra"}, with_input(input));
  CHECK(r.out == plain.out);  // the output is the same
  CHECK_THAT(r.err, Catch::Contains("200 records, o200k_base tokens"));
  const auto& tokenizer = aton::Tokenizer::get();
  std::string json = "{\"records\":" + input + "}";
  CHECK_THAT(r.err, Catch::Contains("compact JSON"));
  CHECK_THAT(r.err, Catch::Contains(std::to_string(tokenizer.count(json))));
  CHECK_THAT(r.err, Catch::Contains(std::to_string(tokenizer.count(plain.out))));
  CHECK_THAT(r.err, Catch::Contains("ultra *"));
  for (const char* mode : {"fast", "balanced", "adaptive"}) {
    auto m = run_aton({"encode", "-", "-m", mode}, with_input(input));
    CHECK_THAT(r.err, Catch::Contains(std::to_string(m.out.size())));
    CHECK_THAT(r.err, Catch::Contains(std::to_string(tokenizer.count(m.out))));
  }
}

TEST_CASE("aton run counts each chunk's tokens: --progress json, the summary and aton_chunk.tokens",
          "[run][e2e][tokens][budget]") {
  aton::test::TempDir dir;
  const auto& tokenizer = aton::Tokenizer::get();
  SECTION("counted when encoder.tokenizer asks, each chunk exact") {
    auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 250},
      "encoder": {"chunk_size": 100, "tokenizer": "o200k_base"},
      "sinks": [{"plugin": "test_sink", "path": "out.aton", "log": "chunks.jsonl"}]})");
    auto run = aton::test::run_aton_with_test_plugins({"run", config.string(), "--progress=json"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    // The file holds the chunks joined by '\n'; the log their sizes and counts.
    std::string out = read_file(dir / "out.aton");
    std::istringstream log(read_file(dir / "chunks.jsonl"));
    std::size_t at = 0, total = 0, chunks = 0;
    for (std::string line; std::getline(log, line);) {
      rapidjson::Document c;
      c.Parse(line.c_str());
      if (!c.IsObject()) continue;
      std::size_t size = c["size"].GetUint64();
      std::string text = out.substr(at, size);
      at += size + 1;
      CHECK(c["tokens"].GetInt64() == static_cast<std::int64_t>(tokenizer.count(text)));
      total += tokenizer.count(text);
      ++chunks;
    }
    CHECK(chunks == 3);
    rapidjson::Document summary, first;
    std::istringstream err(run.err);
    for (std::string line; std::getline(err, line);) {
      if (line.find("\"event\":\"summary\"") != std::string::npos) summary.Parse(line.c_str());
      if (line.find("\"chunk_id\":0,") != std::string::npos) first.Parse(line.c_str());
    }
    REQUIRE(summary.IsObject());
    CHECK(summary["tokens_out"].GetUint64() == total);
    REQUIRE(first.IsObject());
    CHECK(first["tokens"].GetUint64() == first["tokens_out"].GetUint64());
    CHECK(first["tokens"].GetUint64() > 0);
  }
  SECTION("tokenizer none, or no tokenizer given: no counts (counting is asked for, not paid by every run)") {
    for (const char* encoder : {R"("encoder": {"tokenizer": "none"},)", ""}) {
      auto config = dir.write("p.json", std::string(R"({"source": {"plugin": "test_gen", "count": 50},)") + encoder +
                                            R"("sinks": [{"plugin": "test_sink", "log": "chunks.jsonl"}]})");
      std::filesystem::remove(dir / "chunks.jsonl");
      auto run = aton::test::run_aton_with_test_plugins({"run", config.string(), "--progress=json"});
      INFO(encoder << "\n" << run.err);
      REQUIRE(run.exit_code == 0);
      CHECK_THAT(read_file(dir / "chunks.jsonl"), Catch::Contains("\"tokens\":-1"));
      CHECK_THAT(run.err, Catch::Contains("\"tokens_out\":null"));
    }
  }
  SECTION("max_tokens: every chunk within it, total_chunks unknown until the last") {
    auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 1000},
      "encoder": {"chunk_size": 1000, "max_tokens": 700, "compression": "ultra"},
      "sinks": [{"plugin": "test_sink", "path": "out.aton", "log": "chunks.jsonl"}]})");
    auto run = aton::test::run_aton_with_test_plugins({"run", config.string(), "--progress=none"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    std::istringstream log(read_file(dir / "chunks.jsonl"));
    std::size_t chunks = 0;
    for (std::string line; std::getline(log, line);) {
      rapidjson::Document c;
      c.Parse(line.c_str());
      if (!c.IsObject()) continue;
      ++chunks;
      CHECK(c["tokens"].GetInt64() <= 700);
      CHECK(c["total_chunks"].GetInt64() == (c["is_last"].GetBool() ? c["chunk_id"].GetInt64() + 1 : -1));
      CHECK(c["total_records"].GetInt64() == 1000);
    }
    CHECK(chunks > 3);
    auto decoded = run_aton({"decode", (dir / "out.aton").string()});
    CHECK(decoded.exit_code == 0);
  }
  SECTION("max_tokens with tokenizer none is a config error") {
    auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 10},
      "encoder": {"max_tokens": 100, "tokenizer": "none"}, "sinks": [{"plugin": "test_sink"}]})");
    auto run = aton::test::run_aton_with_test_plugins({"validate", config.string()});
    CHECK(run.exit_code == 3);
    CHECK_THAT(run.err, Catch::Contains("/encoder/max_tokens"));
  }
}
