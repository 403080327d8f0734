// A real HTTP/1.1 server on 127.0.0.1 for tests: a free port, one thread,
// keep-alive connections, and a record of every request it received.
//
// Its answers are scripted: the i-th request gets script[i], and requests
// past the script get `otherwise`. An answer can be a status (with headers
// such as Retry-After and a body), a dropped connection (closed without a
// word, after the request was read), or silence (never answered; the
// connection stays open until the server stops), or a cut (the headers and
// half the body, then the connection closes). Any answer can be delayed
// (`after`): the connection waits, others are served meanwhile. Instead of
// a script, a responder function may compute each answer from the request.
//
// Bodies must come with Content-Length (what libcurl sends for a POST);
// "Expect: 100-continue" is honoured. Thread-safe: the accessors may be
// called from the test while the server runs. The destructor closes every
// connection and joins the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace aton::test {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int connection = 0;  // which accepted connection carried it, from 1

  // The value of the first header with this name (any case), or "".
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

struct HttpReply {
  enum class Kind { respond, drop, hang, cut };
  Kind kind = Kind::respond;
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};

  static HttpReply status_code(int status, std::string body = {});
  static HttpReply drop();
  static HttpReply hang();
  // Announces `body` whole, sends half of it and closes the connection.
  static HttpReply cut(std::string body);
  HttpReply with_header(std::string name, std::string value) &&;
  HttpReply after(std::chrono::milliseconds wait) &&;
};

// Computes the answer to the index-th request (from 0). Called on the
// server's thread.
using HttpResponder = std::function<HttpReply(const HttpRequest& request, std::size_t index)>;

class HttpServer {
 public:
  explicit HttpServer(std::vector<HttpReply> script = {},
                      HttpReply otherwise = HttpReply::status_code(200));
  explicit HttpServer(HttpResponder responder);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const noexcept { return port_; }
  // "http://127.0.0.1:<port><path>"
  std::string url(std::string_view path = "/") const;

  std::vector<HttpRequest> requests() const;
  // Requests answered with a 2xx status, in order.
  std::vector<HttpRequest> accepted_requests() const;
  // Waits until at least n requests have arrived; false if `timeout` passed.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;
  int connections_accepted() const;

 private:
  struct Connection;
  void start();
  void serve();
  bool read_from(Connection& c);  // false: close it
  bool answer(Connection& c, const HttpReply& reply, bool client_closes);  // false: close it
  HttpReply next_reply(const HttpRequest& request);

  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::vector<HttpReply> script_;
  HttpReply otherwise_;
  HttpResponder responder_;
  std::size_t served_ = 0;

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<HttpRequest> requests_;
  std::vector<int> statuses_;  // what each request got; 0 for drop and hang
  int connections_ = 0;
  std::thread thread_;
};

}  // namespace aton::test
