// The http sink with responses, killed with SIGKILL at random moments and
// resumed: no chunk whose answer was recorded is sent again, and the
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
  constexpr std::size_t kRecords = 1200, kChunkSize = 20, kChunks = kRecords / kChunkSize;
  const char* key = "sk-resume-8d2f61b9c04e7a35";
  ::setenv("ATON_TEST_LLM_KEY", key, 1);  // BackgroundRun passes the environment on

  ChatServer server([](std::size_t, std::uint64_t id) -> std::optional<HttpReply> {
    return HttpReply::status_code(200, R"({"choices": [{"message": {"content": "answer for chunk )" +
                                           std::to_string(id) + R"("}}]})")
        .after(std::chrono::milliseconds(15 + id % 5 * 10));
  });
  TempDir dir;
  std::string input = users_json(kRecords);
  dir.write("users.json", input);
  std::string sink = R"({"plugin": "http", "url": ")" + server.url() + R"(", "body": )" + kChatBody +
                     R"(, "headers": {"Authorization": "Bearer ${ATON_TEST_LLM_KEY}", "X-Request-Id": "aton-{{chunk_id}}"},)"
                     R"( "concurrency": 4, "retries": 0, "responses": "answers.jsonl",)"
                     R"( "response_pointer": "/choices/0/message/content"})";
  // A slow second sink holds the checkpoint back, so the http sink records
  // answers past it: a resume must count those lines as answered.
  auto config = dir.write("pipeline.json",
                          pipeline_json("[" + sink + R"(, {"plugin": "test_sink", "delay_ms": 25}])", kChunkSize,
                                        "users.json",
                                        R"("checkpoint": {"interval": 0}, "plugin_dirs": [")" ATON_TEST_PLUGIN_DIR R"("])"));
  const fs::path checkpoint = dir / "pipeline.json.checkpoint";

  struct Kill {
    std::size_t requests_before;        // what the server had seen when the run was dead
    std::set<std::uint64_t> recorded;  // the answers on disk then
  };
  std::vector<Kill> kills;
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::vector<std::string> args{"run", config.string(), "--progress=none"};
    if (checkpoint_next_chunk(checkpoint)) args.push_back("--resume");
    BackgroundRun run(args, dir / ("run" + std::to_string(attempt)));
    std::size_t target = server.arrivals().size() + 4 + random() % 10;
    bool reached = server.http().wait_for_requests(target, std::chrono::seconds(20));
    if (reached && random() % 2) std::this_thread::sleep_for(std::chrono::milliseconds(random() % 20));
    if (!run.send(SIGKILL)) {
      INFO(run.err());
      REQUIRE(run.wait() == 0);
      break;
    }
    REQUIRE(run.wait().has_value());
    // Without a checkpoint the next run starts over, and may ask again.
    if (checkpoint_next_chunk(checkpoint)) kills.push_back({server.arrivals().size(), recorded_in(dir.path())});
  }
  std::vector<std::string> args{"run", config.string(), "--progress=none"};
  if (checkpoint_next_chunk(checkpoint)) args.push_back("--resume");
  auto last = run_aton(args);
  INFO(last.err);
  REQUIRE(last.exit_code == 0);
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
  CHECK(next == kChunks);
  CHECK_FALSE(fs::exists(checkpoint));
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    INFO(entry.path());
    CHECK(entry.path().filename().string().rfind(".answers.jsonl.tmp-", 0) != 0);
    if (entry.is_regular_file()) CHECK(read_file(entry.path()).find(key) == std::string::npos);
  }
  ::unsetenv("ATON_TEST_LLM_KEY");
}
