// The sql source's "database" is a path option: a relative SQLite file is
// found from the config's folder whatever the working folder, and a URI is
// passed on as written.
#include "sources/source_pipeline.hpp"

#include <catch2/catch.hpp>

using namespace aton::test;

TEST_CASE("sql: a relative SQLite path is relative to the config file not the working folder",
          "[sources][sql][sqlite]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "project/data");
  std::filesystem::create_directories(dir / "elsewhere");
  auto db = dir / "project/data/shop.db";
  auto made = run_process({"sqlite3", db.string(), "CREATE TABLE t (id INTEGER, name TEXT); INSERT INTO t VALUES (1, 'Ann'), (2, 'Bob');"});
  REQUIRE(made.exit_code == 0);
  auto config = dir.write("project/pipeline.json",
                          R"({"source": {"plugin": "sql", "database": "data/shop.db", "table": "t"},
                              "sinks": [{"plugin": "file", "path": "out/t.aton"}]})");
  ProcessOptions options;
  options.working_dir = (dir / "elsewhere").string();
  auto run = run_aton({"run", config.string(), "--progress", "none"}, options);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  aton::Decoder decoder;
  decoder.feed(read_file(dir / "project/out/t.aton"));
  CHECK(decoder.to_json() == R"({"t":[{"id":1,"name":"Ann"},{"id":2,"name":"Bob"}]})");
}

TEST_CASE("sql: a postgresql:// URI in database is passed on as written", "[sources][sql]") {
  TempDir dir;
  auto config = dir.write("pipeline.json",
                          R"({"source": {"plugin": "sql", "database": "postgresql://nobody@127.0.0.1:1/none", "table": "t", "count": false},
                              "sinks": [{"plugin": "file", "path": "out.aton"}]})");
  auto run = run_aton({"run", config.string(), "--progress", "none"});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  // Refused by libpq as a connection, not looked up as a file under the config's folder.
  CHECK_THAT(run.err, Catch::Contains("postgresql://nobody@127.0.0.1:1/none"));
  CHECK_THAT(run.err, !Catch::Contains((dir.path() / "postgresql:").string()));
  CHECK_THAT(run.err, !Catch::Contains("no SQLite database"));
}
