// A chat-completions server on 127.0.0.1 for the http sink's template
// tests: it checks every request body against the template the tests use
// (kChatBody), answers with a completion naming the chunk id, and can be
// told per request to answer 429, delay, drop or cut the connection.
// Header-only: only *.tests.cpp and support/*.cpp are compiled.
#pragma once

#include "support/http_server.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace aton::test::sinks {

// The template: a chat-completions request with every placeholder.
inline const char* kChatBody =
    R"({"model": "test-model", "temperature": 0,)"
    R"( "messages": [{"role": "system", "content": "You read ATON tables."},)"
    R"( {"role": "user", "content": "Chunk {{chunk_id}} of {{total_chunks}} ({{table}}, {{records}} records):\n{{chunk}}"}],)"
    R"( "metadata": {"chunk_id": "{{chunk_id}}", "total": "{{total_chunks}}", "tokens": "{{tokens}}",)"
    R"( "first": "{{is_first}}", "last": "{{is_last}}", "table": "{{table}}"}})";

class ChatServer {
 public:
  // How to answer the index-th request (from 0) for chunk `chunk_id`:
  // nothing means a completion at once.
  using Plan = std::function<std::optional<HttpReply>(std::size_t index, std::uint64_t chunk_id)>;

  explicit ChatServer(Plan plan = {}, std::string echo = {})
      : plan_(std::move(plan)), echo_(std::move(echo)),
        server_([this](const HttpRequest& r, std::size_t i) { return answer(r, i); }) {}

  std::string url() const { return server_.url("/v1/chat/completions"); }
  const HttpServer& http() const { return server_; }

  // Whatever did not match the template, one line each (empty: all did).
  std::vector<std::string> problems() const {
    std::lock_guard lock(mutex_);
    return problems_;
  }
  // The chunk text of each chunk answered 200, by chunk id (the last one).
  std::map<std::uint64_t, std::string> chunks() const {
    std::lock_guard lock(mutex_);
    return chunks_;
  }
  // Request arrivals, in order: (time, chunk id).
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> arrivals() const {
    std::lock_guard lock(mutex_);
    return arrivals_;
  }
  // The most requests that were waiting for their answer at once.
  std::size_t most_outstanding() const {
    std::lock_guard lock(mutex_);
    return most_outstanding_;
  }

 private:
  HttpReply answer(const HttpRequest& r, std::size_t index) {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    auto fail = [&](std::string what) {
      problems_.push_back("request " + std::to_string(index) + ": " + what);
      return HttpReply::status_code(400, "bad request");
    };
    rapidjson::Document d;
    d.Parse(r.body.data(), r.body.size());
    if (d.HasParseError() || !d.IsObject()) return fail("the body is not a JSON object");
    if (r.header("Content-Type") != "application/json") return fail("Content-Type " + r.header("Content-Type"));
    if (!d.HasMember("metadata") || !d["metadata"].IsObject()) return fail("no metadata");
    auto& meta = d["metadata"];
    for (const char* key : {"chunk_id", "total", "tokens", "first", "last", "table"})
      if (!meta.HasMember(key)) return fail(std::string("no metadata.") + key);
    if (!meta["chunk_id"].IsUint64()) return fail("metadata.chunk_id is not a number");
    std::uint64_t id = meta["chunk_id"].GetUint64();
    if (std::to_string(id) != r.header("X-Chunk-Id")) return fail("metadata.chunk_id is not X-Chunk-Id");
    // total_chunks is null while unknown (a token budget cuts the chunks).
    if (!(meta["total"].IsInt64() || meta["total"].IsNull()) || !meta["first"].IsBool() || !meta["last"].IsBool() ||
        !(meta["tokens"].IsNull() || meta["tokens"].IsInt64()) || !meta["table"].IsString())
      return fail("metadata types");
    if (meta["first"].GetBool() != (id == 0)) return fail("is_first");
    if (meta["last"].GetBool() != (r.header("X-Is-Last") == "true")) return fail("is_last");
    if (!d.HasMember("model") || d["model"] != "test-model" || !d.HasMember("messages") || !d["messages"].IsArray() ||
        d["messages"].Size() != 2 || !d["messages"][1].IsObject() || !d["messages"][1].HasMember("content") ||
        !d["messages"][1]["content"].IsString())
      return fail("model or messages");
    std::string content = d["messages"][1]["content"].GetString();
    std::string total = meta["total"].IsNull() ? "null" : std::to_string(meta["total"].GetInt64());
    std::string head = "Chunk " + std::to_string(id) + " of " + total + " (" +
                       meta["table"].GetString() + ", ";
    std::size_t colon = content.find(" records):\n");
    if (content.rfind(head, 0) != 0 || colon == std::string::npos) return fail("content: " + content.substr(0, 80));
    if (r.header("X-Request-Id") != "aton-" + std::to_string(id)) return fail("X-Request-Id " + r.header("X-Request-Id"));

    // Requests still waiting for their answer, for most_outstanding().
    while (!due_.empty() && *due_.begin() <= now) due_.erase(due_.begin());
    arrivals_.emplace_back(now, id);
    std::optional<HttpReply> planned = plan_ ? plan_(index, id) : std::nullopt;
    HttpReply reply = planned ? *planned
                              : HttpReply::status_code(200, R"({"id": "cmpl-)" + std::to_string(id) +
                                                                R"(", "choices": [{"index": 0, "message": {"role": "assistant", "content": "answer for chunk )" +
                                                                std::to_string(id) + echo_ + R"("}}]})");
    due_.insert(now + reply.delay);
    most_outstanding_ = std::max(most_outstanding_, due_.size());
    if (reply.kind == HttpReply::Kind::respond && reply.status == 200)
      chunks_[id] = content.substr(colon + std::string(" records):\n").size());
    return reply;
  }

  Plan plan_;
  std::string echo_;  // added to every answer's content (a server echoing a key)
  mutable std::mutex mutex_;
  std::vector<std::string> problems_;
  std::map<std::uint64_t, std::string> chunks_;
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> arrivals_;
  std::multiset<std::chrono::steady_clock::time_point> due_;
  std::size_t most_outstanding_ = 0;
  HttpServer server_;  // last: it calls answer() until it is destroyed, first
};

}  // namespace aton::test::sinks
