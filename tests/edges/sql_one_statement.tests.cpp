// A sql source's query is one statement run in a read-only transaction:
// text that closes the wrapping SELECT and adds statements (COMMIT, DELETE,
// CREATE) must change nothing on the server. Through the real binary
// against the real PostgreSQL server.
#include "edges/edges.hpp"

#include <catch2/catch.hpp>

#include <string>

using aton::test::run_aton;
using aton::test::TempDir;
using aton::test::edges::pg_server;
using aton::test::edges::psql;
using aton::test::edges::psql_value;
using aton::test::edges::json_string;

namespace {

void make_victim() {
  psql("DROP TABLE IF EXISTS victim; DROP TABLE IF EXISTS pwned;"
       "CREATE TABLE victim (id int); INSERT INTO victim SELECT generate_series(1, 3);");
}

// The victim is whole and no table was created.
void check_untouched() {
  CHECK(psql_value("SELECT count(*) FROM victim") == "3");
  CHECK(psql_value("SELECT to_regclass('pwned') IS NULL") == "t");
}

aton::test::ProcessResult run_query(const TempDir& dir, const std::string& query, bool count) {
  auto config = dir.write("pipeline.json", "{\"source\": {\"plugin\": \"sql\", \"database\": " +
                                               json_string(pg_server().uri) + ", \"query\": " + json_string(query) +
                                               ", \"count\": " + (count ? "true" : "false") +
                                               "}, \"sinks\": [{\"plugin\": \"stdout\"}]}");
  return run_aton({"run", config.string(), "--progress", "none"});
}

}  // namespace

TEST_CASE("a sql query that smuggles in more statements changes nothing on the server",
          "[edges][sql][injection]") {
  TempDir dir;
  make_victim();
  SECTION("closing the count's subquery") {
    auto run = run_query(dir, "SELECT 1 AS one) x; COMMIT; DELETE FROM victim; CREATE TABLE pwned(a int); SELECT (1",
                         true);
    INFO(run.err);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.err, Catch::Contains("source 'sql'"));
    check_untouched();
  }
  SECTION("after the cursor's query when nothing is counted") {
    auto run = run_query(dir, "SELECT 1; COMMIT; DELETE FROM victim; CREATE TABLE pwned(a int); SELECT 1", false);
    INFO(run.err);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.err, Catch::Contains("one statement"));
    check_untouched();
  }
  SECTION("a writing statement inside the one query") {
    for (bool count : {true, false}) {
      auto run = run_query(dir, "WITH d AS (DELETE FROM victim RETURNING id) SELECT id FROM d", count);
      INFO(run.err);
      CHECK(run.exit_code == 1);
      check_untouched();
    }
  }
  SECTION("a query that turns the transaction read-write") {
    auto run = run_query(dir, "SELECT set_config('transaction_read_only', 'off', true)", false);
    INFO(run.err);
    CHECK(run.exit_code == 1);
    check_untouched();
  }
}

TEST_CASE("a sqlite query with a second statement is refused rather than cut short", "[edges][sql][injection]") {
  TempDir dir;
  auto db = dir / "t.db";
  auto made = aton::test::run_process({"sqlite3", db.string(), "CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1);"});
  REQUIRE(made.exit_code == 0);
  for (bool count : {true, false}) {
    auto config = dir.write("pipeline.json", "{\"source\": {\"plugin\": \"sql\", \"database\": " + json_string(db.string()) +
                                                 ", \"query\": \"SELECT id FROM t; SELECT 2\", \"count\": " +
                                                 (count ? "true" : "false") + "}, \"sinks\": [{\"plugin\": \"stdout\"}]}");
    auto run = run_aton({"run", config.string(), "--progress", "none"});
    INFO(run.err);
    CHECK(run.exit_code == 1);
    // Counted, the wrapping SELECT COUNT(*) makes it a syntax error already.
    CHECK_THAT(run.err, Catch::Contains(count ? "syntax error" : "one statement"));
  }
}

TEST_CASE("a sql query of one statement still streams its rows", "[edges][sql][injection]") {
  TempDir dir;
  make_victim();
  auto run = run_query(dir, "SELECT id FROM victim ORDER BY id;", true);
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("3"));
  check_untouched();
}
