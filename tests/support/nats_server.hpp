// A real nats-server with JetStream for the nats tests, on a free port of
// 127.0.0.1 with its store in a fresh folder: started, stopped and started
// again on the same port and store (a server restart mid-run). A test that
// finds no nats-server (Debian: nats-server; or ATON_TEST_NATS_SERVER, a
// path) is skipped (support/skip.hpp).
//
// And what the tests read back: every message of a stream, with its
// headers, through nats.c (the client the sink uses, but not its code).
#pragma once

#include "support/temp_dir.hpp"

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace aton::test {

struct NatsServerOptions {
  std::string token;             // authorization { token } when not empty
  std::string user, password;    // authorization { user, password } when not empty
  std::int64_t max_payload = 0;  // 0: the server's default (1 MiB)
  int port = 0;                  // the client port; 0: a free one
  std::string extra_config;      // more of the server's config (a cluster block, a server_name)
};

// A port of 127.0.0.1 free now (for a cluster's route ports).
int free_port();

class NatsServer {
 public:
  explicit NatsServer(NatsServerOptions options = {});
  ~NatsServer();  // stops the server (SIGKILL if it will not stop)
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  // Stops it (SIGTERM, then SIGKILL after 10 s); waits until it is gone.
  void stop();
  // Starts it again on the same port and store; waits until it greets
  // clients (it recovers JetStream first), at most 20 s, else fails the test.
  void start();

  // Freezes it (SIGSTOP): connections stay open, nothing is answered; and thaws it.
  void pause();
  void resume();

  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  int port() const noexcept { return port_; }
  std::string log() const;

 private:
  NatsServerOptions options_;
  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string binary_;
};

// The server scripts/test started for the suite (ATON_TEST_NATS_URL), or
// "" when there is none: a test then starts a NatsServer of its own.
std::string shared_nats_url();
// A stream name no other test (or run of the suite) uses: ATON_T_<pid>_<n>.
std::string unique_stream_name();

struct StoredMessage {
  std::uint64_t sequence = 0;
  std::string subject;
  std::string data;
  std::map<std::string, std::string> headers;
};

// Every message of `stream` at `url`, in stream order. `token`: to
// authenticate with, when the server wants one.
std::vector<StoredMessage> read_stream(const std::string& url, const std::string& stream,
                                       const std::string& token = "");

// How many messages `stream` holds, or -1 when the server or the stream
// is not there (yet): for waiting on, asserts nothing.
long long stream_size(const std::string& url, const std::string& stream);

}  // namespace aton::test
