// `aton validate` and `aton run` agree: every mistake a run would refuse
// before its first record (the host's keys, each plugin's declared options,
// each plugin's own check) is found by validate, listed with its JSON
// pointer, and refused by both with exit 3, before anything is started.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace aton::test;

namespace {

// A config whose source is `source` and whose sinks are `sinks` (the JSON
// texts of an object and of an array's items).
std::filesystem::path write_config(const TempDir& dir, const std::string& source, const std::string& sinks,
                                   const std::string& more = "") {
  return dir.write("pipeline.json", "{\"source\": " + source + ", \"sinks\": [" + sinks + "]" + more + "}");
}

const std::string kFileSink = R"({"plugin": "file", "path": "out.aton"})";

// Both commands refuse the config with exit 3, every `parts` in their
// messages, and the run leaves no output.
void check_refused_by_both(const TempDir& dir, const std::filesystem::path& config,
                           std::initializer_list<std::string> parts) {
  auto validate = run_aton({"validate", config.string()});
  INFO("validate: " << validate.out << validate.err);
  CHECK(validate.exit_code == 3);
  CHECK_THAT(validate.out, !Catch::Contains("valid:"));
  for (const auto& part : parts) CHECK_THAT(validate.err, Catch::Contains(part));

  auto run = run_aton({"run", config.string(), "--progress", "none"});
  INFO("run: " << run.err);
  CHECK(run.exit_code == 3);
  for (const auto& part : parts) CHECK_THAT(run.err, Catch::Contains(part));
  CHECK_THAT(run.err, !Catch::Contains("could not start"));
  CHECK_FALSE(std::filesystem::exists(dir / "out.aton"));
}

void make_sqlite(const std::filesystem::path& db) {
  auto made = run_process({"sqlite3", db.string(), "CREATE TABLE users(id INTEGER); INSERT INTO users VALUES (1);"});
  REQUIRE(made.exit_code == 0);
}

}  // namespace

TEST_CASE("aton validate and aton run refuse a sql source with both query and table", "[edges][checks]") {
  TempDir dir;
  make_sqlite(dir / "shop.db");
  auto config = write_config(
      dir, R"({"plugin": "sql", "database": "shop.db", "query": "SELECT * FROM users", "table": "users"})",
      kFileSink);
  check_refused_by_both(dir, config, {"pipeline.json: /source: ", "\"query\"", "\"table\"", "not both"});
}

TEST_CASE("aton validate and aton run refuse a sql source without query or table", "[edges][checks]") {
  TempDir dir;
  make_sqlite(dir / "shop.db");
  auto config = write_config(dir, R"({"plugin": "sql", "database": "shop.db"})", kFileSink);
  check_refused_by_both(dir, config, {"pipeline.json: /source: ", "neither"});
}

TEST_CASE("aton validate and aton run refuse an http url without a scheme", "[edges][checks]") {
  TempDir dir;
  dir.write("users.json", R"([{"id": 1}])");
  auto config = write_config(dir, R"({"plugin": "json", "path": "users.json"})",
                             kFileSink + R"(, {"plugin": "http", "url": "example.com/ingest"})");
  check_refused_by_both(dir, config, {"pipeline.json: /sinks/1/url: ", "http://", "https://"});
}

TEST_CASE("aton validate and aton run refuse a per_chunk pattern without {chunk_id}", "[edges][checks]") {
  TempDir dir;
  dir.write("users.json", R"([{"id": 1}])");
  auto config = write_config(dir, R"({"plugin": "json", "path": "users.json"})",
                             kFileSink + R"(, {"plugin": "file", "per_chunk": "parts/part.aton"})");
  check_refused_by_both(dir, config, {"pipeline.json: /sinks/1/per_chunk: ", "{chunk_id}"});
}

TEST_CASE("aton validate and aton run refuse a missing input file", "[edges][checks]") {
  TempDir dir;
  SECTION("json") {
    auto config = write_config(dir, R"({"plugin": "json", "path": "nowhere.json"})", kFileSink);
    check_refused_by_both(dir, config, {"pipeline.json: /source/path: ", (dir / "nowhere.json").string(),
                                        "No such file"});
  }
  SECTION("csv") {
    auto config = write_config(dir, R"({"plugin": "csv", "path": "nowhere.csv"})", kFileSink);
    check_refused_by_both(dir, config, {"pipeline.json: /source/path: ", (dir / "nowhere.csv").string(),
                                        "No such file"});
  }
  SECTION("a folder where a file should be") {
    std::filesystem::create_directories(dir / "folder.json");
    auto config = write_config(dir, R"({"plugin": "json", "path": "folder.json"})", kFileSink);
    check_refused_by_both(dir, config, {"pipeline.json: /source/path: ", "folder"});
  }
}

TEST_CASE("aton validate and aton run refuse a missing SQLite file", "[edges][checks]") {
  TempDir dir;
  auto config = write_config(dir, R"({"plugin": "sql", "database": "no.db", "table": "users"})", kFileSink);
  check_refused_by_both(dir, config, {"pipeline.json: /source/database: ", (dir / "no.db").string()});
}

TEST_CASE("aton validate lists every mistake of a config each with its JSON pointer", "[edges][checks]") {
  TempDir dir;
  make_sqlite(dir / "shop.db");
  auto config = write_config(
      dir, R"({"plugin": "sql", "database": "shop.db", "query": "SELECT 1", "table": "users"})",
      R"({"plugin": "http", "url": "example.com/ingest"},
         {"plugin": "file", "per_chunk": "parts/part.aton"},
         {"plugin": "file", "path": "out.aton", "modee": "append"},
         {"plugin": "http", "url": "http://127.0.0.1:9/x", "compress": "zip"})",
      R"(, "encoder": {"chunk_size": 0, "compression": "balanced"}, "queue": {"capacity": "four"})");
  const std::initializer_list<std::string> all = {
      "/encoder/chunk_size: expected a number >= 1",
      "/queue/capacity: expected an integer",
      "/source: ",
      "/sinks/0/url: ",
      "/sinks/1/per_chunk: ",
      "/sinks/2/modee: unknown key 'modee'; did you mean 'mode'?",
      "/sinks/3/compress: expected one of",
  };
  check_refused_by_both(dir, config, all);

  auto validate = run_aton({"validate", config.string()});
  SECTION("one line each in validate's output, then how many") {
    std::size_t lines = 0;
    for (char c : validate.err) lines += c == '\n';
    CHECK(lines == all.size() + 1);
    CHECK_THAT(validate.err, Catch::Contains("7 problems"));
  }
}

TEST_CASE("aton validate reports an unset variable and a plugin's mistake together", "[edges][checks]") {
  TempDir dir;
  dir.write("users.json", R"([{"id": 1}])");
  auto config = write_config(dir, R"({"plugin": "json", "path": "users.json"})",
                             R"({"plugin": "http", "url": "ftp://example.com/x"},
                                {"plugin": "http", "url": "http://127.0.0.1:9/x",
                                 "headers": {"Authorization": "${ATON_TEST_UNSET_TOKEN}"}})");
  check_refused_by_both(dir, config, {"/sinks/0/url: ", "ftp", "/sinks/1/headers/Authorization: ",
                                      "ATON_TEST_UNSET_TOKEN is not set"});
}

TEST_CASE("a plugin's problem inside an option carries the pointer to it escaped", "[edges][checks]") {
  TempDir dir;
  dir.write("users.json", R"([{"id": 1}])");
  auto config = write_config(dir, R"({"plugin": "json", "path": "users.json"})",
                             R"({"plugin": "http", "url": "http://127.0.0.1:9/x",
                                 "headers": {"X/Odd": "v", "X-Chunk-Id": "7", "X-Fine": "a\nb"}})");
  check_refused_by_both(dir, config, {"/sinks/0/headers/X~1Odd: ", "not a valid HTTP header name",
                                      "/sinks/0/headers/X-Chunk-Id: ", "set by the http sink",
                                      "/sinks/0/headers/X-Fine: ", "line break"});
}

TEST_CASE("aton run refuses a stdout sink when standard output is closed before reading anything",
          "[edges][checks]") {
  TempDir dir;
  dir.write("users.json", R"([{"id": 1}])");
  auto config = write_config(dir, R"({"plugin": "json", "path": "users.json"})", R"({"plugin": "stdout"})");
  auto run = run_process({"sh", "-c", "exec \"$0\" run \"$1\" --progress none >&-", ATON_BINARY, config.string()});
  INFO(run.err);
  CHECK(run.exit_code == 3);
  CHECK_THAT(run.err, Catch::Contains("/sinks/0: standard output is closed"));
}

TEST_CASE("a config whose plugins pass their checks is still valid and runs", "[edges][checks]") {
  TempDir dir;
  dir.write("users.json", R"([{"id": 1}, {"id": 2}])");
  auto config = write_config(dir, R"({"plugin": "json", "path": "users.json"})",
                             kFileSink + R"(, {"plugin": "file", "per_chunk": "parts/part-{chunk_id}.aton"})");
  std::filesystem::create_directories(dir / "parts");
  auto validate = run_aton({"validate", config.string()});
  INFO(validate.err);
  CHECK(validate.exit_code == 0);
  CHECK_THAT(validate.out, Catch::Contains("valid"));
  auto run = run_aton({"run", config.string(), "--progress", "none"});
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(std::filesystem::exists(dir / "out.aton"));
}

TEST_CASE("a plugin built for ABI 1.2 is never asked to check its config", "[edges][checks]") {
  // test_abi12 declares ABI 1.2 and puts a function in the slot that ABI 1.3
  // calls check: were it called, it would refuse every config.
  TempDir dir;
  dir.write("users.json", R"([{"id": 1}])");
  auto config = write_config(dir, R"({"plugin": "json", "path": "users.json"})", R"({"plugin": "test_abi12"})",
                             ", \"plugin_dirs\": [\"" + std::string(ATON_TEST_PLUGIN_DIR) + "\"]");
  auto validate = run_aton({"validate", config.string()});
  INFO(validate.err);
  CHECK(validate.exit_code == 0);
  CHECK_THAT(validate.err, !Catch::Contains("check()"));
  auto run = run_aton({"run", config.string(), "--progress", "none"});
  INFO(run.err);
  CHECK(run.exit_code == 0);
}
