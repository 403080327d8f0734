// Rows of a query on a SQLite file, opened read-only and stepped one row at
// a time (sqlite3_step), so no result is ever held whole. Each value maps
// by its storage class: INTEGER -> int, REAL -> float, TEXT -> str,
// BLOB -> base64 str, NULL -> null.
#pragma once

#include "row_stream.hpp"

#include <memory>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace aton::sql_source {

class SqliteRows : public RowStream {
 public:
  // Throws std::runtime_error with SQLite's message (missing file, not a
  // database, SQL error, no such table).
  SqliteRows(const std::string& path, const std::string& query, bool count);
  ~SqliteRows() override;

  std::size_t read(sdk::RecordBuilder& out, std::size_t max) override;
  std::int64_t total() const override { return total_; }

 private:
  [[noreturn]] void fail(const std::string& what) const;
  sqlite3_stmt* prepare(const std::string& sql) const;

  std::string path_;  // redacted (keyword/value text may hold a password), for messages
  sqlite3* db_ = nullptr;
  sqlite3_stmt* statement_ = nullptr;
  std::vector<std::string> names_;
  std::int64_t total_ = -1;
  bool done_ = false;
  std::string scratch_;
};

}  // namespace aton::sql_source
