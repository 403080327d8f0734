#include "support/http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <list>
#include <optional>
#include <stdexcept>

namespace aton::test {

namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away; nothing to tell it
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (same_name(k, name)) return v;
  return {};
}

bool HttpRequest::has_header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (same_name(k, name)) return true;
  return false;
}

HttpReply HttpReply::status_code(int status, std::string body) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpReply HttpReply::drop() {
  HttpReply r;
  r.kind = Kind::drop;
  return r;
}

HttpReply HttpReply::hang() {
  HttpReply r;
  r.kind = Kind::hang;
  return r;
}

HttpReply HttpReply::cut(std::string body) {
  HttpReply r;
  r.kind = Kind::cut;
  r.body = std::move(body);
  return r;
}

HttpReply HttpReply::after(std::chrono::milliseconds wait) && {
  delay = wait;
  return std::move(*this);
}

HttpReply HttpReply::with_header(std::string name, std::string value) && {
  headers.emplace_back(std::move(name), std::move(value));
  return std::move(*this);
}

struct HttpServer::Connection {
  int fd = -1;
  int id = 0;
  std::string buffer;
  bool hung = false;  // answered with silence: read no more from it
  // A delayed answer: sent at `due`, read no more from it until then.
  std::optional<std::chrono::steady_clock::time_point> due;
  HttpReply delayed;
  bool delayed_closes = false;
};

HttpServer::HttpServer(std::vector<HttpReply> script, HttpReply otherwise)
    : script_(std::move(script)), otherwise_(std::move(otherwise)) {
  start();
}

HttpServer::HttpServer(HttpResponder responder) : responder_(std::move(responder)) { start(); }

void HttpServer::start() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("test http server: socket failed");
  int yes = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // the kernel picks a free port
  socklen_t length = sizeof address;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("test http server: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  if (::pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("test http server: pipe failed");
  }
  thread_ = std::thread([this] { serve(); });
}

HttpServer::~HttpServer() {
  char stop = 's';
  [[maybe_unused]] ssize_t ignored = ::write(wake_pipe_[1], &stop, 1);
  thread_.join();
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
  ::close(listen_fd_);
}

std::string HttpServer::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

std::vector<HttpRequest> HttpServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<HttpRequest> HttpServer::accepted_requests() const {
  std::lock_guard lock(mutex_);
  std::vector<HttpRequest> out;
  for (std::size_t i = 0; i < requests_.size(); ++i)
    if (statuses_[i] >= 200 && statuses_[i] < 300) out.push_back(requests_[i]);
  return out;
}

bool HttpServer::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

int HttpServer::connections_accepted() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

HttpReply HttpServer::next_reply(const HttpRequest& request) {
  if (responder_) return responder_(request, served_++);
  return served_ < script_.size() ? script_[served_++] : otherwise_;
}

void HttpServer::serve() {
  std::list<Connection> open;
  for (;;) {
    std::vector<pollfd> fds{{wake_pipe_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    std::vector<Connection*> polled;
    int timeout_ms = -1;
    auto now = std::chrono::steady_clock::now();
    for (auto& c : open) {
      if (c.due) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*c.due - now).count() + 1;
        timeout_ms = timeout_ms < 0 ? static_cast<int>(std::max<long long>(0, left))
                                    : std::min(timeout_ms, static_cast<int>(std::max<long long>(0, left)));
      }
      if (c.hung || c.due) continue;
      fds.push_back({c.fd, POLLIN, 0});
      polled.push_back(&c);
    }
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) break;
    if (fds[0].revents) break;  // asked to stop
    if (fds[1].revents & POLLIN) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        std::lock_guard lock(mutex_);
        open.emplace_back();
        open.back().fd = fd;
        open.back().id = ++connections_;
      }
    }
    now = std::chrono::steady_clock::now();
    for (auto it = open.begin(); it != open.end();) {
      if (it->due && *it->due <= now) {
        it->due.reset();
        // Answer, then serve what the client sent meanwhile (pipelined).
        if (!answer(*it, it->delayed, it->delayed_closes) || !read_from(*it)) {
          ::close(it->fd);
          it = open.erase(it);
          continue;
        }
      }
      ++it;
    }
    for (std::size_t i = 0; i < polled.size(); ++i) {
      if (!(fds[i + 2].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Connection* c = polled[i];
      if (!read_from(*c)) {
        ::close(c->fd);
        open.remove_if([c](const Connection& x) { return &x == c; });
      }
    }
  }
  for (auto& c : open) ::close(c.fd);
}

bool HttpServer::read_from(Connection& c) {
  char chunk[65536];
  ssize_t got = ::recv(c.fd, chunk, sizeof chunk, MSG_DONTWAIT);
  if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) return false;
  if (got > 0) c.buffer.append(chunk, static_cast<std::size_t>(got));

  // Serve every complete request in the buffer (a client may pipeline).
  for (;;) {
    std::size_t head_end = c.buffer.find("\r\n\r\n");
    if (head_end == std::string::npos) return true;
    HttpRequest request;
    request.connection = c.id;
    std::string_view head(c.buffer.data(), head_end);
    std::size_t line_end = head.find("\r\n");
    std::string_view request_line = head.substr(0, line_end);
    std::size_t sp1 = request_line.find(' ');
    std::size_t sp2 = request_line.find(' ', sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) return false;
    request.method = request_line.substr(0, sp1);
    request.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t content_length = 0;
    bool expect_continue = false;
    while (line_end != std::string_view::npos) {
      std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      std::string_view line = head.substr(start, line_end == std::string_view::npos ? head.npos : line_end - start);
      std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view name = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
      request.headers.emplace_back(name, value);
      if (same_name(name, "Content-Length"))
        std::from_chars(value.data(), value.data() + value.size(), content_length);
      if (same_name(name, "Expect") && same_name(value, "100-continue")) expect_continue = true;
    }
    std::size_t body_start = head_end + 4;
    if (c.buffer.size() < body_start + content_length) {
      if (expect_continue && c.buffer.size() == body_start) send_all(c.fd, "HTTP/1.1 100 Continue\r\n\r\n");
      return true;
    }
    request.body = c.buffer.substr(body_start, content_length);
    c.buffer.erase(0, body_start + content_length);
    bool client_closes = same_name(request.header("Connection"), "close");

    HttpReply reply = next_reply(request);
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(std::move(request));
      statuses_.push_back(reply.kind == HttpReply::Kind::respond ? reply.status : 0);
    }
    arrived_.notify_all();

    if (reply.delay.count() > 0) {
      c.due = std::chrono::steady_clock::now() + reply.delay;
      c.delayed = std::move(reply);
      c.delayed_closes = client_closes;
      return true;
    }
    if (!answer(c, reply, client_closes)) return false;
    if (c.hung) return true;
  }
}

bool HttpServer::answer(Connection& c, const HttpReply& reply, bool client_closes) {
  if (reply.kind == HttpReply::Kind::drop) return false;
  if (reply.kind == HttpReply::Kind::hang) {
    c.hung = true;
    return true;
  }
  std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) + "\r\n";
  for (const auto& [name, value] : reply.headers) response += name + ": " + value + "\r\n";
  response += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  if (client_closes) response += "Connection: close\r\n";
  if (reply.kind == HttpReply::Kind::cut) {
    send_all(c.fd, response + "\r\n" + reply.body.substr(0, reply.body.size() / 2));
    return false;
  }
  response += "\r\n" + reply.body;
  send_all(c.fd, response);
  return !client_closes;
}

}  // namespace aton::test
