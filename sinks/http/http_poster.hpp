// One libcurl easy handle that POSTs bodies to one URL, reused across calls
// so the connection stays open between chunks (HTTP/1.1 keep-alive).
//
// Contract: not thread-safe (one sink instance, one thread at a time).
// post() never throws for a failed transfer: it reports the outcome. Header
// values are handed to libcurl only; nothing here logs or formats them.
#pragma once

#include <aton/retry.hpp>
#include <curl/curl.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton::sinks {

using aton::sdk::Millis;

// How a transfer ended, before any HTTP status is looked at.
enum class Transport { ok, retryable_failure, fatal_failure, cancelled };

struct PostOutcome {
  Transport transport = Transport::ok;
  std::string transport_error;  // libcurl's words when transport != ok
  long status = 0;              // the HTTP status when transport == ok
  std::string body;             // the response body, or its first bytes (see the constructor)
  bool body_cut = false;        // it was longer than the poster keeps
  std::optional<Millis> retry_after;
  // x-ratelimit-reset-requests / -tokens (OpenAI's and others' 429s): when
  // the server's window reopens.
  std::optional<Millis> reset_requests, reset_tokens;
  std::string location;  // a 3xx answer's Location, made absolute; "" when it has none
};

class HttpPoster {
 public:
  // `cancelled` is polled during transfers (about once a second at worst,
  // libcurl's progress callback rate) to abandon them early. Of each
  // response body, the first `keep_body_bytes` are kept; the rest is read
  // and dropped.
  HttpPoster(std::string url, std::function<bool()> cancelled, std::size_t keep_body_bytes = 512);
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
  std::size_t keep_body_bytes_;
  CURL* curl_ = nullptr;
  PostOutcome* current_ = nullptr;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

// The URL without user, password, query or fragment: fit for messages.
std::string redact_url(const std::string& url);

}  // namespace aton::sinks
