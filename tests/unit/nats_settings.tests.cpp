// The nats sink's settings, in-process: subjects and NATS wildcards, server
// lists, and the credentials taken out of what the sink prints.
#include "nats/nats_settings.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace aton::sinks::nats;

TEST_CASE("a stream's subject filter takes subjects as NATS matches them", "[unit][nats]") {
  CHECK(subject_matches("aton.users", "aton.users"));
  CHECK_FALSE(subject_matches("aton.users", "aton.orders"));
  CHECK(subject_matches("aton.*", "aton.users"));
  CHECK_FALSE(subject_matches("aton.*", "aton.users.eu"));
  CHECK_FALSE(subject_matches("aton.*", "aton"));
  CHECK(subject_matches("*.users", "aton.users"));
  CHECK(subject_matches("aton.>", "aton.users.eu"));
  CHECK(subject_matches("aton.>", "aton.users"));
  CHECK_FALSE(subject_matches("aton.>", "aton"));  // '>' takes one token or more
  CHECK(subject_matches(">", "aton.users"));
  CHECK_FALSE(subject_matches("aton.users.eu", "aton.users"));
}

TEST_CASE("a subject to publish on is dot-separated printable tokens without wildcards", "[unit][nats]") {
  CHECK(valid_subject("aton.users"));
  CHECK(valid_subject("ATON_T_1_2"));
  CHECK_FALSE(valid_subject(""));
  CHECK_FALSE(valid_subject("aton..users"));
  CHECK_FALSE(valid_subject(".aton"));
  CHECK_FALSE(valid_subject("aton."));
  CHECK_FALSE(valid_subject("aton.*"));
  CHECK_FALSE(valid_subject("aton.>"));
  CHECK_FALSE(valid_subject("aton users"));
  CHECK_FALSE(valid_subject("aton\tusers"));
  CHECK_FALSE(valid_subject("aton.\xc3\xa9"));
}

TEST_CASE("a server list splits at commas and prints without user or password", "[unit][nats]") {
  auto urls = split_urls(" nats://a:4222 ,nats://u:p@b:4222,, ");
  REQUIRE(urls.size() == 2);
  CHECK(urls[0] == "nats://a:4222");
  CHECK(urls[1] == "nats://u:p@b:4222");
  CHECK(redact_url("nats://a:4222") == "nats://a:4222");
  CHECK(redact_url("nats://user:secret@b:4222") == "nats://***@b:4222");
  CHECK(redact_url("nats://user:se@cret@b:4222") == "nats://***@b:4222");  // a raw '@' in the password
  CHECK(redact_url("tls://token-only@c:4443") == "tls://***@c:4443");
}

TEST_CASE("the credentials of a nats sink config are the secrets it blanks out", "[unit][nats]") {
  aton::sdk::Config config(R"({"url": "nats://a:4222, nats://bob:hunter2-long@b:4222", "subject": "s",
                               "token": "tok-0123456789", "password": "pw-abcdef", "user": "bob",
                               "connect_timeout_ms": 1000, "ack_timeout_ms": 5000, "duplicate_window_ms": 120000,
                               "max_in_flight": 16, "replicas": 1})");
  auto settings = NatsSettings::from(config);
  CHECK(settings.shown_urls == "nats://a:4222,nats://***@b:4222");
  auto secrets = settings.secrets();
  for (const char* secret : {"tok-0123456789", "pw-abcdef", "hunter2-long"}) {
    INFO(secret);
    CHECK(std::find(secrets.begin(), secrets.end(), secret) != secrets.end());
  }
}
