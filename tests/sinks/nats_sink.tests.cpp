// The nats sink against a real nats-server with JetStream on 127.0.0.1,
// through the real `aton run` and the real plugins: what the stream holds
// afterwards, read back with nats.c (support/nats_server.hpp).
#include "sinks/sink_test_helpers.hpp"
#include "support/background_run.hpp"
#include "support/child_run.hpp"
#include "support/nats_server.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <thread>

using namespace aton::test;
using namespace aton::test::sinks;
namespace fs = std::filesystem;

namespace {

constexpr const char* kStream = "ATON_USERS";

std::string nats_sink(const std::string& url, const std::string& extra = "", const std::string& stream = kStream) {
  return R"({"plugin": "nats", "url": ")" + url + R"(", "subject": ")" + (stream == kStream ? "aton.users" : stream) +
         R"(", "stream": ")" + stream + "\"" + extra + "}";
}

std::string header(const StoredMessage& message, const std::string& name) {
  auto it = message.headers.find(name);
  return it == message.headers.end() ? "<absent>" : it->second;
}

// The chunk texts by chunk id, requiring each of ids 0..chunks-1 exactly
// once, all of one run; joined as the file sink joins them.
std::string chunks_exactly_once(const std::vector<StoredMessage>& messages, std::size_t chunks) {
  std::map<std::size_t, const StoredMessage*> by_id;
  for (const auto& message : messages) {
    std::size_t id = std::stoul(header(message, "X-Chunk-Id"));
    INFO("chunk " << id << " at sequence " << message.sequence);
    CHECK(by_id.emplace(id, &message).second);  // not twice
    CHECK(header(message, "Nats-Msg-Id") == header(messages.front(), "X-Aton-Run") + ":" + std::to_string(id));
  }
  REQUIRE(messages.size() == chunks);
  REQUIRE(by_id.size() == chunks);
  REQUIRE(by_id.rbegin()->first == chunks - 1);
  std::string text;
  for (const auto& [id, message] : by_id) text += (id ? "\n" : "") + message->data;
  return text;
}

// Writes users.json (`input`) and pipeline.json into `dir`: the json
// source, then the nats sink and the test plugins' test_sink (`test_sink`:
// its keys), with the checkpoint keys `checkpoint` (a JSON object's text).
fs::path with_test_sink(const TempDir& dir, const std::string& input, const std::string& nats,
                        const std::string& test_sink, std::size_t chunk_size, const std::string& checkpoint = "{}") {
  dir.write("users.json", input);
  return dir.write("pipeline.json",
                   pipeline_json("[" + nats + R"(, {"plugin": "test_sink", )" + test_sink + "}]", chunk_size,
                                 "users.json",
                                 R"("checkpoint": )" + checkpoint + R"(, "plugin_dirs": [")" ATON_TEST_PLUGIN_DIR R"("])"));
}

// Polls until the stream holds at least `count` messages (bounded).
bool wait_for_stream(const std::string& url, long long count, resume::BackgroundRun& run) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline && run.running()) {
    if (stream_size(url, kStream) >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("the nats sink publishes every chunk once in order with the chunk headers", "[sinks][nats]") {
  // The suite's server (scripts/test) with a stream of this test's own, or a server of its own.
  std::optional<NatsServer> own;
  std::string url = shared_nats_url();
  if (url.empty()) url = own.emplace().url();
  const std::string stream = unique_stream_name();
  TempDir dir;
  std::string input = users_json(1000);
  dir.write("users.json", input);
  auto config = dir.write("pipeline.json", pipeline_json("[" + nats_sink(url, "", stream) + "]", 50));
  auto result = run_aton({"run", config.string(), "--progress=none"});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);

  auto messages = read_stream(url, stream);
  REQUIRE(messages.size() == 20);
  std::uint64_t records = 0;
  const std::string run = header(messages.front(), "X-Aton-Run");
  CHECK(run.size() == 16);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    INFO("message " << i);
    CHECK(m.subject == stream);
    CHECK(header(m, "X-Chunk-Id") == std::to_string(i));  // in order
    CHECK(header(m, "Nats-Msg-Id") == run + ":" + std::to_string(i));
    CHECK(header(m, "X-Is-Last") == (i == 19 ? "true" : "false"));
    CHECK(header(m, "X-Aton-Table") == "users");
    if (i == 19) CHECK(header(m, "X-Total-Chunks") == "20");
    if (header(m, "X-Total-Chunks") != "<absent>") CHECK(header(m, "X-Total-Chunks") == "20");
    records += std::stoull(header(m, "X-Chunk-Records"));
  }
  CHECK(records == 1000);
  require_decodes_to(chunks_exactly_once(messages, 20), input);
}

TEST_CASE("the nats sink killed with SIGKILL and resumed leaves every chunk in the stream exactly once",
          "[sinks][nats][resume]") {
  NatsServer server;
  TempDir dir;
  constexpr std::size_t kRecords = 2000, kChunkSize = 20, kChunks = kRecords / kChunkSize;
  std::string input = users_json(kRecords);
  // A slow second sink holds the checkpoint back while the nats sink runs
  // ahead: the resume publishes those chunks again.
  auto config = with_test_sink(dir, input, nats_sink(server.url()), R"("delay_ms": 15)", kChunkSize, R"({"interval": 0})");
  const fs::path checkpoint = dir / "pipeline.json.checkpoint";
  {
    resume::BackgroundRun run({"run", config.string(), "--progress=none"}, dir / "killed");
    REQUIRE(resume::wait_for_checkpoint(checkpoint, 30, run));
    REQUIRE(run.send(SIGKILL));
    REQUIRE(run.wait().has_value());
  }
  REQUIRE(resume::checkpoint_next_chunk(checkpoint).has_value());
  long long before = stream_size(server.url(), kStream);
  CHECK(before > static_cast<long long>(*resume::checkpoint_next_chunk(checkpoint)));  // ran ahead

  auto resumed = run_aton({"run", config.string(), "--progress=none", "--resume"});
  INFO(resumed.err);
  REQUIRE(resumed.exit_code == 0);
  // The re-sent chunks reached the server and its duplicate window dropped them.
  CHECK(resumed.err.find("dropped by the duplicate window") != std::string::npos);
  auto messages = read_stream(server.url(), kStream);
  require_decodes_to(chunks_exactly_once(messages, kChunks), input);
}

TEST_CASE("the nats sink goes on through a server restart mid-run and stores every chunk exactly once",
          "[sinks][nats]") {
  NatsServer server;
  TempDir dir;
  constexpr std::size_t kRecords = 3000, kChunkSize = 20, kChunks = kRecords / kChunkSize;
  std::string input = users_json(kRecords);
  auto config = with_test_sink(dir, input,
                               nats_sink(server.url(), R"(, "retries": 100, "backoff_ms": 20, "max_backoff_ms": 200, )"
                                                       R"("ack_timeout_ms": 1000)"),
                               R"("delay_ms": 10)", kChunkSize);
  resume::BackgroundRun run({"run", config.string(), "--progress=none"}, dir / "run");
  REQUIRE(wait_for_stream(server.url(), 20, run));
  long long before_stop = stream_size(server.url(), kStream);
  REQUIRE(run.running());
  server.stop();
  // The server stays down until the sink has failed an attempt and waits to retry.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (run.err().find("failed (") == std::string::npos && run.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(run.err().find("failed (") != std::string::npos);
  server.start();
  auto code = run.wait();
  INFO(run.err());
  REQUIRE(code == 0);
  CHECK(before_stop < static_cast<long long>(kChunks));  // the restart came mid-run
  auto messages = read_stream(server.url(), kStream);
  require_decodes_to(chunks_exactly_once(messages, kChunks), input);
}

TEST_CASE("a chunk larger than the server's max_payload fails the nats sink naming the chunk and both sizes",
          "[sinks][nats]") {
  NatsServer server({.max_payload = 4096});
  TempDir dir;
  std::string input = users_json(600);
  dir.write("users.json", input);
  auto config = dir.write("pipeline.json", pipeline_json("[" + nats_sink(server.url()) + "]", 200));
  auto result = run_aton({"run", config.string(), "--progress=none"});
  INFO(result.err);
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("chunk 0 is ") != std::string::npos);
  CHECK(result.err.find("4,096 bytes of the server's max_payload") != std::string::npos);
  CHECK(result.err.find("encoder.max_bytes") != std::string::npos);

  SECTION("a byte budget makes chunks that fit") {
    auto budgeted = run_aton({"run", config.string(), "--progress=none", "--set", "encoder.max_bytes=3500"});
    INFO(budgeted.err);
    REQUIRE(budgeted.exit_code == 0);
    auto messages = read_stream(server.url(), kStream);
    REQUIRE(messages.size() > 3);
    require_decodes_to(chunks_exactly_once(messages, messages.size()), input);
  }
}

TEST_CASE("the nats sink's token never shows in its output or its checkpoint", "[sinks][nats][secrets]") {
  const std::string token = "nats-tok-5e81c2a9d07f43b6";
  NatsServer server({.token = token});
  TempDir dir;
  // The second sink fails at chunk 5: the run stops resumably, keeping its checkpoint.
  auto config = with_test_sink(dir, users_json(500), nats_sink(server.url(), R"(, "token": "${ATON_TEST_NATS_TOKEN}")"),
                               R"("fail_at": 5)", 20, R"({"interval": 0})");
  auto with_token = run_aton({"run", config.string(), "--progress=json", "-v"}, with_env("ATON_TEST_NATS_TOKEN", token));
  INFO(with_token.err);
  CHECK(with_token.exit_code == 1);
  CHECK(stream_size(server.url(), kStream) < 0);  // no token: the server lets nothing be read
  CHECK(read_stream(server.url(), kStream, token).size() >= 1);  // the token let it in
  CHECK(with_token.out.find(token) == std::string::npos);
  CHECK(with_token.err.find(token) == std::string::npos);
  REQUIRE(fs::exists(dir / "pipeline.json.checkpoint"));
  CHECK(read_file(dir / "pipeline.json.checkpoint").find(token) == std::string::npos);

  SECTION("a wrong token is refused at once, and shown nowhere") {
    fs::remove(dir / "pipeline.json.checkpoint");
    const std::string wrong = "nats-tok-wrong-0b7d3f15aa";
    auto refused = run_aton({"run", config.string(), "--progress=json", "-v"}, with_env("ATON_TEST_NATS_TOKEN", wrong));
    INFO(refused.err);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("not retried") != std::string::npos);
    CHECK(refused.err.find(wrong) == std::string::npos);
    CHECK(refused.out.find(wrong) == std::string::npos);
  }
}

TEST_CASE("aton validate lists every problem of a nats sink config without connecting", "[sinks][nats][config]") {
  TempDir dir;
  dir.write("users.json", users_json(3));
  auto config = dir.write(
      "pipeline.json",
      pipeline_json(R"([{"plugin": "nats", "url": "http://127.0.0.1:1", "subject": "aton.*", "stream": "a.b",)"
                    R"( "password": "${ATON_TEST_NATS_PASSWORD}"}])"));
  auto result = run_aton({"validate", config.string()}, with_env("ATON_TEST_NATS_PASSWORD", "pw-8c1e5b27f4"));
  INFO(result.err);
  CHECK(result.exit_code == 3);
  CHECK(result.err.find("/sinks/0/url") != std::string::npos);
  CHECK(result.err.find("use nats:// or tls://") != std::string::npos);
  CHECK(result.err.find("/sinks/0/subject") != std::string::npos);
  CHECK(result.err.find("/sinks/0/stream") != std::string::npos);
  CHECK(result.err.find("password needs user") != std::string::npos);
  CHECK(result.err.find("pw-8c1e5b27f4") == std::string::npos);
}

TEST_CASE("a nats sink retrying a server that is down stops within a second of SIGTERM", "[sinks][nats][signals]") {
  NatsServer server;
  const std::string url = server.url();
  server.stop();  // nothing listens there now
  std::string backoff = GENERATE(std::string("20"), std::string("5000"));  // trying, or waiting to try again
  INFO("backoff_ms " << backoff);
  TempDir dir;
  dir.write("users.json", users_json(100));
  auto config = dir.write(
      "pipeline.json",
      pipeline_json("[" + nats_sink(url, R"(, "retries": 1000, "max_elapsed_ms": 600000, "max_backoff_ms": 5000, )"
                                         R"("backoff_ms": )" + backoff) + "]", 10));
  Child child({"run", config.string(), "--progress=none"}, dir / "err.txt");
  // It has failed one attempt and is retrying.
  REQUIRE(wait_until(child, [&] { return child.err().find("attempt 1 of 1001 failed") != std::string::npos; }));
  REQUIRE(child.send(SIGTERM));
  auto exit = child.wait(std::chrono::seconds(10));
  INFO(child.err());
  REQUIRE(exit.has_value());
  CHECK(*exit == 143);
  CHECK(child.seconds_from_signal_to_exit() < 1.5);
}

TEST_CASE("a nats sink run redone from the start with a fixed run_id stores nothing twice", "[sinks][nats][resume]") {
  NatsServer server;
  TempDir dir;
  std::string input = users_json(600);
  dir.write("users.json", input);
  auto config = dir.write("pipeline.json",
                          pipeline_json("[" + nats_sink(server.url(), R"(, "run_id": "job-42")") + "]", 50));
  auto first = run_aton({"run", config.string(), "--progress=none"});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  auto again = run_aton({"run", config.string(), "--progress=none"});  // no --resume: from the start
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(again.err.find("12 chunks were published again and dropped by the duplicate window") != std::string::npos);
  auto messages = read_stream(server.url(), kStream);
  CHECK(header(messages.front(), "Nats-Msg-Id") == "job-42:0");
  require_decodes_to(chunks_exactly_once(messages, 12), input);
}

TEST_CASE("a nats sink whose stream does not take its subject fails at once saying so", "[sinks][nats]") {
  NatsServer server;
  TempDir dir;
  dir.write("users.json", users_json(10));
  // The first run makes the stream for aton.users; the second names another subject.
  auto config = dir.write("pipeline.json", pipeline_json("[" + nats_sink(server.url()) + "]", 5));
  REQUIRE(run_aton({"run", config.string(), "--progress=none"}).exit_code == 0);
  auto other = run_aton({"run", config.string(), "--progress=none", "--set", "sinks.0.subject=aton.orders"});
  INFO(other.err);
  CHECK(other.exit_code == 1);
  CHECK(other.err.find("the JetStream stream ATON_USERS does not take the subject aton.orders (its subjects: "
                       "aton.users); add the subject to the stream, or name another stream (not retried") !=
        std::string::npos);
  CHECK(other.err.find("attempt") == std::string::npos);  // no retry
}

TEST_CASE("the nats sink takes a user and password and never shows the password in a url or out of one",
          "[sinks][nats][secrets]") {
  const std::string password = "pw-3f9a61c0d4e2b875";
  NatsServer server({.user = "aton", .password = password});
  TempDir dir;
  std::string input = users_json(200);
  dir.write("users.json", input);
  const std::string address = "127.0.0.1:" + std::to_string(server.port());

  SECTION("from the environment, right") {
    auto config = dir.write(
        "pipeline.json",
        pipeline_json("[" + nats_sink(server.url(), R"(, "user": "aton", "password": "${ATON_TEST_NATS_PASSWORD}")") +
                      "]", 50));
    auto result = run_aton({"run", config.string(), "--progress=json", "-v"},
                           with_env("ATON_TEST_NATS_PASSWORD", password));
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.err.find(password) == std::string::npos);
    CHECK(result.out.find(password) == std::string::npos);
  }
  SECTION("in the url, wrong") {
    const std::string wrong = password + "-not";
    auto config = dir.write("pipeline.json",
                            pipeline_json("[" + nats_sink("nats://aton:${ATON_TEST_NATS_PASSWORD}@" + address) + "]", 50));
    auto result = run_aton({"run", config.string(), "--progress=json", "-v"}, with_env("ATON_TEST_NATS_PASSWORD", wrong));
    INFO(result.err);
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("nats://***@" + address) != std::string::npos);  // the server named, its user left out
    CHECK(result.err.find("Authorization Violation") != std::string::npos);
    CHECK(result.err.find(wrong) == std::string::npos);
    CHECK(result.out.find(wrong) == std::string::npos);
  }
}

TEST_CASE("a nats sink waiting for acknowledgements from a frozen server stops within a second of SIGTERM",
          "[sinks][nats][signals]") {
  NatsServer server;
  TempDir dir;
  auto config = with_test_sink(dir, users_json(2000),
                               nats_sink(server.url(), R"(, "retries": 1000, "max_elapsed_ms": 600000, )"
                                                       R"("backoff_ms": 20, "ack_timeout_ms": 3000)"),
                               R"("delay_ms": 5)", 10);
  Child child({"run", config.string(), "--progress=none"}, dir / "err.txt");
  REQUIRE(wait_until(child, [&] { return stream_size(server.url(), kStream) >= 5; }));
  server.pause();  // the connection stays up; no acknowledgement comes
  REQUIRE(wait_until(child, [&] { return child.err().find("no acknowledgement within 3000 ms") != std::string::npos; }));
  REQUIRE(child.send(SIGTERM));
  auto exit = child.wait(std::chrono::seconds(10));
  server.resume();
  INFO(child.err());
  REQUIRE(exit.has_value());
  CHECK(*exit == 143);
  CHECK(child.seconds_from_signal_to_exit() < 1.5);
}

TEST_CASE("the nats sink goes on when the node it is connected to in a three-node cluster stops",
          "[sinks][nats][cluster]") {
  // Three nodes on 127.0.0.1, routed to each other; the stream has 3 replicas.
  const int routes[3] = {free_port(), free_port(), free_port()};
  std::string route_list;
  for (int port : routes) route_list += (route_list.empty() ? "" : ", ") + ("\"nats-route://127.0.0.1:" + std::to_string(port) + "\"");
  std::vector<std::unique_ptr<NatsServer>> nodes;
  std::string urls;
  for (int i = 0; i < 3; ++i) {
    NatsServerOptions options;
    options.extra_config = "server_name: n" + std::to_string(i) + "\ncluster { name: aton, listen: \"127.0.0.1:" +
                           std::to_string(routes[i]) + "\", routes: [" + route_list + "] }";
    nodes.push_back(std::make_unique<NatsServer>(options));
    urls += (urls.empty() ? "" : ",") + nodes.back()->url();
  }
  TempDir dir;
  constexpr std::size_t kRecords = 3000, kChunkSize = 20, kChunks = kRecords / kChunkSize;
  std::string input = users_json(kRecords);
  // Until the cluster has elected its JetStream leader the stream cannot be
  // made: the retries wait for it, as they wait for the failover.
  auto config = with_test_sink(dir, input,
                               nats_sink(urls, R"(, "replicas": 3, "retries": 1000, "backoff_ms": 50, )"
                                               R"("max_backoff_ms": 500, "ack_timeout_ms": 2000)"),
                               R"("delay_ms": 40)", kChunkSize);
  resume::BackgroundRun run({"run", config.string(), "--progress=none"}, dir / "run");
  const std::string reader = nodes[1]->url();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (stream_size(reader, kStream) < 20 && run.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  long long before_stop = stream_size(reader, kStream);
  INFO(run.err());
  REQUIRE(before_stop >= 20);
  REQUIRE(run.running());
  nodes[0]->stop();  // the first url: the sink's connection
  auto code = run.wait(std::chrono::seconds(120));
  INFO(run.err());
  REQUIRE(code == 0);
  CHECK(before_stop < static_cast<long long>(kChunks));  // it stopped mid-run
  auto messages = read_stream(reader, kStream);
  require_decodes_to(chunks_exactly_once(messages, kChunks), input);
}

TEST_CASE("examples/sink-nats.json publishes the example data that decodes back to it", "[sinks][nats]") {
  NatsServer server;
  auto run = run_aton({"run", ATON_SOURCE_DIR "/examples/sink-nats.json", "--progress=none", "--set",
                       "sinks.0.url=" + server.url(), "--set", "checkpoint.enabled=false"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto messages = read_stream(server.url(), "ATON_EMPLOYEES");
  REQUIRE_FALSE(messages.empty());
  std::string text = chunks_exactly_once(messages, messages.size());
  aton::Decoder decoder;
  decoder.feed(text);
  REQUIRE(decoder.tables().size() == 1);
  auto difference = json_difference(read_file(ATON_SOURCE_DIR "/examples/data/employees.json"), decoder.to_json());
  INFO(difference.value_or(""));
  CHECK_FALSE(difference.has_value());
}

TEST_CASE("a nats sink asking a single server for a stream of 3 replicas fails at once saying why", "[sinks][nats]") {
  NatsServer server;
  TempDir dir;
  dir.write("users.json", users_json(10));
  auto config = dir.write("pipeline.json", pipeline_json("[" + nats_sink(server.url(), R"(, "replicas": 3)") + "]", 5));
  auto result = run_aton({"run", config.string(), "--progress=none"});
  INFO(result.err);
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("replicas > 1 not supported in non-clustered mode (JetStream error 10074) (not retried") !=
        std::string::npos);
  CHECK(result.err.find("attempt") == std::string::npos);  // no retry
}
