// Small text helpers of the sql plugin.
#pragma once

#include <string>
#include <string_view>

namespace aton::sql_source {

// "public.users" -> "\"public\".\"users\"": each dot-separated part quoted,
// inner quotes doubled, so a table option can never inject SQL.
std::string quote_table_name(std::string_view name);

// The query without trailing whitespace and semicolons, so it can be
// wrapped: SELECT COUNT(*) FROM (<query>) and DECLARE ... CURSOR FOR <query>.
std::string trim_query(std::string_view query);

// A connection URI with its password replaced by "***", for messages.
std::string redact_uri(std::string_view uri);

bool is_postgres_uri(std::string_view database);

// Appends the standard base64 (RFC 4648, padded) of `data` to `out`.
void append_base64(std::string_view data, std::string& out);

// Drops trailing newlines and spaces (libpq's messages end in "\n").
std::string trim_message(std::string_view message);

}  // namespace aton::sql_source
