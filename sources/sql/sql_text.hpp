// Small text helpers of the sql plugin.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aton::sql_source {

// "public.users" -> "\"public\".\"users\"": each dot-separated part quoted,
// inner quotes doubled, so a table option can never inject SQL.
std::string quote_table_name(std::string_view name);

// The query without trailing whitespace and semicolons, so it can be
// wrapped: SELECT COUNT(*) FROM (<query>) and DECLARE ... CURSOR FOR <query>.
std::string trim_query(std::string_view query);

// A connection string fit for messages: its passwords replaced by "***",
// in every form libpq takes: a URI's userinfo (up to its last '@', so that
// a raw '@' in the password is hidden whole), a password= query parameter
// (postgresql:///db?host=h&password=x), a keyword/value string
// (host=h password='x y'). The host scrubs every message again, but a
// plugin keeps its own secrets (docs/PLUGINS.md).
std::string redact_uri(std::string_view uri);

// The passwords `database` holds, as written and percent-decoded: libpq's
// own messages may quote them (`invalid percent-encoded token: "..."`), so
// redact_message() blanks them out there.
std::vector<std::string> passwords_in(std::string_view database);
std::string redact_message(std::string message, const std::vector<std::string>& passwords);

// Why a postgresql:// URI cannot be used as written, or "": a raw '@' or
// '/' in its user or password, which libpq would split at, taking part of
// the password for the host (and printing it in its error).
std::string userinfo_problem(std::string_view uri);

bool is_postgres_uri(std::string_view database);

// "no SQLite database at <database, redacted>", then what "database" takes:
// a keyword/value connection string ("host=h dbname=d") is named as such,
// with the URI to write instead. `why` is the OS's reason, or empty.
std::string no_sqlite_database(std::string_view database, std::string_view why);

// Appends the standard base64 (RFC 4648, padded) of `data` to `out`.
void append_base64(std::string_view data, std::string& out);

// Drops trailing newlines and spaces (libpq's messages end in "\n").
std::string trim_message(std::string_view message);

}  // namespace aton::sql_source
