#include "support/nats_server.hpp"

#include "support/skip.hpp"

#include <nats/nats.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace aton::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string find_binary() {
  if (const char* given = std::getenv("ATON_TEST_NATS_SERVER"); given && *given) return given;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    std::string candidate = dirs.substr(start, colon - start) + "/nats-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  return "";
}


// Whether a server on `port` greets with INFO.
bool greets(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval timeout{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    char buffer[5] = {};
    ok = ::recv(fd, buffer, sizeof buffer, MSG_WAITALL) == 5 && std::string(buffer, 5) == "INFO ";
  }
  ::close(fd);
  return ok;
}

}  // namespace

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::runtime_error("no free port on 127.0.0.1");
  ::close(fd);
  return ntohs(address.sin_port);
}

NatsServer::NatsServer(NatsServerOptions options) : options_(std::move(options)), binary_(find_binary()) {
  if (binary_.empty())
    skip_test("nats-server is not installed (Debian package nats-server; scripts/test installs it), and "
              "ATON_TEST_NATS_SERVER names none");
  port_ = options_.port > 0 ? options_.port : free_port();
  std::string config = "listen: \"127.0.0.1:" + std::to_string(port_) + "\"\n" +
                       "jetstream { store_dir: \"" + (dir_ / "store").string() + "\" }\n";
  config += options_.extra_config + "\n";
  if (options_.max_payload > 0) config += "max_payload: " + std::to_string(options_.max_payload) + "\n";
  if (!options_.token.empty()) config += "authorization { token: \"" + options_.token + "\" }\n";
  if (!options_.user.empty())
    config += "authorization { user: \"" + options_.user + "\", password: \"" + options_.password + "\" }\n";
  dir_.write("server.conf", config);
  start();
}

NatsServer::~NatsServer() {
  try {
    stop();
  } catch (...) {
  }
}

void NatsServer::start() {
  REQUIRE(pid_ < 0);
  std::string config = (dir_ / "server.conf").string(), log = (dir_ / "server.log").string();
  pid_ = ::fork();
  if (pid_ < 0) FAIL("fork failed");
  if (pid_ == 0) {
    int fd = ::open("/dev/null", O_RDONLY);
    if (fd >= 0) ::dup2(fd, 0);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out >= 0) ::dup2(out, 1), ::dup2(out, 2);
    ::execl(binary_.c_str(), binary_.c_str(), "-c", config.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("nats-server exited at start:\n" << this->log());
    }
    if (greets(port_)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("nats-server did not greet on port " << port_ << " within 20 s:\n" << this->log());
}

void NatsServer::stop() {
  if (pid_ < 0) return;
  ::kill(pid_, SIGCONT);  // a paused server cannot stop
  ::kill(pid_, SIGTERM);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

void NatsServer::pause() {
  REQUIRE(pid_ > 0);
  ::kill(pid_, SIGSTOP);
}

void NatsServer::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

std::string NatsServer::log() const {
  std::error_code ec;
  return std::filesystem::exists(dir_ / "server.log", ec) ? read_file(dir_ / "server.log") : "";
}

std::string shared_nats_url() {
  const char* url = std::getenv("ATON_TEST_NATS_URL");
  return url ? url : "";
}

std::string unique_stream_name() {
  static std::atomic<int> next{0};
  return "ATON_T_" + std::to_string(::getpid()) + "_" + std::to_string(next++) + "_" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
}

std::vector<StoredMessage> read_stream(const std::string& url, const std::string& stream, const std::string& token) {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
  jsStreamInfo* info = nullptr;
  std::vector<StoredMessage> out;
  auto cleanup = [&] {
    if (info) jsStreamInfo_Destroy(info);
    if (js) jsCtx_Destroy(js);
    if (connection) natsConnection_Destroy(connection);
    if (options) natsOptions_Destroy(options);
  };
  try {
    REQUIRE(natsOptions_Create(&options) == NATS_OK);
    REQUIRE(natsOptions_SetURL(options, url.c_str()) == NATS_OK);
    if (!token.empty()) REQUIRE(natsOptions_SetToken(options, token.c_str()) == NATS_OK);
    natsStatus status = natsConnection_Connect(&connection, options);
    INFO("connecting to " << url << ": " << natsStatus_GetText(status));
    REQUIRE(status == NATS_OK);
    REQUIRE(natsConnection_JetStream(&js, connection, nullptr) == NATS_OK);
    jsErrCode code{};
    status = js_GetStreamInfo(&info, js, stream.c_str(), nullptr, &code);
    INFO("stream " << stream << ": " << natsStatus_GetText(status) << " (" << code << ")");
    REQUIRE(status == NATS_OK);
    for (std::uint64_t seq = info->State.FirstSeq; seq && seq <= info->State.LastSeq; ++seq) {
      natsMsg* message = nullptr;
      if (js_GetMsg(&message, js, stream.c_str(), seq, nullptr, &code) != NATS_OK) continue;  // deleted
      StoredMessage stored;
      stored.sequence = seq;
      stored.subject = natsMsg_GetSubject(message);
      stored.data.assign(natsMsg_GetData(message), static_cast<std::size_t>(natsMsg_GetDataLength(message)));
      const char** keys = nullptr;
      int count = 0;
      if (natsMsgHeader_Keys(message, &keys, &count) == NATS_OK) {
        for (int i = 0; i < count; ++i) {
          const char* value = nullptr;
          if (natsMsgHeader_Get(message, keys[i], &value) == NATS_OK && value) stored.headers[keys[i]] = value;
        }
        std::free(keys);
      }
      natsMsg_Destroy(message);
      out.push_back(std::move(stored));
    }
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();
  return out;
}

long long stream_size(const std::string& url, const std::string& stream) {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
  jsStreamInfo* info = nullptr;
  long long size = -1;
  jsErrCode code{};
  if (natsOptions_Create(&options) == NATS_OK && natsOptions_SetURL(options, url.c_str()) == NATS_OK &&
      natsOptions_SetTimeout(options, 500) == NATS_OK && natsConnection_Connect(&connection, options) == NATS_OK &&
      natsConnection_JetStream(&js, connection, nullptr) == NATS_OK &&
      js_GetStreamInfo(&info, js, stream.c_str(), nullptr, &code) == NATS_OK)
    size = static_cast<long long>(info->State.Msgs);
  if (info) jsStreamInfo_Destroy(info);
  if (js) jsCtx_Destroy(js);
  if (connection) natsConnection_Destroy(connection);
  if (options) natsOptions_Destroy(options);
  return size;
}

}  // namespace aton::test
