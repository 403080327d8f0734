// The nats sink's settings taken from its config: the server list, the
// credentials, the subject and stream names, with the checks `aton
// validate` runs (no connection) and the forms of them fit to print.
#pragma once

#include <aton/plugin.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace aton::sinks::nats {

struct NatsSettings {
  std::vector<std::string> urls;  // nats://host:port each, as given (may hold user:password@)
  std::string shown_urls;         // the same without any user or password, for messages
  std::string subject;
  std::string stream;             // empty: the subject must already be in a stream
  // Credentials: from the environment through ${NAME}, never printed.
  std::string user, password, token, creds_file;
  // Defaults: the options table's (nats_sink.cpp), filled in by the host.
  std::chrono::milliseconds connect_timeout{};
  std::chrono::milliseconds ack_timeout{};
  std::chrono::milliseconds duplicate_window{};
  std::size_t max_in_flight = 1;
  int replicas = 1;  // of a stream the sink creates

  static NatsSettings from(const aton::sdk::Config& config);
  // Every problem of the config, without connecting (ABI 1.3 check()).
  static void check(const aton::sdk::Config& config, aton::sdk::Problems& problems);
  // The credential values, to blank out of any text that leaves the sink.
  std::vector<std::string> secrets() const;
};

// "nats://a:4222, nats://b:4222" split at commas, trimmed.
std::vector<std::string> split_urls(const std::string& text);
// A URL without its user and password: nats://***@host:4222.
std::string redact_url(const std::string& url);
// Whether `subject` (no wildcards) is one that `filter` (may hold * and >)
// takes, as NATS matches them.
bool subject_matches(const std::string& filter, const std::string& subject);
// A subject fit to publish on: tokens of printable ASCII without spaces,
// separated by single dots, no wildcard.
bool valid_subject(const std::string& subject);

}  // namespace aton::sinks::nats
