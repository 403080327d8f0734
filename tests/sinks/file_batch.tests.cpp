// The file sink's `body`: one rendered request per chunk as JSON Lines (an
// OpenAI Batch API input), with the http sink's template part.
#include "sinks/sink_test_helpers.hpp"
#include "support/process.hpp"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include <sstream>

using namespace aton::test;
using namespace aton::test::sinks;
namespace fs = std::filesystem;

namespace {

constexpr const char* kBatchBody =
    R"({"custom_id": "chunk-{{chunk_id}}", "method": "POST", "url": "/v1/chat/completions",)"
    R"( "body": {"model": "gpt-4o-mini", "metadata": {"last": "{{is_last}}", "records": "{{records}}", "tokens": "{{tokens}}"},)"
    R"( "messages": [{"role": "user", "content": "Table {{table}}, part {{chunk_id}} of {{total_chunks}}:\n{{chunk}}"}]}})";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("the file sink with body writes one OpenAI batch request per chunk whose contents decode to the input",
          "[sinks][file][llm]") {
  TempDir dir;
  std::string input = users_json(250);
  dir.write("users.json", input);
  std::string sinks = std::string(R"([{"plugin": "file", "path": "out/batch.jsonl", "body": )") + kBatchBody +
                      R"(}, {"plugin": "file", "per_chunk": "out/parts/req-{chunk_id}.json", "body": )" + kBatchBody + "}]";
  auto config = dir.write("pipeline.json", pipeline_json(sinks, 100));
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);

  std::string written = read_file(dir / "out/batch.jsonl");
  CHECK(written.back() == '\n');  // JSON Lines: every line ends with a newline
  auto lines = lines_of(written);
  REQUIRE(lines.size() == 3);
  std::string chunks;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO("line " << i);
    rapidjson::Document d;
    d.Parse(lines[i].data(), lines[i].size());
    REQUIRE(d.IsObject());
    CHECK(std::string(d["custom_id"].GetString()) == "chunk-" + std::to_string(i));
    CHECK(std::string(d["method"].GetString()) == "POST");
    const auto& body = d["body"];
    CHECK(body["metadata"]["last"].GetBool() == (i == 2));
    CHECK(body["metadata"]["records"].GetUint64() == (i < 2 ? 100u : 50u));
    CHECK((body["metadata"]["tokens"].IsNull() || body["metadata"]["tokens"].IsInt64()));
    std::string content = body["messages"][0]["content"].GetString();
    std::string head = "Table users, part " + std::to_string(i) + " of 3:\n";
    REQUIRE(content.rfind(head, 0) == 0);
    chunks += (i ? "\n" : "") + content.substr(head.size());
    // per_chunk: each part file holds the same request.
    CHECK(read_file(dir / "out/parts" / ("req-00000" + std::to_string(i) + ".json")) == lines[i] + "\n");
  }
  require_decodes_to(chunks, input);
}

TEST_CASE("the file sink with body appends whole lines after an old file without a final newline",
          "[sinks][file][llm]") {
  TempDir dir;
  dir.write("users.json", users_json(150));
  dir.write("batch.jsonl", R"({"custom_id":"old"})");
  auto config = dir.write("pipeline.json", pipeline_json(
      R"([{"plugin": "file", "path": "batch.jsonl", "mode": "append", "body": {"custom_id": "chunk-{{chunk_id}}"}}])"));
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(read_file(dir / "batch.jsonl") ==
        "{\"custom_id\":\"old\"}\n{\"custom_id\":\"chunk-0\"}\n{\"custom_id\":\"chunk-1\"}\n");
}
