// `aton run`'s progress on every kind of stderr: a terminal narrower than
// the line (each update cut to the width, so none wraps and leaves a line
// behind), a pipe or file (plain lines, no \r or escape sequences), and
// --progress json, which ends a failed run with a structured error event.
#include "edges/edges.hpp"
#include "support/http_server.hpp"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

using aton::test::HttpReply;
using aton::test::HttpServer;
using aton::test::run_aton;
using aton::test::TempDir;
using aton::test::edges::json_string;

namespace {

struct TerminalRun {
  int exit_code = -1;
  bool timed_out = false;
  std::string screen;  // every byte written to the terminal
};

// Runs `aton args...` with stdin, stdout and stderr on a new pseudo-terminal
// `columns` wide, and collects what it writes there.
TerminalRun run_on_terminal(const std::vector<std::string>& args, unsigned short columns) {
  winsize size{};
  size.ws_row = 24;
  size.ws_col = columns;
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) FAIL("forkpty failed");
  if (pid == 0) {
    std::vector<char*> argv{const_cast<char*>(ATON_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  TerminalRun run;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  char buffer[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      run.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd fd{master, POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(left.count())) < 0) continue;
    ssize_t n = read(master, buffer, sizeof buffer);
    if (n <= 0) break;  // EIO once the child's side is closed
    run.screen.append(buffer, static_cast<std::size_t>(n));
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  return run;
}

std::filesystem::path users_config(const TempDir& dir, std::size_t records, const std::string& sinks) {
  std::string json = "[";
  for (std::size_t i = 0; i < records; ++i) json += (i ? "," : "") + std::string("{\"id\":") + std::to_string(i) + "}";
  dir.write("users.json", json + "]");
  return dir.write("pipeline.json", "{\"source\": {\"plugin\": \"json\", \"path\": \"users.json\"},"
                                    " \"encoder\": {\"chunk_size\": 10}, \"sinks\": " + sinks + "}");
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

TEST_CASE("progress on a terminal narrower than its line is cut to the width", "[edges][progress]") {
  TempDir dir;
  auto config = users_config(dir, 5000, R"([{"plugin": "file", "path": "out.aton"}])");
  for (unsigned short columns : {20, 33, 50}) {
    TerminalRun run = run_on_terminal({"run", config.string()}, columns);
    INFO(columns << " columns; the terminal got: " << run.screen);
    CHECK_FALSE(run.timed_out);
    CHECK(run.exit_code == 0);
    // Each update starts with "\r\e[K" and ends where the next one starts;
    // the last "\r\e[K" clears the line for the summary.
    const std::string clear = "\r\033[K";
    std::size_t updates = 0;
    for (std::size_t at = run.screen.find(clear); at != std::string::npos; at = run.screen.find(clear, at + 1)) {
      std::size_t start = at + clear.size();
      std::size_t end = run.screen.find_first_of("\r\n", start);
      std::string update = run.screen.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (update.empty() || update.rfind("aton: ", 0) == 0) continue;  // the clear before the summary
      ++updates;
      INFO("update: '" << update << "'");
      CHECK(update.size() < columns);
    }
    CHECK(updates >= 1);
    CHECK_THAT(run.screen, Catch::Contains("aton: 5000 records"));
  }
}

TEST_CASE("progress line into a pipe writes plain lines", "[edges][progress]") {
  TempDir dir;
  auto config = users_config(dir, 5000, R"([{"plugin": "file", "path": "out.aton"}])");
  auto run = run_aton({"run", config.string(), "--progress", "line"});
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.err.find('\r') == std::string::npos);
  CHECK(run.err.find('\033') == std::string::npos);
  auto lines = lines_of(run.err);
  REQUIRE(lines.size() >= 2);
  CHECK_THAT(lines.front(), Catch::StartsWith("aton: chunk "));
  CHECK_THAT(lines[lines.size() - 2], Catch::Contains("chunk 500/500") && Catch::Contains("5000/5000 records"));
  CHECK_THAT(lines.back(), Catch::StartsWith("aton: 5000 records, 500 chunks"));
}

TEST_CASE("the run summary says one record and one chunk in the singular", "[edges][progress]") {
  TempDir dir;
  auto config = users_config(dir, 1, R"([{"plugin": "file", "path": "out.aton"}])");
  auto run = run_aton({"run", config.string(), "--progress", "line"});
  INFO(run.err);
  CHECK(run.exit_code == 0);
  auto lines = lines_of(run.err);
  REQUIRE_FALSE(lines.empty());
  CHECK_THAT(lines.back(), Catch::StartsWith("aton: 1 record, 1 chunk, "));
}

TEST_CASE("progress json ends a failed run with an error event naming stage plugin chunk and exit code",
          "[edges][progress]") {
  TempDir dir;
  auto last_event = [](const std::string& err) {
    auto lines = lines_of(err);
    REQUIRE_FALSE(lines.empty());
    rapidjson::Document event;
    event.Parse(lines.back().c_str());
    INFO("last line: " << lines.back());
    REQUIRE_FALSE(event.HasParseError());
    REQUIRE(event.IsObject());
    REQUIRE(event.HasMember("event"));
    CHECK(std::string(event["event"].GetString()) == "error");
    return event;
  };

  SECTION("a sink refuses a chunk") {
    HttpServer server({HttpReply::status_code(200), HttpReply::status_code(400, "no")});
    auto config = users_config(dir, 50, "[{\"plugin\": \"http\", \"url\": " + json_string(server.url("/in")) + "}]");
    auto run = run_aton({"run", config.string(), "--progress", "json"});
    INFO(run.err);
    CHECK(run.exit_code == 1);
    rapidjson::Document event = last_event(run.err);
    CHECK(std::string(event["stage"].GetString()) == "sink");
    CHECK(std::string(event["plugin"].GetString()) == "http");
    CHECK(event["chunk"].GetInt() == 1);
    CHECK_THAT(event["message"].GetString(), Catch::Contains("HTTP 400") && Catch::StartsWith("sink 'http' (chunk 1): "));
    CHECK(event["exit_code"].GetInt() == 1);
  }
  SECTION("the source finds malformed input") {
    dir.write("users.json", "[{\"id\": 1}, {\"id\": ]");
    auto config = dir.write("pipeline.json", R"({"source": {"plugin": "json", "path": "users.json"}, "sinks": [{"plugin": "stdout"}]})");
    auto run = run_aton({"run", config.string(), "--progress", "json"});
    INFO(run.err);
    CHECK(run.exit_code == 1);
    rapidjson::Document event = last_event(run.err);
    CHECK(std::string(event["stage"].GetString()) == "source");
    CHECK(std::string(event["plugin"].GetString()) == "json");
    CHECK(event["chunk"].GetInt() == 0);
    CHECK(event["exit_code"].GetInt() == 1);
  }
  SECTION("the config is invalid") {
    auto config = dir.write("pipeline.json", R"({"source": {"plugin": "json", "path": "x.json"}, "sinks": []})");
    auto run = run_aton({"run", config.string(), "--progress", "json"});
    INFO(run.err);
    CHECK(run.exit_code == 3);
    rapidjson::Document event = last_event(run.err);
    CHECK(event["stage"].IsNull());
    CHECK(event["plugin"].IsNull());
    CHECK(event["chunk"].IsNull());
    CHECK_THAT(event["message"].GetString(), Catch::Contains("/sinks"));
    CHECK(event["exit_code"].GetInt() == 3);
  }
}
