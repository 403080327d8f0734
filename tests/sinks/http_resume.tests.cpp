// The http sink with responses, killed with SIGKILL at random moments and
// resumed (JSON records in chunks of 20; SQLite rows in self-contained
// chunks cut to a token budget): no chunk whose answer was recorded is sent again, and the
// responses file ends with exactly one line per chunk, in order.
#include "sinks/chat_server.hpp"
#include "sinks/sink_test_helpers.hpp"
#include "support/background_run.hpp"
#include "support/seed.hpp"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>
#include <set>
#include <sstream>

using namespace aton::test;
using namespace aton::test::sinks;
using namespace aton::test::resume;
namespace fs = std::filesystem;

namespace {

// The chunk ids of the whole lines in the responses file the killed run
// wrote last: the newest temporary file in `dir` (an earlier run that
// started over left its own, which a resume does not continue).
std::set<std::uint64_t> recorded_in(const fs::path& dir) {
  std::set<std::uint64_t> ids;
  fs::path newest;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().rfind(".answers.jsonl.tmp-", 0) == 0 &&
        (newest.empty() || fs::last_write_time(entry.path()) > fs::last_write_time(newest)))
      newest = entry.path();
  if (newest.empty()) return ids;
  std::string text = read_file(newest);
  std::size_t at = 0, end;
  while ((end = text.find('\n', at)) != std::string::npos) {
    rapidjson::Document d;
    d.Parse(text.data() + at, end - at);
    if (d.IsObject() && d.HasMember("chunk_id") && d["chunk_id"].IsUint64()) ids.insert(d["chunk_id"].GetUint64());
    at = end + 1;
  }
  return ids;
}

}  // namespace

TEST_CASE("kill -9 at random moments and --resume send no recorded chunk again and record each chunk once in order",
          "[sinks][http][llm][resume]") {
  unsigned seed = aton::test::test_seed();  // ATON_TEST_SEED replays one
  INFO("seed " << seed);
  std::mt19937 random(seed);
  // Chunks of 20 records, or chunks cut by a token budget (each one
  // self-contained, as one sent per request would be): their ends fall
  // inside the source's batches, and each still gets its checkpoint.
  const bool budgeted = GENERATE(false, true);
  INFO((budgeted ? "max_tokens 500, self_contained" : "chunk_size 20"));
  constexpr std::size_t kRecords = 1200;
  const char* key = "sk-resume-8d2f61b9c04e7a35";
  ::setenv("ATON_TEST_LLM_KEY", key, 1);  // BackgroundRun passes the environment on

  ChatServer server([](std::size_t, std::uint64_t id) -> std::optional<HttpReply> {
    return HttpReply::status_code(200, R"({"choices": [{"message": {"content": "answer for chunk )" +
                                           std::to_string(id) + R"("}}]})")
        .after(std::chrono::milliseconds(15 + id % 5 * 10));
  });
  TempDir dir;
  std::string input, source, table = "users";
  if (budgeted) {
    // The issue's whole road: SQLite rows, chunks cut to a token budget.
    auto made = run_process({"sqlite3", (dir / "shop.db").string(),
                             "CREATE TABLE orders(id INTEGER, customer TEXT, cents INTEGER, note TEXT);"
                             "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1200) "
                             "INSERT INTO orders SELECT i, 'customer ' || (i % 17), (i * 37) % 1000, "
                             "CASE WHEN i % 7 = 0 THEN NULL ELSE 'note ' || i END FROM c;"});
    REQUIRE(made.exit_code == 0);
    auto exported = run_process({"sqlite3", "-json", (dir / "shop.db").string(), "SELECT * FROM orders ORDER BY id"});
    REQUIRE(exported.exit_code == 0);
    input = exported.out;
    source = R"({"plugin": "sql", "database": "shop.db", "query": "SELECT * FROM orders ORDER BY id", "name": "orders"})";
    table = "orders";
  } else {
    input = users_json(kRecords);
    dir.write("users.json", input);
    source = R"({"plugin": "json", "path": "users.json", "table": "users"})";
  }
  std::string sink = R"({"plugin": "http", "url": ")" + server.url() + R"(", "body": )" + kChatBody +
                     R"(, "headers": {"Authorization": "Bearer ${ATON_TEST_LLM_KEY}", "X-Request-Id": "aton-{{chunk_id}}"},)"
                     R"( "concurrency": 4, "retries": 0, "responses": "answers.jsonl",)"
                     R"( "response_pointer": "/choices/0/message/content"})";
  // A slow second sink holds the checkpoint back, so the http sink records
  // answers past it: a resume must count those lines as answered.
  auto config = dir.write(
      "pipeline.json",
      R"({"source": )" + source + R"(, "encoder": )" +
          (budgeted ? R"({"chunk_size": 1000, "max_tokens": 500, "self_contained": true})" : R"({"chunk_size": 20})") +
          R"(, "queue": {"capacity": 4}, "checkpoint": {"interval": 0}, "plugin_dirs": [")" ATON_TEST_PLUGIN_DIR
          R"("], "sinks": [)" + sink + R"(, {"plugin": "test_sink", "delay_ms": 25}]})");
  const fs::path checkpoint = dir / "pipeline.json.checkpoint";

  struct Kill {
    std::size_t requests_before;        // what the server had seen when the run was dead
    std::set<std::uint64_t> recorded;  // the answers on disk then
  };
  std::vector<Kill> kills;
  bool finished = false;  // a run ended by itself before its kill: nothing is left to resume
  for (int attempt = 0; attempt < 5 && !finished; ++attempt) {
    std::vector<std::string> args{"run", config.string(), "--progress=none"};
    if (checkpoint_next_chunk(checkpoint)) args.push_back("--resume");
    BackgroundRun run(args, dir / ("run" + std::to_string(attempt)));
    // Each kill comes after a new checkpoint (under a budget the first one
    // waits for the source's first batch end, after several chunks), then
    // after 0 to 9 more requests.
    wait_for_checkpoint(checkpoint, checkpoint_next_chunk(checkpoint).value_or(0) + 1, run);
    std::size_t target = server.arrivals().size() + random() % 10;
    bool reached = server.http().wait_for_requests(target, std::chrono::seconds(20));
    if (reached && random() % 2) std::this_thread::sleep_for(std::chrono::milliseconds(random() % 20));
    run.send(SIGKILL);  // it may have exited already, or exit before the signal lands
    auto status = run.wait();
    REQUIRE(status.has_value());
    if (*status == 0) {
      finished = true;
      break;
    }
    // Without a checkpoint the next run starts over, and may ask again.
    if (checkpoint_next_chunk(checkpoint)) kills.push_back({server.arrivals().size(), recorded_in(dir.path())});
  }
  if (!finished) {
    std::vector<std::string> args{"run", config.string(), "--progress=none"};
    if (checkpoint_next_chunk(checkpoint)) args.push_back("--resume");
    auto last = run_aton(args);
    INFO(last.err);
    REQUIRE(last.exit_code == 0);
  }
  CHECK(kills.size() >= 2);
  CHECK(server.problems().empty());

  // No chunk recorded at a kill was asked again afterwards.
  auto arrivals = server.arrivals();
  for (const auto& kill : kills)
    for (std::size_t i = kill.requests_before; i < arrivals.size(); ++i) {
      INFO("request " << i << " for chunk " << arrivals[i].second);
      CHECK(kill.recorded.count(arrivals[i].second) == 0);
    }
  // Exactly one line per chunk, in order; nothing else left behind.
  std::istringstream lines(read_file(dir / "answers.jsonl"));
  std::string line;
  std::size_t next = 0;
  while (std::getline(lines, line)) {
    CHECK(line == R"({"chunk_id":)" + std::to_string(next) + R"(,"status":200,"body":"answer for chunk )" +
                      std::to_string(next) + "\"}");
    ++next;
  }
  // One answer per chunk the server saw, and those chunks are the input.
  auto chunks = server.chunks();
  CHECK(next == chunks.size());
  CHECK(next == (budgeted ? chunks.size() : kRecords / 20));
  if (budgeted) CHECK(next > 10);
  std::string joined;
  for (std::size_t id = 0; id < chunks.size(); ++id) {
    INFO("chunk " << id);
    REQUIRE(chunks.count(id) == 1);
    joined += (id ? "\n" : "") + chunks.at(id);
  }
  require_decodes_to(joined, input, table);
  CHECK_FALSE(fs::exists(checkpoint));
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    INFO(entry.path());
    CHECK(entry.path().filename().string().rfind(".answers.jsonl.tmp-", 0) != 0);
    if (entry.is_regular_file()) CHECK(read_file(entry.path()).find(key) == std::string::npos);
  }
  ::unsetenv("ATON_TEST_LLM_KEY");
}
