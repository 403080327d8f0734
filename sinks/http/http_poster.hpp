// One libcurl easy handle that POSTs bodies to one URL, reused across calls
// so the connection stays open between chunks (HTTP/1.1 keep-alive).
//
// Contract: not thread-safe (one sink instance, one thread at a time).
// post() never throws for a failed transfer: it reports the outcome. Header
// values are handed to libcurl only; nothing here logs or formats them.
#pragma once

#include "retry_policy.hpp"

#include <curl/curl.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton::sinks {

struct PostOutcome {
  Transport transport = Transport::ok;
  std::string transport_error;  // libcurl's words when transport != ok
  long status = 0;              // the HTTP status when transport == ok
  std::string body_start;       // the first bytes of the response body
  std::optional<Millis> retry_after;
  std::string location;  // a 3xx answer's Location, made absolute; "" when it has none
};

class HttpPoster {
 public:
  // `cancelled` is polled during transfers (about once a second at worst,
  // libcurl's progress callback rate) to abandon them early.
  HttpPoster(std::string url, std::function<bool()> cancelled);
  ~HttpPoster();
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  // headers: complete "Name: value" lines.
  PostOutcome post(std::string_view body, const std::vector<std::string>& headers, Millis timeout,
                   Millis connect_timeout);

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self);
  static int on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t);

  std::string url_;
  std::function<bool()> cancelled_;
  CURL* curl_ = nullptr;
  PostOutcome* current_ = nullptr;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

// The URL without user, password, query or fragment: fit for messages.
std::string redact_url(const std::string& url);

}  // namespace aton::sinks
