// The sql source: the rows of a query, or of a table, from a SQLite file
// (embedded, read-only) or a PostgreSQL server (postgresql:// URI).
// docs/sources.md describes every option and the type mapping.
#include "postgres_rows.hpp"
#include "sql_text.hpp"
#include "sqlite_rows.hpp"

#include <aton/plugin.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace aton::sql_source {
namespace {

class SqlSource : public sdk::Source {
 public:
  explicit SqlSource(const sdk::Context& context) {
    const auto& config = context.config;
    std::string database = config.string("database");
    bool has_query = config.has("query"), has_table = config.has("table");
    if (has_query == has_table)
      throw std::runtime_error("sql: give either \"query\" or \"table\", not " +
                               std::string(has_query ? "both" : "neither"));
    std::string query = has_query ? trim_query(config.string("query"))
                                  : "SELECT * FROM " + quote_table_name(config.string("table"));
    table_ = config.string("name", has_table ? config.string("table") : "records");
    bool count = config.boolean("count", true);
    if (is_postgres_uri(database))
      rows_ = std::make_unique<PostgresRows>(database, query, count, config.integer("fetch_size", 1000));
    else
      rows_ = std::make_unique<SqliteRows>(database, query, count);
  }

  std::string table() const override { return table_; }

  std::size_t next_batch(sdk::RecordBuilder& out, std::size_t max_records) override {
    std::size_t n = rows_->read(out, max_records);
    records_ += n;
    return n;
  }

  aton_source_position position() const override {
    return {sizeof(aton_source_position), records_, 0, rows_->total(), -1};
  }

 private:
  std::string table_;
  std::unique_ptr<RowStream> rows_;
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

ATON_SOURCE_PLUGIN(aton::sql_source::SqlSource, "sql", "1.0.0",
                   "Reads the rows of a query from SQLite (embedded) or PostgreSQL, streaming.",
                   aton::sql_source::kOptions)
