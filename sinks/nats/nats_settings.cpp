#include "nats_settings.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <strings.h>

namespace aton::sinks::nats {
namespace {

using aton::sdk::Problems;

std::string trimmed(std::string s) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && space(s.back())) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && space(s[start])) ++start;
  return s.substr(start);
}

std::vector<std::string> tokens_of(const std::string& subject) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = subject.find('.', start);
    out.push_back(subject.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

// What is wrong with one server URL, or "". Never quotes it (it may hold a
// password): the caller's pointer says which option.
std::string url_problem(const std::string& url) {
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos)
    return "a server address has no scheme: write nats://host:port (or tls://host:port)";
  std::string scheme = url.substr(0, scheme_end);
  if (strcasecmp(scheme.c_str(), "nats") != 0 && strcasecmp(scheme.c_str(), "tls") != 0)
    return "a server address has the scheme \"" + scheme.substr(0, 20) + "\": use nats:// or tls://";
  std::string rest = url.substr(scheme_end + 3);
  if (std::size_t at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  if (rest.empty() || rest.front() == ':' || rest.front() == '/')
    return "a server address has no host: write nats://host:port";
  if (rest.find_first_of(" \t/?#") != std::string::npos)
    return "a server address holds a path, a query or a space: write nats://host:port";
  return "";
}

}  // namespace

std::vector<std::string> split_urls(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string one = trimmed(text.substr(start, comma - start));
    if (!one.empty()) out.push_back(one);
    start = comma + 1;
  }
  return out;
}

std::string redact_url(const std::string& url) {
  std::size_t scheme_end = url.find("://");
  std::size_t host = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  std::size_t at = url.rfind('@');
  if (at == std::string::npos || at < host) return url;
  return url.substr(0, host) + "***@" + url.substr(at + 1);
}

bool subject_matches(const std::string& filter, const std::string& subject) {
  auto want = tokens_of(filter), have = tokens_of(subject);
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] == ">") return have.size() > i;
    if (i >= have.size()) return false;
    if (want[i] != "*" && want[i] != have[i]) return false;
  }
  return want.size() == have.size();
}

bool valid_subject(const std::string& subject) {
  if (subject.empty()) return false;
  for (const auto& token : tokens_of(subject)) {
    if (token.empty() || token == "*" || token == ">") return false;
    for (unsigned char c : token)
      if (c <= 0x20 || c >= 0x7F) return false;
  }
  return true;
}

void NatsSettings::check(const aton::sdk::Config& config, Problems& problems) {
  auto urls = split_urls(config.string("url"));
  if (urls.empty()) problems.add(Problems::key("url"), "give at least one server: nats://host:port");
  for (const auto& url : urls)
    if (auto why = url_problem(url); !why.empty()) {
      problems.add(Problems::key("url"), why);
      break;
    }
  std::string subject = config.string("subject");
  if (!valid_subject(subject))
    problems.add(Problems::key("subject"),
                 "\"" + subject.substr(0, 80) +
                     "\" is not a subject to publish on: dot-separated tokens of printable ASCII, no spaces, no * "
                     "or > wildcard");
  std::string stream = config.string("stream");
  if (config.has("stream") &&
      (stream.empty() || stream.find_first_of(" \t.*>/\\") != std::string::npos ||
       std::any_of(stream.begin(), stream.end(), [](unsigned char c) { return c < 0x20 || c >= 0x7F; })))
    problems.add(Problems::key("stream"),
                 "\"" + stream.substr(0, 80) + "\" is not a stream name: printable ASCII without spaces, '.', '*', '>', '/' or '\\'");
  std::string run_id = config.string("run_id");
  if (config.has("run_id") &&
      (run_id.empty() || run_id.size() > 64 ||
       std::any_of(run_id.begin(), run_id.end(), [](unsigned char c) { return c <= 0x20 || c >= 0x7F; })))
    problems.add(Problems::key("run_id"), "run_id must be 1 to 64 printable ASCII characters without spaces");
  if (config.has("password") && !config.has("user"))
    problems.add(Problems::key("password"), "password needs user");
  if (config.has("user") && !config.has("password"))
    problems.add(Problems::key("user"), "user needs password");
  int ways = (config.has("user") ? 1 : 0) + (config.has("token") ? 1 : 0) + (config.has("creds_file") ? 1 : 0);
  if (ways > 1) problems.add("", "give one way to authenticate: user and password, token, or creds_file");
  if (std::string creds = config.string("creds_file"); config.has("creds_file")) {
    struct stat st {};
    if (::stat(creds.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      problems.add(Problems::key("creds_file"), creds + " is not a readable file (a NATS .creds file)");
  }
}

NatsSettings NatsSettings::from(const aton::sdk::Config& config) {
  NatsSettings s;
  s.urls = split_urls(config.string("url"));
  for (const auto& url : s.urls) s.shown_urls += (s.shown_urls.empty() ? "" : ",") + redact_url(url);
  s.subject = config.string("subject");
  s.stream = config.string("stream");
  s.user = config.string("user");
  s.password = config.string("password");
  s.token = config.string("token");
  s.creds_file = config.string("creds_file");
  // The defaults are the options table's (nats_sink.cpp): the host filled them in.
  s.connect_timeout = std::chrono::milliseconds(config.integer("connect_timeout_ms"));
  s.ack_timeout = std::chrono::milliseconds(config.integer("ack_timeout_ms"));
  s.duplicate_window = std::chrono::milliseconds(config.integer("duplicate_window_ms"));
  s.max_in_flight = static_cast<std::size_t>(std::clamp<std::int64_t>(config.integer("max_in_flight"), 1, 4096));
  s.replicas = static_cast<int>(std::clamp<std::int64_t>(config.integer("replicas"), 1, 5));
  return s;
}

std::vector<std::string> NatsSettings::secrets() const {
  std::vector<std::string> out;
  for (const auto* value : {&user, &password, &token})
    if (value->size() >= 4) out.push_back(*value);
  for (const auto& url : urls) {
    std::size_t scheme_end = url.find("://"), at = url.rfind('@');
    if (scheme_end != std::string::npos && at != std::string::npos && at > scheme_end + 3) {
      std::string userinfo = url.substr(scheme_end + 3, at - scheme_end - 3);
      if (userinfo.size() >= 4) out.push_back(userinfo);
      if (std::size_t colon = userinfo.find(':'); colon != std::string::npos && userinfo.size() - colon > 4)
        out.push_back(userinfo.substr(colon + 1));
    }
  }
  return out;
}

}  // namespace aton::sinks::nats
