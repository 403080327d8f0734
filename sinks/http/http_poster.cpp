#include "http_poster.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <strings.h>

namespace aton::sinks {

namespace {

void global_init_once() {
  // curl_global_init is not thread-safe; do it once, before any handle.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Transport transport_kind(CURLcode code) {
  switch (code) {
    case CURLE_OK:
      return Transport::ok;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return Transport::retryable_failure;
    case CURLE_ABORTED_BY_CALLBACK:
      return Transport::cancelled;
    default:
      return Transport::fatal_failure;
  }
}

}  // namespace

HttpPoster::HttpPoster(std::string url, std::function<bool()> cancelled, std::size_t keep_body_bytes)
    : url_(std::move(url)), cancelled_(std::move(cancelled)), keep_body_bytes_(keep_body_bytes) {
  global_init_once();
  curl_ = curl_easy_init();
  if (!curl_) throw std::runtime_error("libcurl could not create a handle (out of memory?)");
  curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(curl_, CURLOPT_POST, 1L);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: we run in threads
  curl_easy_setopt(curl_, CURLOPT_USERAGENT, "aton-http-sink/1.0");
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &HttpPoster::on_body);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &HttpPoster::on_header);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, &HttpPoster::on_progress);
  curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, this);
  curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
}

HttpPoster::~HttpPoster() { curl_easy_cleanup(curl_); }

PostOutcome HttpPoster::post(std::string_view body, const std::vector<std::string>& headers,
                             Millis timeout, Millis connect_timeout) {
  PostOutcome outcome;
  current_ = &outcome;
  error_buffer_[0] = '\0';

  curl_slist* list = nullptr;
  for (const auto& line : headers) list = curl_slist_append(list, line.c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long long>(1, timeout.count())));
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<long long>(1, std::min(timeout, connect_timeout).count())));

  CURLcode code = curl_easy_perform(curl_);
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(list);
  current_ = nullptr;

  outcome.transport = transport_kind(code);
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &outcome.status);
    // Redirects are not followed; libcurl still resolves where one points.
    char* location = nullptr;
    if (outcome.status >= 300 && outcome.status < 400 &&
        curl_easy_getinfo(curl_, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location)
      outcome.location = location;
  } else {
    outcome.transport_error = error_buffer_[0] ? error_buffer_ : curl_easy_strerror(code);
  }
  return outcome;
}

std::size_t HttpPoster::on_body(char* data, std::size_t size, std::size_t count, void* self) {
  auto* poster = static_cast<HttpPoster*>(self);
  std::size_t n = size * count;
  std::string& kept = poster->current_->body;
  std::size_t room = poster->keep_body_bytes_ - std::min(kept.size(), poster->keep_body_bytes_);
  kept.append(data, std::min(n, room));
  if (n > room) poster->current_->body_cut = true;
  return n;  // read and drop the rest: the connection stays reusable
}

std::size_t HttpPoster::on_header(char* data, std::size_t size, std::size_t count, void* self) {
  auto* poster = static_cast<HttpPoster*>(self);
  std::size_t n = size * count;
  std::string_view line(data, n);
  // A new status line starts a new response (after a 100 Continue, say).
  PostOutcome& out = *poster->current_;
  if (line.rfind("HTTP/", 0) == 0) {
    out.retry_after.reset();
    out.reset_requests.reset();
    out.reset_tokens.reset();
  }
  auto value_of = [&](std::string_view name) -> std::optional<std::string_view> {
    if (line.size() <= name.size() || strncasecmp(line.data(), name.data(), name.size()) != 0) return std::nullopt;
    return line.substr(name.size());
  };
  if (auto v = value_of("retry-after:"))
    out.retry_after = aton::sdk::parse_retry_after(*v, static_cast<long long>(std::time(nullptr)));
  else if (auto v = value_of("x-ratelimit-reset-requests:"))
    out.reset_requests = aton::sdk::parse_duration(*v);
  else if (auto v = value_of("x-ratelimit-reset-tokens:"))
    out.reset_tokens = aton::sdk::parse_duration(*v);
  return n;
}

int HttpPoster::on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* poster = static_cast<HttpPoster*>(self);
  return poster->cancelled_ && poster->cancelled_() ? 1 : 0;
}

std::string redact_url(const std::string& url) {
  CURLU* parsed = curl_url();
  std::string result = "(the configured url)";
  if (parsed && curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    curl_url_set(parsed, CURLUPART_USER, nullptr, 0);
    curl_url_set(parsed, CURLUPART_PASSWORD, nullptr, 0);
    curl_url_set(parsed, CURLUPART_QUERY, nullptr, 0);
    curl_url_set(parsed, CURLUPART_FRAGMENT, nullptr, 0);
    char* text = nullptr;
    if (curl_url_get(parsed, CURLUPART_URL, &text, 0) == CURLUE_OK && text) {
      result = text;
      curl_free(text);
    }
  }
  curl_url_cleanup(parsed);
  return result;
}

}  // namespace aton::sinks
