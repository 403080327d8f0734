// The sql source: the rows of a query, or of a table, from a SQLite file
// (embedded, read-only) or a PostgreSQL server (postgresql:// URI).
// docs/sources.md describes every option and the type mapping.
//
// Resumable runs continue by OFFSET: the position is the number of rows
// read, and a resume runs SELECT * FROM (<query>) ... OFFSET <rows>. That
// is only right when the query's ORDER BY gives every row a fixed place
// (docs/sources.md says so). The position also keeps the COUNT(*) total and,
// for a SQLite file, its size and modification time: a different count or
// a changed file is refused.
#include "../common/input_check.hpp"
#include "../common/input_file.hpp"  // run_cancelled only
#include "../common/input_identity.hpp"
#include "postgres_rows.hpp"
#include "sql_text.hpp"
#include "sqlite_rows.hpp"

#include <aton/plugin.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace aton::sql_source {
namespace {

class SqlSource : public sdk::Source {
 public:
  // What can be told without connecting (ABI 1.3; create() calls it first).
  static void check(const sdk::Config& config, sdk::Problems& problems) {
    bool has_query = config.has("query"), has_table = config.has("table");
    if (has_query == has_table)
      problems.add("", "give either \"query\" or \"table\", not " + std::string(has_query ? "both" : "neither"));
    else if (has_query && trim_query(config.string("query")).empty())
      problems.add(sdk::Problems::key("query"), "the query is empty");
    // A SQLite file is opened read-only: it must exist. A SQLite URI
    // (file:...) and a server are only known when connecting.
    std::string database = config.string("database");
    if (!is_postgres_uri(database) && database.rfind("file:", 0) != 0)
      if (auto why = sources::why_unreadable(database))
        problems.add(sdk::Problems::key("database"), no_sqlite_database(database, *why));
  }

  explicit SqlSource(const sdk::Context& context) : host_(context.host) {
    const auto& config = context.config;
    std::string database = config.string("database");
    bool has_query = config.has("query"), has_table = config.has("table");
    std::string query = has_query ? trim_query(config.string("query"))
                                  : "SELECT * FROM " + quote_table_name(config.string("table"));
    table_ = config.string("name", has_table ? config.string("table") : "records");
    bool count = config.boolean("count", true);
    database_ = database;
    query_ = query;
    fetch_size_ = config.integer("fetch_size", 1000);
    rows_ = open(query_, count);
    total_ = rows_->total();
  }

  std::string save_position() {
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    w.StartObject();
    w.Key("rows");
    w.Uint64(records_);
    w.Key("total");
    w.Int64(total_);
    if (auto file = file_identity()) {
      w.Key("file");
      w.StartObject();
      file->write(w);
      w.EndObject();
    }
    w.EndObject();
    return out.GetString();
  }

  void restore_position(std::string_view text) {
    rapidjson::Document saved;
    saved.Parse(text.data(), text.size());
    auto rows = saved.IsObject() ? saved.FindMember("rows") : saved.MemberEnd();
    auto total = saved.IsObject() ? saved.FindMember("total") : saved.MemberEnd();
    if (saved.HasParseError() || rows == saved.MemberEnd() || !rows->value.IsUint64() ||
        total == saved.MemberEnd() || !total->value.IsInt64())
      throw std::runtime_error("sql: the saved position has no rows and total");
    auto file = saved.FindMember("file");
    if (auto now = file_identity(); now && file != saved.MemberEnd() && file->value.IsObject())
      now->check_saved(file->value, "sql: " + database_);
    if (total->value.GetInt64() != total_)
      throw std::runtime_error("sql: the query now gives " + std::to_string(total_) + " rows, " +
                               std::to_string(total->value.GetInt64()) +
                               " at the checkpoint: the data changed; run again without --resume");
    records_ = rows->value.GetUint64();
    if (records_ == 0) return;
    // The rest of the rows, after the ones already read; counted already.
    std::string offset = std::to_string(records_);
    rows_ = open(is_postgres_uri(database_) ? "SELECT * FROM (" + query_ + ") AS aton_resume OFFSET " + offset
                                            : "SELECT * FROM (" + query_ + ") LIMIT -1 OFFSET " + offset,
                 false);
  }

  std::string table() const override { return table_; }

  std::size_t next_batch(sdk::RecordBuilder& out, std::size_t max_records) override {
    std::size_t n = rows_->read(out, max_records);
    records_ += n;
    return n;
  }

  aton_source_position position() const override {
    return {sizeof(aton_source_position), records_, 0, total_, -1};
  }

 private:
  std::unique_ptr<RowStream> open(const std::string& query, bool count) const {
    if (is_postgres_uri(database_))
      return std::make_unique<PostgresRows>(database_, query, count, fetch_size_, sources::run_cancelled(host_));
    return std::make_unique<SqliteRows>(database_, query, count);
  }

  // A SQLite file's size and time; nothing for a server or a SQLite URI.
  std::optional<sources::InputIdentity> file_identity() const {
    std::error_code ec;
    if (is_postgres_uri(database_) || !std::filesystem::is_regular_file(database_, ec)) return std::nullopt;
    return sources::InputIdentity::of(database_, "sql: " + database_);
  }

  const aton_host_api* host_;
  std::string table_;
  std::string database_, query_;
  std::int64_t fetch_size_ = 1000;
  std::unique_ptr<RowStream> rows_;
  std::int64_t total_ = -1;
  std::uint64_t records_ = 0;
};

const aton_option kOptions[] = {
    {"database", "path", nullptr, 1,
     "A SQLite file (opened read-only), relative to the config file, or a postgresql:// URI.",
     "{\"minLength\":1}"},
    {"query", "string", nullptr, 0, "The SELECT to stream (give this or \"table\").", nullptr},
    {"table", "string", nullptr, 0, "A table to stream whole (give this or \"query\").", nullptr},
    {"name", "string", nullptr, 0, "The output table's name (default: \"table\", or \"records\").",
     nullptr},
    {"fetch_size", "integer", "1000", 0, "PostgreSQL: rows fetched from the server-side cursor at a time.",
     "{\"minimum\":1}"},
    {"count", "boolean", "true", 0,
     "Run COUNT(*) of the query first so that chunks carry total_chunks and progress.", nullptr},
};

}  // namespace
}  // namespace aton::sql_source

ATON_SOURCE_PLUGIN(aton::sql_source::SqlSource, "sql", "1.2.0",
                   "Reads the rows of a query from SQLite (embedded) or PostgreSQL, streaming.",
                   aton::sql_source::kOptions)
