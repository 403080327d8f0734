#include "postgres_rows.hpp"

#include "sql_text.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace aton::sql_source {
namespace {

// Type OIDs (pg_type.oid); stable across server versions.
enum : Oid {
  kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26,
  kJson = 114, kFloat4 = 700, kFloat8 = 701, kDate = 1082, kTime = 1083,
  kTimestamp = 1114, kTimestampTz = 1184, kTimeTz = 1266, kNumeric = 1700, kJsonb = 3802
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "2024-01-02 03:04:05+05" -> "2024-01-02T03:04:05+05:00".
void iso_8601(std::string_view text, bool has_date, std::string& out) {
  out.assign(text);
  if (out.find(' ') != std::string::npos && out.find(" BC") == std::string::npos && has_date)
    out[out.find(' ')] = 'T';
  auto sign = out.find_last_of("+-");
  if (sign != std::string::npos && sign > out.find(':') && out.size() - sign == 3) out += ":00";
}

}  // namespace

PostgresRows::PostgresRows(const std::string& uri, const std::string& query, bool count, long fetch_size,
                           std::function<bool()> cancelled)
    : uri_(redact_uri(uri)), cancelled_(std::move(cancelled)), fetch_("FETCH FORWARD " + std::to_string(fetch_size) + " FROM aton_rows") {
  conn_ = PQconnectdb(uri.c_str());
  if (!conn_) throw std::runtime_error("sql: cannot connect to " + uri_ + ": out of memory");
  // A constructor that throws runs no destructor: close the connection here.
  try {
    if (PQstatus(conn_) != CONNECTION_OK)
      throw std::runtime_error("sql: cannot connect to " + uri_ + ": " + trim_message(PQerrorMessage(conn_)));
    if (PQsetClientEncoding(conn_, "UTF8") != 0)
      throw std::runtime_error("sql: " + uri_ + ": " + trim_message(PQerrorMessage(conn_)));
    PQclear(exec("SET TimeZone = 'UTC'", false));
    PQclear(exec("SET DateStyle = 'ISO, YMD'", false));
    PQclear(exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", false));
    if (count) total_ = this->count(query);
    PQclear(exec("DECLARE aton_rows NO SCROLL CURSOR FOR " + query, false));
  } catch (...) {
    PQfinish(conn_);
    conn_ = nullptr;
    throw;
  }
}

PostgresRows::~PostgresRows() {
  PQclear(batch_);
  PQfinish(conn_);  // ends the transaction and the cursor with it
}

pg_result* PostgresRows::exec(const std::string& sql, bool rows) {
  PGresult* r = PQexec(conn_, sql.c_str());
  ExecStatusType want = rows ? PGRES_TUPLES_OK : PGRES_COMMAND_OK;
  if (!r || PQresultStatus(r) != want) {
    std::string message = trim_message(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    PQclear(r);
    throw std::runtime_error("sql: " + uri_ + ": the server says: " + message);
  }
  return r;
}

// COUNT(*) scans the whole result, which may take minutes; it runs in
// create(), on the main thread, before the stages that watch for SIGINT and
// SIGTERM start. So it is sent without waiting, and its answer awaited on
// the connection's socket in steps of 100 ms that ask whether the run is
// stopping; if it is, PQcancel asks the server to stop the query (it stops
// it at once, pg_sleep included) and the source gives up.
std::int64_t PostgresRows::count(const std::string& query) {
  const std::string sql = "SELECT COUNT(*) FROM (" + query + ") AS aton_count";
  if (!PQsendQuery(conn_, sql.c_str()))
    throw std::runtime_error("sql: " + uri_ + ": " + trim_message(PQerrorMessage(conn_)));
  for (;;) {
    if (!PQconsumeInput(conn_)) throw std::runtime_error("sql: " + uri_ + ": " + trim_message(PQerrorMessage(conn_)));
    if (!PQisBusy(conn_)) break;
    if (cancelled_ && cancelled_()) {
      if (PGcancel* cancel = PQgetCancel(conn_)) {
        char error[256];
        PQcancel(cancel, error, sizeof error);  // best effort: closing the connection ends it too
        PQfreeCancel(cancel);
      }
      throw std::runtime_error("sql: " + uri_ + ": stopped while the server counted the rows (the query was cancelled)");
    }
    pollfd wait{PQsocket(conn_), POLLIN, 0};
    ::poll(&wait, 1, 100);
  }
  // One result, then NULL; an error result carries the server's message.
  PGresult* result = PQgetResult(conn_);
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  if (!result || PQresultStatus(result) != PGRES_TUPLES_OK) {
    std::string message = trim_message(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
    PQclear(result);
    throw std::runtime_error("sql: " + uri_ + ": the server says: " + message);
  }
  std::int64_t total = std::stoll(PQgetvalue(result, 0, 0));
  PQclear(result);
  return total;
}

std::size_t PostgresRows::read(sdk::RecordBuilder& out, std::size_t max) {
  std::size_t n = 0;
  while (n < max && !done_) {
    if (row_ == rows_) {
      PQclear(batch_);
      batch_ = nullptr;
      batch_ = exec(fetch_, true);
      row_ = 0;
      rows_ = PQntuples(batch_);
      if (rows_ == 0) {
        done_ = true;
        break;
      }
      if (names_.empty()) {
        for (int i = 0, c = PQnfields(batch_); i < c; ++i) {
          names_.emplace_back(PQfname(batch_, i));
          types_.push_back(PQftype(batch_, i));
        }
      }
    }
    out.begin_object();
    for (int i = 0; i < static_cast<int>(names_.size()); ++i) {
      out.key(names_[i]);
      if (PQgetisnull(batch_, row_, i))
        out.null();
      else
        emit_value(out, i, PQgetvalue(batch_, row_, i), static_cast<std::size_t>(PQgetlength(batch_, row_, i)));
    }
    out.end_object();
    ++row_;
    ++n;
  }
  return n;
}

void PostgresRows::emit_value(sdk::RecordBuilder& out, int column, const char* text, std::size_t size) {
  std::string_view s(text, size);
  switch (types_[column]) {
    case kBool:
      out.boolean(s == "t");
      return;
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid: {
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(text, text + size, v);
      if (ec == std::errc() && end == text + size)
        out.integer(v);
      else
        out.number_text(s);  // an oid past int64 cannot happen; keep the digits anyway
      return;
    }
    case kFloat4:
    case kFloat8: {
      double v = 0;
      auto [end, ec] = std::from_chars(text, text + size, v);
      if (ec == std::errc() && end == text + size && std::isfinite(v))
        out.floating(v);
      else  // NaN, Infinity, -Infinity: JSON has no such numbers
        out.string(s);
      return;
    }
    case kNumeric:
      if (s == "NaN" || s == "Infinity" || s == "-Infinity")
        out.string(s);
      else
        out.number_text(s);  // exactly as the server wrote it: "12.50" stays 12.50
      return;
    case kJson:
    case kJsonb:
      emit_json(out, text, size);
      return;
    case kBytea: {
      // The text form is "\x" and hex digits (bytea_output = hex).
      decoded_.clear();
      for (std::size_t i = 2; i + 1 < size; i += 2)
        decoded_.push_back(static_cast<char>(hex_digit(text[i]) << 4 | hex_digit(text[i + 1])));
      scratch_.clear();
      append_base64(decoded_, scratch_);
      out.string(scratch_);
      return;
    }
    case kDate:
    case kTime:
    case kTimeTz:
    case kTimestamp:
    case kTimestampTz:
      iso_8601(s, types_[column] != kTime && types_[column] != kTimeTz, scratch_);
      out.string(scratch_);
      return;
    default:
      out.string(s);
      return;
  }
}

// The host reads the text (json_value) with the core's JSON reader: numbers
// stay exact, duplicate keys stay, as in the json source.
void PostgresRows::emit_json(sdk::RecordBuilder& out, const char* text, std::size_t size) {
  std::string_view json(text, size);
  sdk::RecordBuilder::JsonRead read = out.json_value(json);
  std::size_t end = read.end;
  while (read.ok && end < size && (json[end] == ' ' || json[end] == '\n' || json[end] == '\r' || json[end] == '\t')) ++end;
  if (!read.ok || end != size)
    throw std::runtime_error("sql: a json value the server sent does not parse at byte " + std::to_string(end) + ": " +
                             std::string(read.ok ? "more after the value" : read.problem));
}

}  // namespace aton::sql_source
