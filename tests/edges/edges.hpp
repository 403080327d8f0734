// Shared by the tests of hostile edges (tests/edges/): the throwaway
// PostgreSQL server, JSON string literals, and the check that a secret left
// no trace in anything a run wrote. Header-only.
#pragma once

#include "support/process.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace aton::test::edges {

// `text` as a JSON string literal.
inline std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The server scripts/test starts: postgresql://aton@HOST:PORT/DB.
struct PgServer {
  std::string uri;
  std::string host;
  std::string port;
  std::string db;
  std::string user = "aton";
};

inline PgServer pg_server() {
  PgServer pg;
  pg.uri = postgres_uri();
  std::string_view rest = pg.uri;
  rest.remove_prefix(rest.find('@') + 1);  // "HOST:PORT/DB"
  std::size_t colon = rest.find(':'), slash = rest.find('/');
  REQUIRE(colon != std::string_view::npos);
  REQUIRE(slash != std::string_view::npos);
  pg.host = std::string(rest.substr(0, colon));
  pg.port = std::string(rest.substr(colon + 1, slash - colon - 1));
  pg.db = std::string(rest.substr(slash + 1));
  return pg;
}

// Runs SQL on the test server with psql.
inline void psql(const std::string& sql) {
  auto r = run_process({"psql", pg_server().uri, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

// The first column of the first row of a query, as psql prints it.
inline std::string psql_value(const std::string& sql) {
  auto r = run_process({"psql", pg_server().uri, "-qtA", "-v", "ON_ERROR_STOP=1", "-c", sql});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// `secret` is in none of the run's output: stdout, stderr, and every file
// in `dir` (outputs, checkpoints, temporary files) but `except` (the
// config, which holds a secret written in it).
inline void check_nowhere(const std::string& secret, const ProcessResult& run, const TempDir& dir,
                          const std::filesystem::path& except = {}) {
  INFO("secret: " << secret);
  INFO("stdout: " << run.out);
  INFO("stderr: " << run.err);
  CHECK(run.out.find(secret) == std::string::npos);
  CHECK(run.err.find(secret) == std::string::npos);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    if (!entry.is_regular_file() || entry.path() == except) continue;
    INFO("file: " << entry.path());
    CHECK(read_file(entry.path()).find(secret) == std::string::npos);
  }
}

}  // namespace aton::test::edges
