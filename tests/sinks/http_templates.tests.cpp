// The http sink as an LLM client, through the real `aton run` against a
// chat-completions server on 127.0.0.1 (chat_server.hpp): request templates,
// answers recorded in chunk order, concurrency, rate limits and 429s.
#include "sinks/chat_server.hpp"
#include "sinks/sink_test_helpers.hpp"
#include "support/process.hpp"

#include <aton/tokenizer.hpp>

#include <rapidjson/document.h>
#include <signal.h>

#include <catch2/catch.hpp>

#include <sstream>
#include <thread>

using namespace aton::test;
using namespace aton::test::sinks;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kRecords = 250;
constexpr std::size_t kChunkSize = 20;  // 13 chunks
constexpr std::size_t kChunks = (kRecords + kChunkSize - 1) / kChunkSize;
constexpr const char* kKey = "sk-test-5e3c9d1f0a7b42e8";

// The http sink's entry posting kChatBody to `server`.
std::string chat_sink(const ChatServer& server, std::string_view extra = "") {
  std::string out = R"({"plugin": "http", "url": ")" + server.url() + R"(", "body": )" + kChatBody +
                    R"(, "headers": {"Authorization": "Bearer ${ATON_TEST_LLM_KEY}", "X-Request-Id": "aton-{{chunk_id}}"},)"
                    R"( "backoff_ms": 10, "max_backoff_ms": 50, "responses": "answers.jsonl")";
  if (!extra.empty()) out += ", " + std::string(extra);
  return out + "}";
}

struct ChatRun {
  std::string input;
  ProcessResult result;
  std::string responses;  // the file's text, "" when absent
  double seconds = 0;
};

ChatRun run_chat(const ChatServer& server, std::string_view extra = "", std::size_t records = kRecords,
                 std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  TempDir dir;
  ChatRun run{users_json(records), {}, {}, 0};
  dir.write("users.json", run.input);
  auto config = dir.write("pipeline.json", pipeline_json("[" + chat_sink(server, extra) + "]", kChunkSize));
  ProcessOptions options = with_env("ATON_TEST_LLM_KEY", kKey);
  options.timeout = timeout;
  auto start = std::chrono::steady_clock::now();
  run.result = run_aton({"run", config.string()}, options);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (fs::exists(dir / "answers.jsonl")) run.responses = read_file(dir / "answers.jsonl");
  return run;
}

// Requires one line per chunk, in order, each the completion for its chunk
// (the content alone: response_pointer).
void require_answers_in_order(const std::string& responses, std::size_t chunks) {
  std::istringstream lines(responses);
  std::string line;
  std::size_t next = 0;
  while (std::getline(lines, line)) {
    INFO("line " << next << ": " << line);
    rapidjson::Document d;
    d.Parse(line.data(), line.size());
    REQUIRE(d.IsObject());
    REQUIRE(d["chunk_id"].IsUint64());
    CHECK(d["chunk_id"].GetUint64() == next);
    CHECK(d["status"].GetInt() == 200);
    REQUIRE(d["body"].IsString());
    CHECK(std::string(d["body"].GetString()).rfind("answer for chunk " + std::to_string(next), 0) == 0);
    ++next;
  }
  CHECK(next == chunks);
  CHECK((responses.empty() || responses.back() == '\n'));
}

std::string joined_chunks(const ChatServer& server) {
  std::string out;
  for (const auto& [id, text] : server.chunks()) out += (id ? "\n" : "") + text;
  return out;
}

}  // namespace

TEST_CASE("a body template posts each chunk as the JSON it describes and records each answer once in order",
          "[sinks][http][llm]") {
  ChatServer server({}, std::string(" (you sent Bearer ") + kKey + ")");
  auto run = run_chat(server, R"("response_pointer": "/choices/0/message/content")");
  INFO(run.result.err);
  REQUIRE(run.result.exit_code == 0);
  CHECK(server.problems().empty());
  for (const auto& p : server.problems()) UNSCOPED_INFO(p);
  require_answers_in_order(run.responses, kChunks);
  require_decodes_to(joined_chunks(server), run.input);
  // The key reached the server only: the echoed answer is recorded scrubbed.
  CHECK(server.http().requests()[0].header("Authorization") == std::string("Bearer ") + kKey);
  CHECK_THAT(run.responses, Catch::Contains("(you sent ***)"));
  CHECK_THAT(run.responses + run.result.out + run.result.err, !Catch::Contains(kKey));
}

TEST_CASE("without a response_pointer the whole answer is recorded as JSON", "[sinks][http][llm]") {
  ChatServer server([](std::size_t, std::uint64_t id) -> std::optional<HttpReply> {
    if (id == 2) return HttpReply::status_code(200, "plain text, not JSON");
    return std::nullopt;
  });
  auto run = run_chat(server, "", 60);
  INFO(run.result.err);
  REQUIRE(run.result.exit_code == 0);
  std::istringstream lines(run.responses);
  std::string first, second, third;
  std::getline(lines, first), std::getline(lines, second), std::getline(lines, third);
  CHECK_THAT(first, Catch::StartsWith(R"({"chunk_id":0,"status":200,"body":{"id":"cmpl-0","choices":[)"));
  CHECK(third == R"({"chunk_id":2,"status":200,"body":"plain text, not JSON"})");
}

TEST_CASE("aton validate refuses an unknown placeholder with a did-you-mean in the http and file sinks",
          "[sinks][http][llm][errors]") {
  TempDir dir;
  dir.write("users.json", users_json(3));
  auto config = dir.write("pipeline.json", pipeline_json(
      R"([{"plugin": "http", "url": "http://127.0.0.1:9/x", "body": {"messages": [{"content": "{{chunk_idd}} {{chunk}}"}]},)"
      R"( "headers": {"X-Text": "{{chunk}}"}},)"
      R"( {"plugin": "file", "path": "batch.jsonl", "body": {"custom_id": "chunk-{{chunkid}}", "x": "{{tabel}}"}}])"));
  auto validate = run_aton({"validate", config.string()});
  INFO(validate.out << validate.err);
  CHECK(validate.exit_code == 3);
  std::string said = validate.out + validate.err;
  CHECK_THAT(said, Catch::Contains("/sinks/0/body/messages/0/content") &&
                       Catch::Contains("unknown placeholder {{chunk_idd}}; did you mean {{chunk_id}}?"));
  CHECK_THAT(said, Catch::Contains("/sinks/0/headers/X-Text") && Catch::Contains("{{chunk}} cannot go in a header"));
  CHECK_THAT(said, Catch::Contains("/sinks/1/body/custom_id") && Catch::Contains("did you mean {{chunk_id}}?"));
  CHECK_THAT(said, Catch::Contains("/sinks/1/body/x") && Catch::Contains("did you mean {{table}}?"));
  auto run = run_aton({"run", config.string()});
  CHECK(run.exit_code == 3);
  CHECK_FALSE(fs::exists(dir / "batch.jsonl"));
}

TEST_CASE("concurrency 4 keeps four requests in flight and still records the answers in chunk order",
          "[sinks][http][llm]") {
  // Early chunks answer slowest, so answers come back out of order.
  ChatServer server([](std::size_t, std::uint64_t id) -> std::optional<HttpReply> {
    return HttpReply::status_code(200, R"({"choices": [{"message": {"content": "answer for chunk )" +
                                           std::to_string(id) + R"("}}]})")
        .after(std::chrono::milliseconds(id % 4 == 0 ? 400 : 50));
  });
  auto run = run_chat(server, R"("concurrency": 4, "response_pointer": "/choices/0/message/content")");
  INFO(run.result.err);
  REQUIRE(run.result.exit_code == 0);
  CHECK(server.problems().empty());
  require_answers_in_order(run.responses, kChunks);
  CHECK(server.most_outstanding() >= 3);
  CHECK(server.most_outstanding() <= 4);
  CHECK(server.http().connections_accepted() <= 4);
  require_decodes_to(joined_chunks(server), run.input);
}

TEST_CASE("a 429 pauses the whole sink for the time the server asks", "[sinks][http][llm]") {
  auto header = GENERATE(std::make_pair("Retry-After", "1"), std::make_pair("x-ratelimit-reset-requests", "1s"),
                         std::make_pair("x-ratelimit-reset-tokens", "0.9s"));
  INFO(header.first);
  ChatServer server([&](std::size_t index, std::uint64_t) -> std::optional<HttpReply> {
    if (index == 3) return HttpReply::status_code(429, "slow down").with_header(header.first, header.second);
    return std::nullopt;
  });
  auto run = run_chat(server, R"("concurrency": 2, "response_pointer": "/choices/0/message/content")", 100);
  INFO(run.result.err);
  REQUIRE(run.result.exit_code == 0);
  require_answers_in_order(run.responses, 5);
  auto arrivals = server.arrivals();
  REQUIRE(arrivals.size() == 6);  // five chunks and one repeat
  auto told = arrivals[3].first;
  for (std::size_t i = 4; i < arrivals.size(); ++i) {
    auto after = std::chrono::duration_cast<std::chrono::milliseconds>(arrivals[i].first - told);
    INFO("request " << i << " came " << after.count() << " ms after the 429");
    // Either sent before the 429 was back (the other worker), or held back.
    CHECK((after < std::chrono::milliseconds(30) || after >= std::chrono::milliseconds(850)));
  }
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(arrivals.back().first - told) >=
        std::chrono::milliseconds(850));
}

TEST_CASE("cut and dropped connections and slow answers are retried and each chunk recorded once",
          "[sinks][http][llm]") {
  ChatServer server([](std::size_t index, std::uint64_t id) -> std::optional<HttpReply> {
    std::string done = R"({"choices": [{"message": {"content": "answer for chunk )" + std::to_string(id) + R"("}}]})";
    if (index == 1) return HttpReply::cut(done);
    if (index == 4) return HttpReply::drop();
    if (index == 6) return HttpReply::status_code(503, "busy");
    if (index % 3 == 0) return HttpReply::status_code(200, done).after(std::chrono::milliseconds(150));
    return std::nullopt;
  });
  auto run = run_chat(server, R"("concurrency": 3, "response_pointer": "/choices/0/message/content")");
  INFO(run.result.err);
  REQUIRE(run.result.exit_code == 0);
  CHECK(server.problems().empty());
  require_answers_in_order(run.responses, kChunks);
  CHECK(server.arrivals().size() == kChunks + 3);
  require_decodes_to(joined_chunks(server), run.input);
}

TEST_CASE("requests_per_minute spaces the requests of all workers", "[sinks][http][llm]") {
  ChatServer server;
  auto run = run_chat(server, R"("concurrency": 3, "requests_per_minute": 600)", 200);  // 100 ms apart
  INFO(run.result.err);
  REQUIRE(run.result.exit_code == 0);
  auto arrivals = server.arrivals();
  REQUIRE(arrivals.size() == 10);
  for (std::size_t i = 1; i < arrivals.size(); ++i) {
    auto since_first = std::chrono::duration_cast<std::chrono::milliseconds>(arrivals[i].first - arrivals[0].first);
    INFO("request " << i << " arrived " << since_first.count() << " ms after the first");
    // The pacer lets request i go no sooner than i x 100 ms after the
    // first; arrivals carry the machine's scheduling jitter, which can delay
    // any request (the first too, or one so that the next gap is 21 ms on a
    // loaded box), never bring one forward. A burst, requests sent at once,
    // is what this must catch: it would arrive within a few ms of the first.
    // The last one (900 ms, at least 820) bounds the rate over the run.
    CHECK(since_first >= std::chrono::milliseconds(100 * static_cast<long>(i) - 80));
  }
}

TEST_CASE("a stopping run ends a rate-limit or 429 wait within a second or two", "[sinks][http][llm]") {
  auto limits = GENERATE(std::string(R"("requests_per_minute": 1)"), std::string(R"("tokens_per_minute": 1)"),
                         std::string(R"("concurrency": 2, "max_elapsed_ms": 3600000)"));
  INFO(limits);
  // The 429 case: every answer asks for ten minutes.
  ChatServer server([](std::size_t, std::uint64_t) -> std::optional<HttpReply> {
    return HttpReply::status_code(429).with_header("Retry-After", "600");
  });
  ChatServer fine;
  const ChatServer& target = limits.find("concurrency") != std::string::npos ? server : fine;
  TempDir dir;
  dir.write("users.json", users_json(200));
  auto config = dir.write("pipeline.json", pipeline_json("[" + chat_sink(target, limits) + "]", kChunkSize));
  const auto pid_file = dir / "aton.pid";
  ProcessResult run;
  std::chrono::steady_clock::time_point signalled;
  std::thread runner([&] {
    ProcessOptions options = with_env("ATON_TEST_LLM_KEY", kKey);
    run = run_process({"bash", "-c", R"(echo $$ > "$2" && exec "$0" run "$1")", ATON_BINARY, config.string(),
                       pid_file.string()},
                      options);
  });
  bool posted = target.http().wait_for_requests(limits.find("tokens") != std::string::npos ? 1 : 1,
                                                 std::chrono::seconds(30));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // into the wait
  signalled = std::chrono::steady_clock::now();
  ::kill(std::stoi(read_file(pid_file)), SIGTERM);
  runner.join();
  auto took = std::chrono::steady_clock::now() - signalled;
  INFO(run.err);
  CHECK(posted);
  CHECK(run.exit_code == 143);
  CHECK(took < std::chrono::seconds(2));
  CHECK_THAT(run.out + run.err, !Catch::Contains(kKey));
}

// The issue's whole road: SQLite rows, chunks cut to a token budget and
// self-contained, four requests in flight, one answer per chunk in order.
TEST_CASE("sqlite rows under a token budget in self-contained chunks reach a chat endpoint four at a time, "
          "each answered once in order",
          "[sinks][http][llm][budget]") {
  ChatServer server;
  TempDir dir;
  auto made = run_process({"sqlite3", (dir / "shop.db").string(),
                           "CREATE TABLE orders(id INTEGER, customer TEXT, total REAL);"
                           "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 300) "
                           "INSERT INTO orders SELECT i, 'customer ' || (i % 17), i * 1.5 FROM c;"});
  REQUIRE(made.exit_code == 0);
  constexpr std::size_t kBudget = 400;
  auto config = dir.write("pipeline.json",
                          R"({"source": {"plugin": "sql", "database": "shop.db", "query": "SELECT * FROM orders ORDER BY id"},
 "encoder": {"chunk_size": 1000, "max_tokens": 400, "self_contained": true, "compression": "ultra"},
 "sinks": [)" + chat_sink(server, R"("concurrency": 4, "response_pointer": "/choices/0/message/content")") +
                              "]}");
  ProcessOptions options = with_env("ATON_TEST_LLM_KEY", kKey);
  auto run = run_aton({"run", config.string()}, options);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(server.problems().empty());
  auto chunks = server.chunks();
  REQUIRE(chunks.size() >= 3);  // the budget, not chunk_size, cut them
  const auto& tokenizer = aton::Tokenizer::get(aton::TokenEncoding::o200k_base);
  std::size_t records = 0;
  for (const auto& [id, text] : chunks) {
    INFO("chunk " << id << ":\n" << text);
    CHECK(tokenizer.count(text) <= kBudget);
    CHECK(text.rfind("@chunk[id:" + std::to_string(id) + ",", 0) == 0);
    aton::Decoder alone;  // each chunk read alone, as a model gets it
    alone.feed(text);
    REQUIRE(alone.tables().size() == 1);
    records += alone.tables()[0].records.size();
  }
  CHECK(records == 300);
  std::string answers = read_file(dir / "answers.jsonl");
  require_answers_in_order(answers, chunks.size());
  CHECK(run.out.find(kKey) == std::string::npos);
  CHECK(run.err.find(kKey) == std::string::npos);
  CHECK(answers.find(kKey) == std::string::npos);
}
