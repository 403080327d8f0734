#include "sqlite_rows.hpp"

#include "sql_text.hpp"

#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>

namespace aton::sql_source {

SqliteRows::SqliteRows(const std::string& path, const std::string& query, bool count) : path_(redact_uri(path)) {
  // A read-only open of a missing file fails with only "unable to open
  // database file": say which file first.
  std::error_code ec;
  bool uri = path.rfind("file:", 0) == 0;  // a SQLite URI: file:shop.db?mode=ro
  if (!uri && !std::filesystem::exists(path, ec)) {
    throw std::runtime_error("sql: " + no_sqlite_database(path, {}));
  }
  int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nullptr);
  // A constructor that throws runs no destructor: close the database here.
  try {
    if (rc != SQLITE_OK) fail("cannot open the database");
    if (count) {
      sqlite3_stmt* counter = prepare("SELECT COUNT(*) FROM (" + query + ")");
      rc = sqlite3_step(counter);
      if (rc == SQLITE_ROW) total_ = sqlite3_column_int64(counter, 0);
      sqlite3_finalize(counter);
      if (rc != SQLITE_ROW) fail("cannot count the rows");
    }
    statement_ = prepare(query);
    for (int i = 0, n = sqlite3_column_count(statement_); i < n; ++i) {
      const char* name = sqlite3_column_name(statement_, i);
      names_.emplace_back(name ? name : "column_" + std::to_string(i + 1));
    }
  } catch (...) {
    sqlite3_finalize(statement_);
    sqlite3_close(db_);  // also after a failed open, as SQLite asks
    db_ = nullptr;
    throw;
  }
}

SqliteRows::~SqliteRows() {
  sqlite3_finalize(statement_);
  sqlite3_close(db_);
}

// One statement only: what follows a first statement would be ignored
// silently, so it is refused instead (as PostgreSQL's extended protocol does).
sqlite3_stmt* SqliteRows::prepare(const std::string& sql) const {
  sqlite3_stmt* statement = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &statement, &tail) != SQLITE_OK)
    fail("cannot run the query");
  while (tail && *tail && (*tail == ' ' || *tail == '\n' || *tail == '\r' || *tail == '\t' || *tail == ';')) ++tail;
  if (tail && *tail) {
    sqlite3_finalize(statement);
    throw std::runtime_error("sql: " + path_ + ": the query must be one statement, but more follows its first: '" +
                             std::string(tail).substr(0, 40) + "'");
  }
  return statement;
}

void SqliteRows::fail(const std::string& what) const {
  std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
  throw std::runtime_error("sql: " + path_ + ": " + what + ": SQLite says: " + message);
}

std::size_t SqliteRows::read(sdk::RecordBuilder& out, std::size_t max) {
  std::size_t n = 0;
  while (n < max && !done_) {
    int rc = sqlite3_step(statement_);
    if (rc == SQLITE_DONE) {
      done_ = true;
      break;
    }
    if (rc != SQLITE_ROW) fail("cannot read the rows");
    out.begin_object();
    for (int i = 0; i < static_cast<int>(names_.size()); ++i) {
      out.key(names_[i]);
      switch (sqlite3_column_type(statement_, i)) {
        case SQLITE_INTEGER:
          out.integer(sqlite3_column_int64(statement_, i));
          break;
        case SQLITE_FLOAT: {
          double d = sqlite3_column_double(statement_, i);
          if (std::isfinite(d))
            out.floating(d);
          else  // JSON has no infinities
            out.string(d > 0 ? "Infinity" : "-Infinity");
          break;
        }
        case SQLITE_TEXT: {
          auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, i));
          out.string(std::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, i))));
          break;
        }
        case SQLITE_BLOB: {
          auto* blob = static_cast<const char*>(sqlite3_column_blob(statement_, i));
          scratch_.clear();
          append_base64(std::string_view(blob, static_cast<std::size_t>(sqlite3_column_bytes(statement_, i))),
                        scratch_);
          out.string(scratch_);
          break;
        }
        default:
          out.null();
          break;
      }
    }
    out.end_object();
    ++n;
  }
  return n;
}

}  // namespace aton::sql_source
