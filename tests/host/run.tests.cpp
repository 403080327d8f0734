// `aton run`, `aton validate`, `aton plugins` end to end: the real binary,
// the real plugins (test plugins from build/tests/plugins and the project's
// own), real files.
#include "host/host_fixtures.hpp"
#include "support/json_oracle.hpp"

#include <aton/json.hpp>
#include <aton/plugin.h>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>

using namespace aton::test;
namespace fs = std::filesystem;

namespace {

// The JSON `aton decode` prints for test_gen's first `count` records (from
// record `first` on).
std::string expected_records(std::size_t count, const std::string& table = "records", std::size_t first = 0) {
  static const char* const kGroups[] = {"alpha", "beta", "gamma"};
  std::string out = "{\"" + table + "\":[";
  for (std::size_t i = first; i < count; ++i) {
    if (i > first) out += ',';
    out += "{\"id\":" + std::to_string(i) + ",\"name\":\"user" + std::to_string(i) + "\",\"group\":\"" +
           kGroups[i % 3] + "\",\"active\":" + (i % 2 == 0 ? "true" : "false") +
           ",\"score\":" + std::to_string(i) + ".5}";
  }
  return out + "]}";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// The last {"event":"summary",...} line of a --progress=json run.
rapidjson::Document summary_of(const std::string& err) {
  rapidjson::Document doc;
  for (const auto& line : lines_of(err))
    if (line.find("\"event\":\"summary\"") != std::string::npos) doc.Parse(line.c_str());
  return doc;
}

const rapidjson::Value* queue_named(const rapidjson::Document& summary, std::string_view prefix) {
  if (!summary.IsObject() || !summary.HasMember("queues")) return nullptr;
  for (const auto& q : summary["queues"].GetArray())
    if (std::string_view(q["name"].GetString()).starts_with(prefix)) return &q;
  return nullptr;
}

}  // namespace

TEST_CASE("aton run loads the real plugins and its output decodes back to the input", "[run][e2e]") {
  TempDir dir;
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 2500},
    "encoder": {"chunk_size": 1000, "compression": "ultra"},
    "sinks": [{"plugin": "test_sink", "path": "out.aton", "log": "chunks.jsonl"}]})");
  auto run = run_aton_with_test_plugins({"run", config.string(), "--progress=none"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.err, Catch::Contains("aton: 2500 records, 3 chunks"));
  REQUIRE(fs::exists(dir / "out.aton"));
  CHECK_FALSE(fs::exists(dir / "out.aton.partial"));
  auto decoded = run_aton({"decode", (dir / "out.aton").string()});
  REQUIRE(decoded.exit_code == 0);
  CHECK(decoded.out.substr(0, decoded.out.find_last_not_of('\n') + 1) == expected_records(2500));
  auto log = lines_of(read_file(dir / "chunks.jsonl"));
  REQUIRE(log.size() == 4);
  CHECK(log.back() == "finish");
}

TEST_CASE("aton run with encoder.self_contained writes chunks that decode alone and together", "[run][e2e][self_contained]") {
  TempDir dir;
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 250},
    "encoder": {"chunk_size": 100, "compression": "ultra", "self_contained": true},
    "sinks": [{"plugin": "file", "per_chunk": "parts/part-{chunk_id}.aton"}, {"plugin": "file", "path": "whole.aton"}]})");
  auto run = run_aton_with_test_plugins({"run", config.string(), "--progress=none"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto decode = [](const std::string& file) {
    auto decoded = run_aton({"decode", file});
    INFO(decoded.err);
    CHECK(decoded.exit_code == 0);
    return decoded.out.substr(0, decoded.out.find_last_not_of('\n') + 1);
  };
  CHECK(decode((dir / "whole.aton").string()) == expected_records(250));
  for (std::size_t part = 0; part < 3; ++part) {
    std::string file = (dir / ("parts/part-00000" + std::to_string(part) + ".aton")).string();
    INFO(file);
    CHECK(read_file(file).starts_with("@chunk[id:" + std::to_string(part) + ",stream:\""));
    CHECK(decode(file) == expected_records(std::min<std::size_t>(250, part * 100 + 100), "records", part * 100));
  }
  // Parts 0 and 2 joined: the missing chunk is named.
  auto gap = dir.write("gap.aton", read_file(dir / "parts/part-000000.aton") + "\n" +
                                       read_file(dir / "parts/part-000002.aton"));
  auto refused = run_aton({"decode", gap.string()});
  CHECK(refused.exit_code == 4);
  CHECK_THAT(refused.err, Catch::Contains("chunk 1 is missing between chunk 0 (line 1) and chunk 2"));
}

TEST_CASE("the source's total flows into each chunk's total_chunks and progress", "[run][e2e]") {
  TempDir dir;
  SECTION("known up front") {
    auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 25},
      "encoder": {"chunk_size": 10}, "sinks": [{"plugin": "test_sink", "log": "chunks.jsonl"}]})");
    REQUIRE(run_aton_with_test_plugins({"run", config.string()}).exit_code == 0);
    auto log = lines_of(read_file(dir / "chunks.jsonl"));
    REQUIRE(log.size() == 4);
    CHECK_THAT(log[0], Catch::Contains("\"chunk_id\":0,\"total_chunks\":3"));
    CHECK_THAT(log[0], Catch::Contains("\"total_records\":25,\"progress\":0.4"));
    CHECK_THAT(log[1], Catch::Contains("\"progress\":0.8"));
    CHECK_THAT(log[2], Catch::Contains("\"is_last\":true"));
    CHECK_THAT(log[2], Catch::Contains("\"progress\":1"));
  }
  SECTION("unknown until the end") {
    auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 25, "total_known": false},
      "encoder": {"chunk_size": 10}, "sinks": [{"plugin": "test_sink", "log": "chunks.jsonl"}]})");
    REQUIRE(run_aton_with_test_plugins({"run", config.string()}).exit_code == 0);
    auto log = lines_of(read_file(dir / "chunks.jsonl"));
    REQUIRE(log.size() == 4);
    CHECK_THAT(log[0], Catch::Contains("\"total_chunks\":-1"));
    CHECK_THAT(log[0], Catch::Contains("\"total_records\":-1"));
    CHECK_THAT(log[2], Catch::Contains("\"total_chunks\":3"));
    CHECK_THAT(log[2], Catch::Contains("\"total_records\":25"));
  }
}

TEST_CASE("every sink receives every chunk in order", "[run][e2e]") {
  TempDir dir;
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 333},
    "encoder": {"chunk_size": 10}, "queue": {"capacity": 1},
    "sinks": [{"plugin": "test_sink", "path": "a.aton"}, {"plugin": "test_sink", "path": "b.aton", "delay_ms": 1},
              {"plugin": "test_sink", "path": "c.aton"}]})");
  auto run = run_aton_with_test_plugins({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::string a = read_file(dir / "a.aton");
  CHECK(a == read_file(dir / "b.aton"));
  CHECK(a == read_file(dir / "c.aton"));
  auto decoded = run_aton({"decode", (dir / "a.aton").string()});
  CHECK_THAT(decoded.out, Catch::StartsWith(expected_records(333)));
}

TEST_CASE("a slow sink holds the source back and no queue ever exceeds its capacity", "[run][e2e][backpressure]") {
  TempDir dir;
  // Both test plugins append to one trace file: the source "+10" after each
  // batch it made, the sink "-10" as it takes a chunk. Read in order, the
  // file tells how far the source ran ahead of the sink, observed from
  // outside the host rather than by its own counters.
  auto trace = dir / "trace.txt";
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 600, "trace": ")" + trace.string() + R"("},
    "encoder": {"chunk_size": 10, "sample_size": 10}, "queue": {"capacity": 2},
    "sinks": [{"plugin": "test_sink", "path": "out.aton", "delay_ms": 15, "trace": ")" + trace.string() + R"("}]})");
  auto run = run_aton_with_test_plugins({"run", config.string(), "--progress=json"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto events = lines_of(run.err);
  CHECK(std::count_if(events.begin(), events.end(),
                      [](const std::string& l) { return l.find("\"event\":\"chunk\"") != std::string::npos; }) == 60);
  rapidjson::Document summary = summary_of(run.err);
  REQUIRE(summary.IsObject());
  CHECK(summary["records"].GetUint64() == 600);
  const auto* batches = queue_named(summary, "batches");
  const auto* sink = queue_named(summary, "sink 0");
  REQUIRE(batches);
  REQUIRE(sink);
  CHECK((*batches)["capacity"].GetUint64() == 2);
  CHECK((*batches)["max_occupancy"].GetUint64() <= 2);
  CHECK((*sink)["max_occupancy"].GetUint64() <= 2);
  // The source found its queue full and had to wait: backpressure reached it.
  CHECK((*batches)["producer_waits"].GetUint64() > 0);
  CHECK((*sink)["producer_waits"].GetUint64() > 0);

  // Ahead of the sink at most: a batch the source waits to push, 2 queued
  // batches, one in the encoder and one it may hold back to mark the last
  // chunk, 2 queued chunks: 7 chunks of 10. Without the bound, 590.
  long ahead = 0, most_ahead = 0, produced = 0, taken = 0;
  for (const auto& line : lines_of(read_file(trace))) {
    long n = std::stol(line.substr(1));
    if (line[0] == '+') produced += n, ahead += n;
    else taken += n, ahead -= n;
    most_ahead = std::max(most_ahead, ahead);
  }
  CHECK(produced == 600);
  CHECK(taken == 600);
  CHECK(most_ahead <= 70);
  CHECK(most_ahead >= 30);  // and the source did run ahead: the queues were used
}

TEST_CASE("a failing source stops the run with one message naming stage plugin chunk and cause",
          "[run][e2e][failure]") {
  TempDir dir;
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 1000000, "fail_at": 2500},
    "encoder": {"chunk_size": 1000}, "sinks": [{"plugin": "test_sink", "path": "out.aton", "log": "log.txt"}]})");
  auto run = run_aton_with_test_plugins({"run", config.string()});
  REQUIRE_FALSE(run.timed_out);
  CHECK(run.exit_code == 1);
  CHECK(run.err == "aton run: source 'test_gen' (chunk 2): test_gen: planned failure at record 2500\n");
  CHECK_FALSE(fs::exists(dir / "out.aton"));
  CHECK_FALSE(fs::exists(dir / "out.aton.partial"));
  CHECK(lines_of(read_file(dir / "log.txt")).back() == "abort");
}

TEST_CASE("an encoder failure stops the run naming the encoder and the chunk", "[run][e2e][failure]") {
  TempDir dir;
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 1000, "late_key_at": 55},
    "encoder": {"chunk_size": 10, "sample_size": 10, "on_new_key": "error"},
    "sinks": [{"plugin": "test_sink", "log": "log.txt"}]})");
  auto run = run_aton_with_test_plugins({"run", config.string()});
  REQUIRE_FALSE(run.timed_out);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::StartsWith("aton run: encoder (chunk 5): "));
  CHECK_THAT(run.err, Catch::Contains("late"));
  CHECK(lines_of(run.err).size() == 1);
  CHECK(lines_of(read_file(dir / "log.txt")).back() == "abort");
}

TEST_CASE("a failing sink stops every stage promptly and the other sinks are aborted", "[run][e2e][failure]") {
  TempDir dir;
  // A source of 10^12 records, which no run gets through (a million took
  // 0.25 s, so it only caught a hang): the run ends at all only because the
  // failure stops the source too (no hang on a full queue), and it must end
  // within seconds of starting.
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 1000000000000},
    "encoder": {"chunk_size": 100}, "queue": {"capacity": 2},
    "sinks": [{"plugin": "test_sink", "path": "good.aton", "log": "good.txt"},
              {"plugin": "test_sink", "fail_at": 3}]})");
  ProcessOptions bounded;
  bounded.timeout = std::chrono::seconds(30);
  auto started = std::chrono::steady_clock::now();
  auto run = run_aton_with_test_plugins({"run", config.string()}, bounded);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  REQUIRE_FALSE(run.timed_out);
  CHECK(seconds < 5.0);
  CHECK(run.exit_code == 1);
  CHECK(run.err == "aton run: sink 'test_sink' (chunk 3): test_sink: planned failure at chunk 3\n");
  CHECK_FALSE(fs::exists(dir / "good.aton"));
  CHECK_FALSE(fs::exists(dir / "good.aton.partial"));
  CHECK(lines_of(read_file(dir / "good.txt")).back() == "abort");
}

TEST_CASE("a sink whose finish fails fails the run", "[run][e2e][failure]") {
  TempDir dir;
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 10},
    "sinks": [{"plugin": "test_sink", "fail_finish": true}]})");
  auto run = run_aton_with_test_plugins({"run", config.string()});
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("sink 'test_sink': finish failed: test_sink: planned failure in finish"));
}

TEST_CASE("a sink that cannot start is reported with its pointer in the config", "[run][e2e][failure]") {
  TempDir dir;
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen"},
    "sinks": [{"plugin": "test_sink"}, {"plugin": "test_sink", "path": "/nonexistent/x.aton"}]})");
  auto run = run_aton_with_test_plugins({"run", config.string()});
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("sink 'test_sink' (/sinks/1): could not start: cannot open /nonexistent/x.aton.partial"));
  // The sink that did start was told to discard its output.
  auto first = run_aton_with_test_plugins({"run", config.string(), "--set", "sinks.0.path=first.aton"});
  CHECK(first.exit_code == 1);
  CHECK_FALSE(fs::exists(dir / "first.aton.partial"));
}

TEST_CASE("a plugin built for another ABI is refused by aton run naming both versions", "[run][e2e][plugins]") {
  TempDir dir;
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen"}, "sinks": [{"plugin": "test_abi99"}]})");
  auto run = run_aton_with_test_plugins({"run", config.string()});
  CHECK(run.exit_code == 5);
  CHECK_THAT(run.err, Catch::Contains("plugin 'test_abi99'"));
  CHECK_THAT(run.err, Catch::Contains("ABI 99.0"));
  CHECK_THAT(run.err, Catch::Contains("this aton speaks ABI " + std::to_string(ATON_PLUGIN_ABI_MAJOR) + "." +
                                      std::to_string(ATON_PLUGIN_ABI_MINOR)));
}

TEST_CASE("a missing plugin is refused with the list of plugins found", "[run][e2e][plugins]") {
  TempDir dir;
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen"}, "sinks": [{"plugin": "tset_sink"}]})");
  auto run = run_aton_with_test_plugins({"run", config.string()});
  CHECK(run.exit_code == 5);
  CHECK_THAT(run.err, Catch::Contains("plugin 'tset_sink' not found"));
  CHECK_THAT(run.err, Catch::Contains("test_sink"));
  CHECK_THAT(run.err, Catch::Contains(test_plugin_dir() + " (ATON_PLUGIN_PATH)"));
}

TEST_CASE("plugin_dirs in a config are searched relative to the config", "[run][e2e][plugins]") {
  TempDir dir;
  fs::create_directories(dir / "mine");
  fs::copy_file(fs::path(test_plugin_dir()) / "aton_test_gen.so", dir / "mine" / "aton_test_gen.so");
  fs::copy_file(fs::path(test_plugin_dir()) / "aton_test_sink.so", dir / "mine" / "aton_test_sink.so");
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 3},
    "sinks": [{"plugin": "test_sink", "path": "out.aton"}], "plugin_dirs": ["mine"]})");
  auto run = run_aton({"run", config.string()});
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(fs::exists(dir / "out.aton"));
}

TEST_CASE("config errors exit with their own code and give the pointer", "[run][e2e][config]") {
  TempDir dir;
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "cuont": 3},
    "sinks": [{"plugin": "test_sink"}]})");
  auto run = run_aton_with_test_plugins({"run", config.string()});
  CHECK(run.exit_code == 3);
  CHECK_THAT(run.err, Catch::Contains(config.string() + ": /source/cuont: unknown key 'cuont'; did you mean 'count'?"));
  auto validate = run_aton_with_test_plugins({"validate", config.string()});
  CHECK(validate.exit_code == 3);
  CHECK_THAT(validate.err, Catch::Contains("/source/cuont"));
  auto missing_env = run_aton_with_test_plugins({"validate", config.string(), "--set", "sinks.0.path=${NO_SUCH_VAR_X}"});
  CHECK(missing_env.exit_code == 3);
  CHECK_THAT(missing_env.err, Catch::Contains("/sinks/0/path: environment variable NO_SUCH_VAR_X is not set"));
}

TEST_CASE("aton validate accepts a valid config and applies --set and the environment", "[run][e2e][config]") {
  TempDir dir;
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 3},
    "sinks": [{"plugin": "${SINK_PLUGIN}", "path": "out.aton"}]})");
  ProcessOptions options;
  options.env["SINK_PLUGIN"] = "test_sink";
  auto run = run_aton_with_test_plugins({"validate", config.string(), "--set", "encoder.chunk_size=7"}, options);
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("valid: source 'test_gen', 1 sink 'test_sink', chunk_size 7"));
  CHECK_FALSE(fs::exists(dir / "out.aton"));  // nothing ran
}

TEST_CASE("aton plugins lists name kind version and file - --describe shows the options", "[run][e2e][plugins]") {
  auto list = run_aton_with_test_plugins({"plugins"});
  REQUIRE(list.exit_code == 0);
  CHECK_THAT(list.out, Catch::Contains("test_gen"));
  CHECK_THAT(list.out, Catch::Contains("source"));
  CHECK_THAT(list.out, Catch::Contains("0.1.0"));
  CHECK_THAT(list.out, Catch::Contains(test_plugin_dir() + "/aton_test_gen.so"));
  CHECK_THAT(list.out, Catch::Contains("refused: plugin 'test_abi99'"));
  auto describe = run_aton_with_test_plugins({"plugins", "--describe", "test_sink"});
  REQUIRE(describe.exit_code == 0);
  CHECK_THAT(describe.out, Catch::Contains("delay_ms (integer, default 0)"));
  CHECK_THAT(describe.out, Catch::Contains("Sleep this long per chunk"));
  CHECK(run_aton_with_test_plugins({"plugins", "--describe", "nosuch"}).exit_code == 5);
}

namespace {

// Starts aton, waits until its stderr shows the first chunk event, sends
// `signal`, and returns the exit code and everything it printed on stderr.
std::pair<int, std::string> interrupt_run(const fs::path& config, int signal) {
  int err_pipe[2];
  REQUIRE(pipe2(err_pipe, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::string binary = ATON_BINARY, config_arg = config.string(), env_arg = "ATON_PLUGIN_PATH=" + test_plugin_dir();
  std::vector<char*> argv = {binary.data(), const_cast<char*>("run"), config_arg.data(),
                             const_cast<char*>("--progress=json"), nullptr};
  std::vector<char*> envp = {env_arg.data(), nullptr};
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data()) == 0);
  posix_spawn_file_actions_destroy(&actions);
  close(err_pipe[1]);

  std::string err;
  bool signalled = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd fd{err_pipe[0], POLLIN, 0};
    if (poll(&fd, 1, 1000) <= 0) continue;
    ssize_t n = read(err_pipe[0], buffer, sizeof buffer);
    if (n <= 0) break;  // the child closed stderr: it exited
    err.append(buffer, static_cast<std::size_t>(n));
    if (!signalled && err.find("\"event\":\"chunk\"") != std::string::npos) {
      kill(pid, signal);
      signalled = true;
    }
  }
  close(err_pipe[0]);
  if (std::chrono::steady_clock::now() >= deadline) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(signalled);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), err};
}

}  // namespace

TEST_CASE("SIGINT and SIGTERM stop a run cleanly: sinks aborted exit 130 or 143", "[run][e2e][signals]") {
  TempDir dir;
  auto config = dir.write("p.json", R"({"source": {"plugin": "test_gen", "count": 1000000},
    "encoder": {"chunk_size": 100}, "queue": {"capacity": 2},
    "sinks": [{"plugin": "test_sink", "path": "out.aton", "log": "log.txt", "delay_ms": 20}]})");
  auto [code, err] = interrupt_run(config, SIGINT);
  CHECK(code == 130);
  CHECK_THAT(err, Catch::Contains("aton run: interrupted by SIGINT"));
  CHECK_FALSE(fs::exists(dir / "out.aton"));
  CHECK_FALSE(fs::exists(dir / "out.aton.partial"));
  CHECK(lines_of(read_file(dir / "log.txt")).back() == "abort");

  auto [term_code, term_err] = interrupt_run(config, SIGTERM);
  CHECK(term_code == 143);
  CHECK_THAT(term_err, Catch::Contains("aton run: interrupted by SIGTERM"));
}

TEST_CASE("the json source runs through the pipeline and decodes back to its input", "[run][e2e][json]") {
  TempDir dir;
  std::string records = "[";
  for (int i = 0; i < 1234; ++i)
    records += (i ? "," : "") + std::string("{\"id\":") + std::to_string(i) + ",\"name\":\"n" + std::to_string(i % 7) + "\"}";
  records += "]";
  dir.write("in.json", records);
  auto config = dir.write("p.json", R"({"source": {"plugin": "json", "path": "in.json", "table": "items"},
    "encoder": {"chunk_size": 100}, "sinks": [{"plugin": "test_sink", "path": "out.aton"}]})");
  auto run = run_aton_with_test_plugins({"run", config.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto decoded = run_aton({"decode", (dir / "out.aton").string()});
  REQUIRE(decoded.exit_code == 0);
  CHECK_THAT(decoded.out, Catch::StartsWith("{\"items\":" + records + "}"));
}

TEST_CASE("examples/pipeline.json runs json -> file + stdout and the file decodes back to the input",
          "[run][e2e][json]") {
  TempDir dir;
  ProcessOptions options;
  options.env["ATON_OUT"] = dir.path().string();
  auto run = run_aton({"run", ATON_SOURCE_DIR "/examples/pipeline.json", "--progress=none"}, options);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.err, Catch::Contains("aton: 20 records, 5 chunks"));
  std::string written = read_file(dir / "employees.aton");
  CHECK(run.out == written + "\n");  // the stdout sink got the same chunks
  auto decoded = run_aton({"decode", (dir / "employees.aton").string()});
  REQUIRE(decoded.exit_code == 0);
  // Compared by Python's json module (support/json_oracle.hpp), not by aton's JSON reader.
  auto difference = json_difference(read_file(ATON_SOURCE_DIR "/examples/data/employees.json"), decoded.out);
  INFO(difference.value_or(""));
  CHECK_FALSE(difference.has_value());
}
