// The http sink's own promise, without the host's scrubbing in between:
// its messages name the URL without its user, password and query. The
// sink is loaded in-process and its error text read as it crosses the
// plugin boundary, so removing the sink's redaction fails this test even
// though `aton run` would still hide the secrets (the host scrubs too).
#include "support/http_server.hpp"

#include <aton/errors.hpp>
#include <aton/host/plugin_instance.hpp>
#include <aton/host/plugin_library.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using aton::test::HttpReply;
using aton::test::HttpServer;

namespace {

// Writes one chunk through a fresh http sink on `url`; returns the error
// text the plugin gave ("" when the write succeeded).
std::string write_error(const std::string& url) {
  aton::host::RunContext run;
  std::string log;
  aton::host::SinkInstance sink(aton::host::load_plugin(std::filesystem::path(ATON_PLUGIN_DIR) / "aton_http.so"),
                                R"({"url": ")" + url + R"(", "retries": 1, "backoff_ms": 1, "max_backoff_ms": 1})",
                                run);
  const std::string text = "records(1):\n  1\n";
  aton_chunk chunk{};
  chunk.struct_size = sizeof chunk;
  chunk.total_chunks = 1;
  chunk.data = text.data();
  chunk.size = text.size();
  chunk.is_first = chunk.is_last = 1;
  chunk.table = "records";
  chunk.records_in_chunk = chunk.end_idx = chunk.total_records = 1;
  chunk.progress = 1;
  try {
    sink.write(chunk);
  } catch (const aton::SinkError& e) {
    sink.abort();
    return e.what();
  }
  sink.abort();
  return "";
}

std::string with_credentials(const HttpServer& server, const std::string& path) {
  std::string url = server.url(path);
  return url.insert(url.find("127.0.0.1"), "bob:U53rPa55word@");
}

}  // namespace

TEST_CASE("the http sink's own messages hide its url's password and query token", "[edges][secrets][http]") {
  SECTION("a refused chunk") {
    HttpServer server({}, HttpReply::status_code(400, "no"));
    std::string message = write_error(with_credentials(server, "/x?token=T0kenV4lue&a=1"));
    INFO(message);
    CHECK_THAT(message, Catch::Contains("HTTP 400") && Catch::Contains("127.0.0.1"));
    CHECK(message.find("U53rPa55word") == std::string::npos);
    CHECK(message.find("T0kenV4lue") == std::string::npos);
  }
  SECTION("a chunk that fails every attempt") {
    HttpServer server({}, HttpReply::status_code(503, "down"));
    std::string message = write_error(with_credentials(server, "/x?token=T0kenV4lue"));
    INFO(message);
    CHECK_THAT(message, Catch::Contains("HTTP 503") && Catch::Contains("2 attempts"));
    CHECK(message.find("U53rPa55word") == std::string::npos);
    CHECK(message.find("T0kenV4lue") == std::string::npos);
  }
}
