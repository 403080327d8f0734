// The http sink, run by the real `aton run` against a real HTTP server on
// 127.0.0.1 (support/http_server.hpp) that records every request.
#include "sinks/sink_test_helpers.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"

#include <signal.h>

#include <catch2/catch.hpp>

#include <thread>

using namespace aton::test;
using namespace aton::test::sinks;

namespace {

// The http sink's entry, with fast retries so the tests stay quick.
std::string http_sink(const HttpServer& server, std::string_view extra = "") {
  std::string out = R"({"plugin": "http", "url": ")" + server.url("/ingest") +
                    R"(", "backoff_ms": 10, "max_backoff_ms": 50)";
  if (!extra.empty()) out += ", " + std::string(extra);
  return out + "}";
}

// Runs `aton run` with the json source reading `records` users and one
// http sink (extra keys `extra`) posting to `server`.
struct HttpRun {
  std::string input;
  ProcessResult result;
};
HttpRun run_http(const HttpServer& server, std::string_view extra = "", std::size_t records = 250,
                 const ProcessOptions& options = {}) {
  TempDir dir;
  HttpRun run{users_json(records), {}};
  dir.write("users.json", run.input);
  auto config = dir.write("pipeline.json", pipeline_json("[" + http_sink(server, extra) + "]"));
  run.result = run_aton({"run", config.string()}, options);
  return run;
}

std::string joined_bodies(const std::vector<HttpRequest>& requests) {
  std::string out;
  for (const auto& r : requests) {
    if (!out.empty()) out += "\n";
    out += r.body;
  }
  return out;
}

std::vector<std::string> chunk_ids(const std::vector<HttpRequest>& requests) {
  std::vector<std::string> ids;
  for (const auto& r : requests) ids.push_back(r.header("X-Chunk-Id"));
  return ids;
}

}  // namespace

TEST_CASE("every chunk is POSTed once in order with the guide's headers over one connection",
          "[sinks][http]") {
  HttpServer server;
  auto [input, run] = run_http(
      server, R"("headers": {"Authorization": "Bearer ${ATON_TEST_TOKEN}", "X-Tenant": "acme"})", 250,
      with_env("ATON_TEST_TOKEN", "s3cr3t-t0ken-value"));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);

  auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(chunk_ids(requests) == std::vector<std::string>{"0", "1", "2"});
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    INFO("request " << i);
    CHECK(r.method == "POST");
    CHECK(r.target == "/ingest");
    CHECK(r.header("X-Total-Chunks") == "3");
    CHECK(r.header("X-Is-Last") == (i == 2 ? "true" : "false"));
    CHECK(r.header("X-Aton-Table") == "users");
    CHECK_THAT(r.header("Content-Type"), Catch::StartsWith("text/x-aton"));
    CHECK(r.header("Authorization") == "Bearer s3cr3t-t0ken-value");
    CHECK(r.header("X-Tenant") == "acme");
    CHECK_FALSE(r.has_header("Content-Encoding"));
    CHECK(r.connection == 1);  // the connection was reused
  }
  CHECK(server.connections_accepted() == 1);
  require_decodes_to(joined_bodies(requests), input);
  CHECK_THAT(run.err, !Catch::Contains("s3cr3t-t0ken-value"));
}

TEST_CASE("a server that answers 503 twice then 200 gets each chunk once", "[sinks][http]") {
  HttpServer server({HttpReply::status_code(503, "busy"),
                     HttpReply::status_code(503).with_header("Retry-After", "0")});
  auto [input, run] = run_http(server);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(chunk_ids(server.requests()) == std::vector<std::string>{"0", "0", "0", "1", "2"});
  auto accepted = server.accepted_requests();
  CHECK(chunk_ids(accepted) == std::vector<std::string>{"0", "1", "2"});
  require_decodes_to(joined_bodies(accepted), input);
}

TEST_CASE("a dropped connection is retried on a new one", "[sinks][http]") {
  HttpServer server({HttpReply::status_code(200), HttpReply::drop()});
  auto [input, run] = run_http(server);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto requests = server.requests();
  REQUIRE(chunk_ids(requests) == std::vector<std::string>{"0", "1", "1", "2"});
  CHECK(requests[2].connection != requests[1].connection);
  require_decodes_to(joined_bodies(server.accepted_requests()), input);
}

TEST_CASE("a 400 fails the run at once naming the chunk the status and the response",
          "[sinks][http]") {
  HttpServer server({HttpReply::status_code(200),
                     HttpReply::status_code(400, "field 'id' rejected by schema v2\nsecond line")});
  auto run = run_http(server).result;
  CHECK(run.exit_code == 1);
  CHECK(server.requests().size() == 2);  // chunk 1 was not retried, chunk 2 never sent
  CHECK_THAT(run.err, Catch::Contains("chunk 1") && Catch::Contains("HTTP 400") &&
                          Catch::Contains("field 'id' rejected by schema v2"));
}

TEST_CASE("a server that never answers fails the run within the bounded time", "[sinks][http]") {
  HttpServer server({}, HttpReply::hang());
  auto run = run_http(server, R"("timeout_ms": 200, "retries": 2)", 50,
                      with_timeout(std::chrono::seconds(60))).result;
  CHECK_FALSE(run.timed_out);
  CHECK(run.exit_code == 1);
  CHECK(server.requests().size() == 3);  // the first attempt and two retries
  CHECK_THAT(run.err, Catch::Contains("chunk 0") && Catch::Contains("3 attempts") &&
                          Catch::Contains("timed out"));
}

TEST_CASE("a Retry-After beyond the time bound fails the run without waiting", "[sinks][http]") {
  HttpServer server({}, HttpReply::status_code(429).with_header("Retry-After", "3600"));
  auto run = run_http(server, R"("max_elapsed_ms": 5000)", 50,
                      with_timeout(std::chrono::seconds(60))).result;
  CHECK_FALSE(run.timed_out);
  CHECK(run.exit_code == 1);
  CHECK(server.requests().size() == 1);
  CHECK_THAT(run.err, Catch::Contains("chunk 0") && Catch::Contains("HTTP 429") &&
                          Catch::Contains("retry after 3600"));
}

TEST_CASE("header values never appear in messages even when the server echoes them", "[sinks][http]") {
  HttpServer server({}, HttpReply::status_code(401, "invalid token s3cr3t-t0ken-value for tenant"));
  auto run = run_http(server, R"("headers": {"Authorization": "Bearer ${ATON_TEST_TOKEN}"})", 50,
                      with_env("ATON_TEST_TOKEN", "s3cr3t-t0ken-value")).result;
  CHECK(run.exit_code == 1);
  CHECK(server.requests().size() == 1);
  CHECK_THAT(run.err, Catch::Contains("HTTP 401") && Catch::Contains("invalid token *** for tenant"));
  CHECK_THAT(run.err + run.out, !Catch::Contains("s3cr3t-t0ken-value"));
}

TEST_CASE("compress gzip sends gzip bodies that decompress to the chunks", "[sinks][http]") {
  HttpServer server;
  auto [input, run] = run_http(server, R"("compress": "gzip", "compress_min_bytes": 0)");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  std::string joined;
  for (const auto& r : requests) {
    CHECK(r.header("Content-Encoding") == "gzip");
    auto plain = run_process({"gzip", "-dc"}, with_input(r.body));
    REQUIRE(plain.exit_code == 0);
    CHECK(plain.out.size() > r.body.size());
    joined += (joined.empty() ? "" : "\n") + plain.out;
  }
  require_decodes_to(joined, input);
}

TEST_CASE("a stopping run ends the http sink's retry wait promptly", "[sinks][http]") {
  // The server asks for a ten-minute pause; once it has seen the first
  // request, the run is told to stop (SIGTERM, the same cancellation as a
  // failing stage), and it must end long before the pause would.
  HttpServer server({}, HttpReply::status_code(503).with_header("Retry-After", "600"));
  TempDir dir;
  auto config = dir.write("pipeline.json", generated_pipeline_json(
      "[" + http_sink(server, R"("max_elapsed_ms": 3600000)") + "]", 1000, -1));
  const auto pid_file = dir / "aton.pid";
  ProcessResult run;
  std::jthread runner([&] {
    // The pid is written before aton starts (exec keeps it), so it is there
    // by the time the server sees a request.
    run = run_process({"bash", "-c", R"(echo $$ > "$2" && exec "$0" run "$1")", ATON_BINARY,
                       config.string(), pid_file.string()},
                      with_timeout(std::chrono::seconds(60)));
  });
  bool posted = server.wait_for_requests(1, std::chrono::seconds(30));
  ::kill(std::stoi(read_file(pid_file)), SIGTERM);
  auto signalled = std::chrono::steady_clock::now();
  runner.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
  INFO(run.err);
  CHECK(posted);
  CHECK_FALSE(run.timed_out);
  CHECK(seconds < 5.0);  // the pause asked for is 600 s
  CHECK(run.exit_code == 143);
  CHECK_THAT(run.err, Catch::Contains("interrupted"));  // aton's own exit, not death by the signal
  CHECK(server.requests().size() == 1);
}

TEST_CASE("X-Total-Chunks is left out while the total is unknown", "[sinks][http]") {
  HttpServer server;
  TempDir dir;
  auto config = dir.write("pipeline.json", generated_pipeline_json(
      "[" + http_sink(server) + "]", 120, -1, 50, /*total_known=*/false));
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK_FALSE(requests[0].has_header("X-Total-Chunks"));
  CHECK_FALSE(requests[1].has_header("X-Total-Chunks"));
  CHECK(requests[2].header("X-Is-Last") == "true");
}
