#include "sql_text.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace aton::sql_source {

std::string quote_table_name(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '.') {
      out += "\".\"";
    } else {
      if (c == '"') out += '"';
      out += c;
    }
  }
  return out + '"';
}

std::string trim_query(std::string_view query) {
  while (!query.empty() && (query.back() == ';' || query.back() == ' ' || query.back() == '\n' ||
                            query.back() == '\r' || query.back() == '\t'))
    query.remove_suffix(1);
  return std::string(query);
}

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The userinfo's password of scheme://user:password@...: [begin, end) in
// `uri`, up to the last '@' before the query; begin == end when none.
std::pair<std::size_t, std::size_t> userinfo_password(std::string_view uri) {
  std::size_t scheme = uri.find("://");
  if (scheme == std::string_view::npos) return {0, 0};
  std::size_t start = scheme + 3;
  std::size_t query = uri.find('?', start);
  std::size_t at = uri.substr(0, query).rfind('@');
  if (at == std::string_view::npos || at < start) return {0, 0};
  std::size_t colon = uri.substr(start, at - start).find(':');
  if (colon == std::string_view::npos) return {0, 0};
  return {start + colon + 1, at};
}

// The values of every parameter named *password (password=, sslpassword=)
// in a URI's query or a keyword/value string: [begin, end) each, quotes
// excluded.
std::vector<std::pair<std::size_t, std::size_t>> password_values(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t eq = text.find('='); eq != std::string_view::npos; eq = text.find('=', eq + 1)) {
    std::size_t end = eq;
    while (end > 0 && text[end - 1] == ' ') --end;
    std::size_t begin = end;
    while (begin > 0 && (std::isalnum(static_cast<unsigned char>(text[begin - 1])) || text[begin - 1] == '_')) --begin;
    std::string name;
    for (char c : text.substr(begin, end - begin)) name += lower(c);
    if (name.size() < 8 || name.compare(name.size() - 8, 8, "password") != 0) continue;
    std::size_t v = eq + 1;
    while (v < text.size() && text[v] == ' ') ++v;
    if (v < text.size() && text[v] == '\'') {
      std::size_t e = v + 1;
      while (e < text.size() && text[e] != '\'') e += text[e] == '\\' && e + 1 < text.size() ? 2 : 1;
      out.emplace_back(v + 1, std::min(e, text.size()));
    } else {
      std::size_t e = v;
      while (e < text.size() && text[e] != '&' && text[e] != '#' && text[e] != ' ') ++e;
      out.emplace_back(v, e);
    }
  }
  return out;
}

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    int hi = text[i] == '%' && i + 2 < text.size() ? hex_digit_value(text[i + 1]) : -1;
    int lo = hi >= 0 ? hex_digit_value(text[i + 2]) : -1;
    if (lo < 0) {
      out += text[i];
    } else {
      out += static_cast<char>(hi << 4 | lo);
      i += 2;
    }
  }
  return out;
}

}  // namespace

std::string redact_uri(std::string_view uri) {
  std::vector<std::pair<std::size_t, std::size_t>> hidden = password_values(uri);
  if (auto userinfo = userinfo_password(uri); userinfo.second > userinfo.first) hidden.push_back(userinfo);
  std::sort(hidden.begin(), hidden.end());
  std::string out;
  std::size_t copied = 0;
  for (auto [begin, end] : hidden) {
    if (begin < copied) begin = copied;
    if (end <= begin) continue;
    out.append(uri.substr(copied, begin - copied));
    out += "***";
    copied = end;
  }
  out.append(uri.substr(copied));
  return out;
}

std::vector<std::string> passwords_in(std::string_view database) {
  std::vector<std::pair<std::size_t, std::size_t>> found = password_values(database);
  if (auto userinfo = userinfo_password(database); userinfo.second > userinfo.first) found.push_back(userinfo);
  std::vector<std::string> out;
  for (auto [begin, end] : found) {
    std::string raw(database.substr(begin, end - begin));
    for (std::string form : {raw, percent_decoded(raw)})
      if (form.size() >= 3 && std::find(out.begin(), out.end(), form) == out.end()) out.push_back(form);
  }
  // Longest first, so that a password inside another is blanked with it.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

std::string redact_message(std::string message, const std::vector<std::string>& passwords) {
  for (const auto& password : passwords)
    for (auto at = message.find(password); at != std::string::npos; at = message.find(password, at + 3))
      message.replace(at, password.size(), "***");
  return message;
}

std::string userinfo_problem(std::string_view uri) {
  std::size_t scheme = uri.find("://");
  if (scheme == std::string_view::npos) return "";
  std::size_t start = scheme + 3;
  std::string_view authority = uri.substr(start, uri.find('?', start) - start);
  std::size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return "";
  std::string_view userinfo = authority.substr(0, at);
  if (userinfo.find_first_of("@/") == std::string_view::npos) return "";
  return "the user or password in \"database\" holds a raw '@' or '/', where libpq would cut it: "
         "percent-encode them (@ as %40, / as %2F)";
}

std::string no_sqlite_database(std::string_view database, std::string_view why) {
  bool keywords = database.find("host=") != std::string_view::npos || database.find("dbname=") != std::string_view::npos;
  std::string out = "no SQLite database at " + redact_uri(database);
  if (!why.empty()) out += ": " + std::string(why);
  out += keywords ? " (a keyword/value connection string is not taken: write it as a postgresql:// URI, e.g. "
                    "postgresql://user@host:5432/db)"
                  : " (\"database\" is a SQLite file path or a postgresql:// URI)";
  return out;
}

bool is_postgres_uri(std::string_view database) {
  return database.rfind("postgresql://", 0) == 0 || database.rfind("postgres://", 0) == 0;
}

void append_base64(std::string_view data, std::string& out) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(data[k]); };
  for (; i + 3 <= data.size(); i += 3) {
    unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (std::size_t rest = data.size() - i) {
    unsigned v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
}

std::string trim_message(std::string_view message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.remove_suffix(1);
  return std::string(message);
}

}  // namespace aton::sql_source
