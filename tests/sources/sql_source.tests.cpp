// The sql source end to end: SQLite files made with the sqlite3 tool, and
// the throwaway PostgreSQL server that scripts/test starts (ATON_TEST_PG_URI).
#include "sources/source_pipeline.hpp"
#include "support/skip.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using aton::test::json_quoted;
using aton::test::postgres_uri;
using aton::test::run_process;
using aton::test::run_source;
using aton::test::TempDir;

namespace {

void sqlite(const std::filesystem::path& db, const std::string& sql) {
  auto r = run_process({"sqlite3", db.string(), sql});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

void psql(const std::string& sql) {
  auto r = run_process({"psql", postgres_uri(), "-q", "-v", "ON_ERROR_STOP=1", "-c", sql});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("sql: SQLite values map by storage class", "[sources][sql][sqlite]") {
  TempDir dir;
  auto db = dir / "t.db";
  sqlite(db,
         "CREATE TABLE users (id INTEGER, name TEXT, score REAL, photo BLOB, note, price NUMERIC);"
         "INSERT INTO users VALUES (1, 'Ann', 1.5, x'00ff10', NULL, '12.50'),"
         " (2, 'Bé', 0.1, x'', 7, 3), (3, NULL, -2.0, NULL, 'text', 'abc');");
  auto run = run_source(dir, R"({"plugin": "sql", "table": "users", "database": )" + json_quoted(db) + "}");
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json ==
        R"({"users":[{"id":1,"name":"Ann","score":1.5,"photo":"AP8Q","note":null,"price":12.5},)"
        R"({"id":2,"name":"Bé","score":0.1,"photo":"","note":7,"price":3},)"
        R"({"id":3,"name":null,"score":-2.0,"photo":null,"note":"text","price":"abc"}]})");
  CHECK(run.total_chunks == std::vector<std::int64_t>{2, 2});

  auto query = run_source(dir, R"({"plugin": "sql", "query": "SELECT id FROM users WHERE id > 1;", "name": "ids", "database": )" +
                                   json_quoted(db) + "}", 1);
  REQUIRE(query.process.exit_code == 0);
  CHECK(query.json == R"({"ids":[{"id":2},{"id":3}]})");
  CHECK(query.total_chunks == std::vector<std::int64_t>{2, 2});

  auto uncounted = run_source(dir, R"({"plugin": "sql", "table": "users", "count": false, "database": )" + json_quoted(db) + "}", 1);
  REQUIRE(uncounted.process.exit_code == 0);
  CHECK(uncounted.total_chunks.front() == -1);
}

TEST_CASE("sql: SQLite errors carry SQLite's own message", "[sources][sql][sqlite]") {
  TempDir dir;
  auto db = dir / "t.db";
  sqlite(db, "CREATE TABLE users (id INTEGER);");
  auto missing_table = run_source(dir, R"({"plugin": "sql", "table": "nope", "database": )" + json_quoted(db) + "}");
  CHECK(missing_table.process.exit_code == 1);
  CHECK_THAT(missing_table.process.err, Catch::Contains("no such table: nope"));

  auto bad_sql = run_source(dir, R"({"plugin": "sql", "query": "SELEC id FROM users", "database": )" + json_quoted(db) + "}");
  CHECK(bad_sql.process.exit_code == 1);
  CHECK_THAT(bad_sql.process.err, Catch::Contains("syntax error"));

  auto missing_file = run_source(dir, R"({"plugin": "sql", "table": "users", "database": )" + json_quoted(dir / "no.db") + "}");
  CHECK(missing_file.process.exit_code == 3);
  CHECK_THAT(missing_file.process.err, Catch::Contains("no SQLite database at") && Catch::Contains("no.db"));

  auto not_a_db = dir.write("text.db", "just some text, long enough to look like a header of a file......");
  auto wrong = run_source(dir, R"({"plugin": "sql", "table": "users", "database": )" + json_quoted(not_a_db) + "}");
  CHECK(wrong.process.exit_code == 1);
  CHECK_THAT(wrong.process.err, Catch::Contains("file is not a database"));

  auto neither = run_source(dir, R"({"plugin": "sql", "database": )" + json_quoted(db) + "}");
  CHECK(neither.process.exit_code == 3);
  CHECK_THAT(neither.process.err, Catch::Contains("either \"query\" or \"table\""));
}

TEST_CASE("sql: PostgreSQL types map as documented", "[sources][sql][postgres]") {
  std::string uri = postgres_uri();
  psql("DROP TABLE IF EXISTS aton_types;"
       "CREATE TABLE aton_types (i2 smallint, i8 bigint, f4 real, f8 double precision, num numeric(40,10),"
       " t text, b boolean, j json, jb jsonb, by bytea, d date, ts timestamp, tstz timestamptz, u uuid);"
       "INSERT INTO aton_types VALUES (1, 9223372036854775807, 1.5, 0.1, 123456789012345678901234567890.1234567890,"
       " 'héllo', true, '{\"a\": 1.50, \"a\": [1e300]}', '{\"b\": 2.50}', '\\x00ff10', '2024-01-02',"
       " '2024-01-02 03:04:05.25', '2024-01-02 03:04:05+05:30', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),"
       " (NULL, -1, 'NaN', '-Infinity', 0.5, NULL, false, NULL, '[1, \"x\"]', NULL, NULL, NULL, NULL, NULL);");
  TempDir dir;
  auto run = run_source(dir, R"({"plugin": "sql", "query": "SELECT * FROM aton_types ORDER BY i8 DESC", "database": )" +
                                 json_quoted(uri) + "}");
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  CHECK(run.json ==
        R"({"records":[{"i2":1,"i8":9223372036854775807,"f4":1.5,"f8":0.1,"num":123456789012345678901234567890.1234567890,)"
        R"("t":"héllo","b":true,"j":{"a":1.5,"a":[1e+300]},"jb":{"b":2.5},"by":"AP8Q","d":"2024-01-02",)"
        R"("ts":"2024-01-02T03:04:05.25","tstz":"2024-01-01T21:34:05+00:00","u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},)"
        R"({"i2":null,"i8":-1,"f4":"NaN","f8":"-Infinity","num":0.5,"t":null,"b":false,"j":null,"jb":[1,"x"],)"
        R"("by":null,"d":null,"ts":null,"tstz":null,"u":null}]})");
  CHECK(run.total_chunks == std::vector<std::int64_t>{1});
}

TEST_CASE("sql: PostgreSQL rows stream through the cursor in fetch_size batches", "[sources][sql][postgres]") {
  std::string uri = postgres_uri();
  TempDir dir;
  auto run = run_source(dir, R"({"plugin": "sql", "fetch_size": 7, "query": "SELECT g AS n, g * 2 AS twice FROM generate_series(1, 2500) AS g", "database": )" +
                                 json_quoted(uri) + "}", 1000);
  INFO(run.process.err);
  REQUIRE(run.process.exit_code == 0);
  std::string expected = "{\"records\":[";
  for (int i = 1; i <= 2500; ++i)
    expected += (i > 1 ? "," : "") + std::string("{\"n\":") + std::to_string(i) + ",\"twice\":" + std::to_string(2 * i) + "}";
  CHECK(run.json == expected + "]}");
  CHECK(run.total_chunks == std::vector<std::int64_t>{3, 3, 3});
}

TEST_CASE("sql: PostgreSQL errors carry libpq's or the server's message", "[sources][sql][postgres]") {
  std::string uri = postgres_uri();
  std::string host_port = uri.substr(0, uri.rfind('/'));  // postgresql://aton@127.0.0.1:PORT
  std::string port = host_port.substr(host_port.rfind(':') + 1);
  TempDir dir;
  struct Case {
    std::string database, query, message;
  };
  const Case cases[] = {
      {uri, "SELECT * FROM no_such_table", "relation \"no_such_table\" does not exist"},
      {uri, "SELEC 1", "syntax error at or near"},
      {uri, "SELECT 1/0", "division by zero"},
      {"postgresql://nobody:secret@127.0.0.1:" + port + "/aton_test", "SELECT 1", "role \"nobody\" does not exist"},
      {"postgresql://aton@127.0.0.1:1/aton_test", "SELECT 1", "Connection refused"},
      {uri + "?bogus=1", "SELECT 1", "invalid URI query parameter: \"bogus\""},
      {"postgresql://[::1", "SELECT 1", "end of string reached when looking for matching \"]\""},
  };
  for (const auto& c : cases) {
    auto run = run_source(dir, R"({"plugin": "sql", "query": )" + json_quoted(c.query) + R"(, "database": )" + json_quoted(c.database) + "}");
    INFO(c.database << " " << c.query);
    INFO(run.process.err);
    CHECK(run.process.exit_code == 1);
    CHECK_THAT(run.process.err, Catch::Contains(c.message));
    CHECK_THAT(run.process.err, !Catch::Contains("secret"));  // passwords never reach messages
  }
}
