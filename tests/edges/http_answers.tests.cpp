// The http sink's url and the answers it explains: a redirect is named as
// one, with where it points; a scheme is a scheme whatever its case.
#include "sinks/sink_test_helpers.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

using namespace aton::test;
using namespace aton::test::sinks;

namespace {

ProcessResult run_to(const TempDir& dir, const std::string& url, std::size_t records = 3) {
  dir.write("users.json", users_json(records));
  auto config = dir.write("pipeline.json", pipeline_json(R"([{"plugin": "http", "url": ")" + url +
                                                          R"(", "retries": 2, "backoff_ms": 10}])"));
  return run_aton({"run", config.string(), "--progress", "none"});
}

}  // namespace

TEST_CASE("a 3xx answer is explained as a redirect with its Location and is not retried", "[edges][http]") {
  HttpServer target;
  HttpServer server({}, HttpReply::status_code(301, "moved").with_header(
                            "Location", target.url("/new-home?token=s3cr3t-in-query")));
  TempDir dir;
  auto run = run_to(dir, server.url("/ingest"));
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("HTTP 301"));
  CHECK_THAT(run.err, Catch::Contains("redirect"));
  CHECK_THAT(run.err, Catch::Contains(target.url("/new-home")));
  CHECK_THAT(run.err, !Catch::Contains("s3cr3t-in-query"));
  CHECK_THAT(run.err, !Catch::Contains("4xx"));
  CHECK(server.requests().size() == 1);  // not retried
  CHECK(target.requests().empty());       // not followed

  SECTION("a relative Location is named as the absolute address it stands for") {
    HttpServer relative({}, HttpReply::status_code(308).with_header("Location", "/elsewhere"));
    auto again = run_to(dir, relative.url("/ingest"));
    INFO(again.err);
    CHECK(again.exit_code == 1);
    CHECK_THAT(again.err, Catch::Contains("HTTP 308"));
    CHECK_THAT(again.err, Catch::Contains(relative.url("/elsewhere")));
  }
  SECTION("a redirect without a Location says so") {
    HttpServer bare({}, HttpReply::status_code(302));
    auto again = run_to(dir, bare.url("/ingest"));
    INFO(again.err);
    CHECK(again.exit_code == 1);
    CHECK_THAT(again.err, Catch::Contains("HTTP 302"));
    CHECK_THAT(again.err, Catch::Contains("no Location"));
  }
}

TEST_CASE("an http url whose scheme is written in capitals is taken as http", "[edges][http]") {
  HttpServer server;
  TempDir dir;
  std::string url = server.url("/ingest");
  REQUIRE(url.rfind("http://", 0) == 0);
  for (std::string scheme : {"HTTP://", "Http://"}) {
    INFO(scheme);
    auto run = run_to(dir, scheme + url.substr(7), 250);
    INFO(run.err);
    CHECK(run.exit_code == 0);
  }
  CHECK(server.accepted_requests().size() == 6);

  SECTION("and aton validate agrees") {
    auto validate = run_aton({"validate", (dir / "pipeline.json").string()});
    INFO(validate.err);
    CHECK(validate.exit_code == 0);
  }
}
