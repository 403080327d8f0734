// Rows of a query on a PostgreSQL server, through libpq and a server-side
// cursor: FETCH fetch_size rows at a time, so at most one batch of rows is
// ever in memory. The count and the rows come from one REPEATABLE READ,
// READ ONLY transaction, so COUNT(*) matches the rows streamed.
//
// Types map by column type (docs/sources.md): integers -> int, float4/8 ->
// float, numeric -> exact number, bool, text types -> str, json/jsonb ->
// objects and arrays, bytea -> base64 str, dates and times -> ISO-8601 str
// (the session runs in UTC), anything else -> its PostgreSQL text form.
#pragma once

#include "row_stream.hpp"

#include <functional>
#include <string>
#include <vector>

struct pg_conn;
struct pg_result;

namespace aton::sql_source {

class PostgresRows : public RowStream {
 public:
  // Throws std::runtime_error with libpq's or the server's message (bad URI,
  // unreachable server, failed authentication, SQL error, missing table).
  // `cancelled` (may be empty) is asked while the server counts the rows,
  // which may take long: a stopping run cancels the query (see count()).
  PostgresRows(const std::string& uri, const std::string& query, bool count, long fetch_size,
               std::function<bool()> cancelled = {});
  ~PostgresRows() override;

  std::size_t read(sdk::RecordBuilder& out, std::size_t max) override;
  std::int64_t total() const override { return total_; }

 private:
  pg_result* exec(const std::string& sql, bool rows);
  // SELECT COUNT(*) of the query, so that a stopping run stops it at once
  // (kept apart from exec(): its own protocol of sending and waiting).
  std::int64_t count(const std::string& query);
  void emit_value(sdk::RecordBuilder& out, int column, const char* text, std::size_t size);
  void emit_json(sdk::RecordBuilder& out, const char* text, std::size_t size);

  std::string uri_;  // redacted, for messages
  std::function<bool()> cancelled_;
  pg_conn* conn_ = nullptr;
  pg_result* batch_ = nullptr;
  int row_ = 0, rows_ = 0;
  bool done_ = false;
  std::string fetch_;
  std::vector<std::string> names_;
  std::vector<unsigned> types_;
  std::int64_t total_ = -1;
  std::string scratch_, decoded_;
};

}  // namespace aton::sql_source
