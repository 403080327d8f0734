// Secrets never leave the process: a PostgreSQL password in any form of
// connection string, a ${NAME} value from the environment, an http URL's
// password and token. Each is checked through the real binary against the
// real PostgreSQL server and an http server on 127.0.0.1, in every byte
// the run wrote: stdout, stderr (messages, log lines, --progress json
// events), the checkpoint and the sinks' files.
#include "edges/edges.hpp"
#include "support/http_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using aton::test::HttpReply;
using aton::test::HttpServer;
using aton::test::ProcessOptions;
using aton::test::ProcessResult;
using aton::test::run_aton;
using aton::test::TempDir;
using aton::test::edges::check_nowhere;
using aton::test::edges::pg_server;
using aton::test::edges::json_string;

namespace {

constexpr const char* kPassword = "S3cretPw42x";

struct SqlRun {
  ProcessResult process;
  std::filesystem::path config;
  std::filesystem::path checkpoint;
};

// `aton run --progress json` of the sql source on `database` into a file
// sink and an http sink that takes chunk 0 and refuses chunk 1, so that the
// run stops with a checkpoint (written after every chunk) and a kept
// temporary file: every place a secret could be written to.
SqlRun run_sql(const TempDir& dir, const std::string& database, const ProcessOptions& options = {}) {
  HttpServer server({HttpReply::status_code(200), HttpReply::status_code(400, "no")});
  SqlRun run;
  run.checkpoint = dir / "pipeline.json.checkpoint";
  run.config = dir.write(
      "pipeline.json",
      "{\"source\": {\"plugin\": \"sql\", \"database\": " + json_string(database) +
          ", \"query\": \"SELECT g AS id, 'row ' || g AS name FROM generate_series(1, 5) AS g ORDER BY g\"},"
          " \"encoder\": {\"chunk_size\": 1}, \"checkpoint\": {\"interval\": 0},"
          " \"sinks\": [{\"plugin\": \"file\", \"path\": \"out.aton\"},"
          " {\"plugin\": \"http\", \"url\": " + json_string(server.url("/ingest")) + ", \"retries\": 0}]}");
  run.process = run_aton({"run", run.config.string(), "--progress", "json", "--verbose"}, options);
  return run;
}

}  // namespace

TEST_CASE("a PostgreSQL password in any form of connection string reaches no output of aton run",
          "[edges][secrets][sql]") {
  auto pg = pg_server();
  const std::string at = pg.host + ":" + pg.port + "/" + pg.db;
  TempDir dir;

  // Forms that connect (the test server trusts any password): the run goes
  // on to the refused chunk and leaves a checkpoint behind.
  auto connects = [&](const std::string& database, const ProcessOptions& options = {}) {
    SqlRun run = run_sql(dir, database, options);
    INFO("stderr: " << run.process.err);
    CHECK(run.process.exit_code == 1);
    CHECK_THAT(run.process.err, Catch::Contains("HTTP 400"));
    CHECK(std::filesystem::exists(run.checkpoint));
    check_nowhere(kPassword, run.process, dir, run.config);
  };
  // Forms that libpq or the plugin refuse before any row.
  auto refused = [&](const std::string& database, const std::string& secret) {
    SqlRun run = run_sql(dir, database);
    INFO("stderr: " << run.process.err);
    CHECK(run.process.exit_code == 1);
    CHECK_THAT(run.process.err, Catch::Contains("source 'sql'"));
    check_nowhere(secret, run.process, dir, run.config);
  };

  SECTION("the userinfo of a URI") { connects("postgresql://aton:" + std::string(kPassword) + "@" + at); }
  SECTION("a password query parameter") {
    connects("postgresql://aton@" + at + "?password=" + kPassword);
  }
  SECTION("a URI without a host whose host and password are query parameters") {
    connects("postgresql:///" + pg.db + "?host=" + pg.host + "&port=" + pg.port + "&user=aton&password=" +
             kPassword);
  }
  SECTION("a password from the environment") {
    ProcessOptions options;
    options.env["ATON_TEST_PG_PASSWORD"] = kPassword;
    connects("postgresql://aton:${ATON_TEST_PG_PASSWORD}@" + at, options);
  }
  SECTION("a password holding a raw at sign") {
    refused("postgresql://aton:S3c@retPw42x@" + at, "S3c@retPw42x");
    refused("postgresql://aton:S3c@retPw42x@" + at, "retPw42x");
  }
  SECTION("a password libpq quotes in its own message") {
    refused("postgresql://aton:S3cret%zzPw42@" + at, "S3cret%zzPw42");
    refused("postgresql://aton:" + std::string(kPassword) + "@[::1/" + pg.db, kPassword);
    refused("postgresql://aton@" + at + "?password=" + kPassword + "&sslmode=bogus", kPassword);
  }
  SECTION("a keyword and value connection string") {
    // Refused by the plugin's check, before the run (exit 3), naming the form to write.
    for (const std::string& database :
         {"host=" + pg.host + " port=" + pg.port + " dbname=" + pg.db + " user=aton password=" + kPassword,
          "host=" + pg.host + " password='" + kPassword + " x' dbname=" + pg.db}) {
      SqlRun run = run_sql(dir, database);
      INFO("stderr: " << run.process.err);
      CHECK(run.process.exit_code == 3);
      CHECK_THAT(run.process.err, Catch::Contains("/source/database") && Catch::Contains("postgresql:// URI"));
      check_nowhere(kPassword, run.process, dir, run.config);
    }
  }
}

TEST_CASE("a secret from the environment in an http url path is printed nowhere", "[edges][secrets][http]") {
  const std::string token = "hook-9f8e7d6c5b4a";
  TempDir dir;
  dir.write("users.json", R"([{"id": 1}, {"id": 2}])");
  for (int status : {404, 503}) {
    HttpServer server({}, HttpReply::status_code(status, "no such hook"));
    auto config = dir.write("pipeline.json",
                            "{\"source\": {\"plugin\": \"json\", \"path\": \"users.json\"},"
                            " \"sinks\": [{\"plugin\": \"http\", \"url\": " +
                                json_string(server.url("/hooks/${HOOK_TOKEN}/post")) +
                                ", \"retries\": 1, \"backoff_ms\": 1}]}");
    ProcessOptions options;
    options.env["HOOK_TOKEN"] = token;
    auto run = run_aton({"run", config.string(), "--progress", "json", "--verbose"}, options);
    INFO("stderr: " << run.err);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.err, Catch::Contains("HTTP " + std::to_string(status)));
    CHECK_THAT(run.err, Catch::Contains("/hooks/***/post"));
    check_nowhere(token, run, dir);
    // The server did get the real URL.
    REQUIRE_FALSE(server.requests().empty());
    CHECK(server.requests().front().target == "/hooks/" + token + "/post");
  }
}

TEST_CASE("an http url's password and token are printed nowhere even when the server echoes them",
          "[edges][secrets][http]") {
  TempDir dir;
  dir.write("users.json", R"([{"id": 1}])");
  HttpServer server({}, HttpReply::status_code(400, "bad request to /x?token=T0kenV4lue&user=U53rPa55word"));
  std::string url = server.url("/x?token=T0kenV4lue");
  url.insert(url.find("127.0.0.1"), "bob:U53rPa55word@");
  auto config = dir.write("pipeline.json",
                          "{\"source\": {\"plugin\": \"json\", \"path\": \"users.json\"},"
                          " \"sinks\": [{\"plugin\": \"http\", \"url\": " + json_string(url) +
                              ", \"headers\": {\"Authorization\": \"Bearer ${API_TOKEN}\"}}]}");
  ProcessOptions options;
  options.env["API_TOKEN"] = "tok-1234567890";
  auto run = run_aton({"run", config.string(), "--progress", "json"}, options);
  INFO("stderr: " << run.err);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("HTTP 400"));
  check_nowhere("U53rPa55word", run, dir, config);
  check_nowhere("T0kenV4lue", run, dir, config);
  check_nowhere("tok-1234567890", run, dir);
}

TEST_CASE("a value from the environment is not quoted by config errors of validate and run",
          "[edges][secrets][config]") {
  TempDir dir;
  dir.write("users.json", R"([{"id": 1}])");
  auto config = dir.write("pipeline.json",
                          "{\"source\": {\"plugin\": \"json\", \"path\": \"users.json\"},"
                          " \"encoder\": {\"compression\": \"${MODE}\"},"
                          " \"sinks\": [{\"plugin\": \"stdout\"}]}");
  ProcessOptions options;
  options.env["MODE"] = "sk_live_abcdef123456";
  for (const char* command : {"validate", "run"}) {
    auto run = run_aton({command, config.string()}, options);
    INFO(command << " stderr: " << run.err);
    CHECK(run.exit_code == 3);
    CHECK_THAT(run.err, Catch::Contains("/encoder/compression"));
    check_nowhere("sk_live_abcdef123456", run, dir);
  }
}
