// Resumable runs, end to end: the real `aton run`, the real sources and
// sinks, killed with SIGKILL at random points and resumed until done.
#include "support/background_run.hpp"
#include "support/compression.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/seed.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <aton/host/checkpoint.hpp>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <sstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

using namespace aton::test;
using namespace aton::test::resume;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kRecords = 3000;
constexpr std::size_t kChunkSize = 40;  // 75 chunks
constexpr std::size_t kChunks = (kRecords + kChunkSize - 1) / kChunkSize;

// A pipeline: `source` (a JSON object's text), then the given sinks plus,
// when `slow`, a slow test sink (3 ms a chunk) so that a run lasts long
// enough to be killed in the middle. A checkpoint after every chunk, unless
// `checkpoint` says otherwise.
std::string config_json(const std::string& source, const std::string& sinks, bool slow = true,
                        const std::string& checkpoint = R"({"interval": 0})") {
  return "{\"source\": " + source + ",\n"
         " \"encoder\": {\"chunk_size\": " + std::to_string(kChunkSize) + ", \"sample_size\": 200},\n"
         " \"queue\": {\"capacity\": 2},\n"
         " \"checkpoint\": " + checkpoint + ",\n"
         " \"plugin_dirs\": [\"" ATON_TEST_PLUGIN_DIR "\"],\n"
         " \"sinks\": [" + sinks + (slow ? ", {\"plugin\": \"test_sink\", \"delay_ms\": 3}" : "") + "]}\n";
}

struct Source {
  const char* name;
  const char* file;
  std::string (*make)(std::size_t);
  const char* config;
};

// Compressed inputs resume by decompressing again up to the saved offset.
std::string gzip_records_jsonl(std::size_t count) { return gzip_text(records_jsonl(count), 3); }
std::string zstd_records_csv(std::size_t count) { return zstd_text(records_csv(count), 2); }
// Windows-1252 ("\x80s\xE9r" is "€sér"): offsets count decoded bytes, so a
// resume decodes again from the start up to the saved one.
std::string windows_1252_records_csv(std::size_t count) {
  std::string out = records_csv(count);
  for (auto at = out.find("user "); at != std::string::npos; at = out.find("user ", at)) out.replace(at, 4, "\x80s\xE9r");
  return out;
}

const Source kSources[] = {
    {"json array", "users.json", &records_json, R"({"plugin": "json", "path": "users.json"})"},
    {"json object of tables", "users.json", &records_tables_json,
     R"({"plugin": "json", "path": "users.json", "count": false})"},
    {"json lines", "users.jsonl", &records_jsonl, R"({"plugin": "json", "path": "users.jsonl"})"},
    {"csv", "users.csv", &records_csv, R"({"plugin": "csv", "path": "users.csv", "table": "users"})"},
    {"json lines gzip", "users.jsonl.gz", &gzip_records_jsonl, R"({"plugin": "json", "path": "users.jsonl.gz"})"},
    {"csv zstd", "users.csv.zst", &zstd_records_csv,
     R"({"plugin": "csv", "path": "users.csv.zst", "table": "users"})"},
    {"csv windows-1252", "users.csv", &windows_1252_records_csv,
     R"({"plugin": "csv", "path": "users.csv", "table": "users", "encoding": "windows-1252"})"},
};

// Runs the config to the end without interruption.
void run_whole(const fs::path& config) {
  auto run = run_aton({"run", config.string(), "--progress=none"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
}

// Starts `config` (with --resume when a checkpoint is there), kills it with
// SIGKILL at a random point, again and again, then lets the last run
// finish. Returns how many runs were killed. `after_kill` (if given) sees
// the checkpoint a killed run left.
int kill_and_resume(const fs::path& config, const fs::path& checkpoint, std::mt19937& random, int kills,
                    const std::function<void(const fs::path&)>& after_kill = {}) {
  int killed = 0;
  for (int attempt = 0; attempt < kills; ++attempt) {
    auto at = checkpoint_next_chunk(checkpoint);
    std::vector<std::string> args{"run", config.string(), "--progress=none"};
    if (at) args.push_back("--resume");
    BackgroundRun run(args, config.parent_path() / ("run" + std::to_string(attempt)));
    // Between chunks (right after a checkpoint) or during one (a few ms later).
    std::size_t target = at.value_or(0) + 1 + random() % 12;
    bool reached = wait_for_checkpoint(checkpoint, target, run);
    if (reached && random() % 2) std::this_thread::sleep_for(std::chrono::milliseconds(random() % 4));
    if (!run.send(SIGKILL)) {
      // It finished first: it must have finished well.
      INFO(run.err());
      REQUIRE(run.wait() == 0);
      return killed;
    }
    REQUIRE(run.wait().has_value());
    ++killed;
    if (after_kill) after_kill(checkpoint);
  }
  std::vector<std::string> args{"run", config.string(), "--progress=none"};
  if (checkpoint_next_chunk(checkpoint)) args.push_back("--resume");
  auto last = run_aton(args);
  INFO(last.err);
  REQUIRE(last.exit_code == 0);
  return killed;
}

}  // namespace

TEST_CASE("a run killed with SIGKILL at random points and resumed each time writes the same file as an uninterrupted run",
          "[resume]") {
  unsigned seed = test_seed();
  INFO("seed " << seed << " (replay with ATON_TEST_SEED=" << seed << ")");
  std::mt19937 random(seed);
  for (const Source& source : kSources) {
    SECTION(source.name) {
      TempDir whole, killed;
      std::string input = source.make(kRecords);
      whole.write(source.file, input);
      killed.write(source.file, input);
      auto sinks = R"({"plugin": "file", "path": "out/users.aton"})";
      auto whole_config = whole.write("pipeline.json", config_json(source.config, sinks));
      auto killed_config = killed.write("pipeline.json", config_json(source.config, sinks));
      run_whole(whole_config);
      std::string expected = read_file(whole / "out/users.aton");
      REQUIRE(expected.find("+(") != std::string::npos);  // many chunks

      int kills = kill_and_resume(killed_config, killed / "pipeline.json.checkpoint", random, 4);
      CHECK(kills >= 2);
      CHECK(read_file(killed / "out/users.aton") == expected);
      // Finished: no checkpoint, no temporary file is left.
      CHECK_FALSE(fs::exists(killed / "pipeline.json.checkpoint"));
      CHECK(names_in(killed / "out") == std::vector<std::string>{"users.aton"});
    }
  }
}

TEST_CASE("a compressed file sink killed with SIGKILL and resumed writes the same bytes as an uninterrupted run",
          "[resume][compression]") {
  unsigned seed = test_seed();
  INFO("seed " << seed << " (replay with ATON_TEST_SEED=" << seed << ")");
  std::mt19937 random(seed);
  for (std::string kind : {"gzip", "zstd"}) {
    SECTION(kind) {
      TempDir plain, whole, killed;
      std::string input = records_json(kRecords);
      for (auto* dir : {&plain, &whole, &killed}) dir->write("users.json", input);
      run_whole(plain.write("pipeline.json", config_json(kSources[0].config, R"({"plugin": "file", "path": "out.aton"})")));
      std::string sinks = R"({"plugin": "file", "path": "out/users.aton.z", "compress": ")" + kind + R"("})";
      run_whole(whole.write("pipeline.json", config_json(kSources[0].config, sinks)));
      std::string expected = read_file(whole / "out/users.aton.z");
      auto unpacked = kind == "gzip" ? gunzip_text(expected) : unzstd_text(expected);
      REQUIRE(unpacked.ok);
      CHECK(unpacked.text == read_file(plain / "out.aton"));
      CHECK(unpacked.parts == kChunks);  // one member or frame a chunk

      auto killed_config = killed.write("pipeline.json", config_json(kSources[0].config, sinks));
      int kills = kill_and_resume(killed_config, killed / "pipeline.json.checkpoint", random, 4);
      CHECK(kills >= 2);
      CHECK(read_file(killed / "out/users.aton.z") == expected);
    }
  }
}

// `text` (lines, a header first when `header`) cut into `parts` files at
// line ends, each with the header.
std::vector<std::string> split_lines(const std::string& text, std::size_t parts, bool header) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line + "\n");
  std::string head = header ? lines.front() : "";
  if (header) lines.erase(lines.begin());
  std::vector<std::string> files(parts, head);
  for (std::size_t i = 0; i < lines.size(); ++i) files[i * parts / lines.size()] += lines[i];
  return files;
}

TEST_CASE("a glob of files killed with SIGKILL mid-file and resumed writes the same file as one uninterrupted input",
          "[resume][many_files]") {
  unsigned seed = test_seed();
  INFO("seed " << seed << " (replay with ATON_TEST_SEED=" << seed << ")");
  std::mt19937 random(seed);
  struct Case {
    const char* name;
    std::string text;
    bool header;
    const char* whole_source;
    const char* parts_source;
    const char* suffix;
  };
  // 10 files of 300 records: 7.5 chunks each, so most checkpoints fall inside a file.
  const Case cases[] = {
      {"json lines", records_jsonl(kRecords), false, R"({"plugin": "json", "path": "users.jsonl"})",
       R"({"plugin": "json", "path": "parts/*.jsonl"})", ".jsonl"},
      {"csv", records_csv(kRecords), true, R"({"plugin": "csv", "path": "users.csv", "table": "users"})",
       R"({"plugin": "csv", "path": ["parts/[0-4]-*.csv", "parts/[5-9]-*.csv"], "table": "users"})", ".csv"},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      TempDir whole, killed;
      whole.write(std::string("users") + c.suffix, c.text);
      auto files = split_lines(c.text, 10, c.header);
      // Written last to first; named so that sorting by name gives the records' order.
      for (std::size_t i = files.size(); i-- > 0;)
        killed.write("parts/" + std::to_string(i) + "-part" + c.suffix, files[i]);
      auto sinks = R"({"plugin": "file", "path": "out/users.aton"})";
      run_whole(whole.write("pipeline.json", config_json(c.whole_source, sinks)));
      std::string expected = read_file(whole / "out/users.aton");

      int mid_file = 0;  // checkpoints inside a file after the first
      auto see = [&](const fs::path& checkpoint) {
        auto saved = aton::host::load_checkpoint(checkpoint);
        rapidjson::Document position;
        position.Parse(saved.source_position.c_str());
        REQUIRE(position.IsObject());
        REQUIRE(position.HasMember("file"));
        if (position["file"].GetUint64() > 0 && position["offset"].GetUint64() > 0) ++mid_file;
      };
      auto config = killed.write("pipeline.json", config_json(c.parts_source, sinks));
      int kills = kill_and_resume(config, killed / "pipeline.json.checkpoint", random, 6, see);
      CHECK(kills >= 3);
      CHECK(mid_file >= 1);
      CHECK(read_file(killed / "out/users.aton") == expected);
    }
  }
}

TEST_CASE("a self_contained run killed and resumed writes the same chunks and stream as an uninterrupted run",
          "[resume][self_contained]") {
  unsigned seed = aton::test::test_seed();  // ATON_TEST_SEED replays one
  INFO("seed " << seed);
  std::mt19937 random(seed);
  const Source& source = kSources[0];
  TempDir whole, killed;
  std::string input = source.make(kRecords);
  whole.write(source.file, input);
  killed.write(source.file, input);
  auto config = [&] {
    std::string text = config_json(source.config, R"({"plugin": "file", "path": "out/users.aton"})");
    std::string plain = "\"sample_size\": 200}";
    return text.replace(text.find(plain), plain.size(), "\"sample_size\": 200, \"self_contained\": true}");
  }();
  auto whole_config = whole.write("pipeline.json", config);
  auto killed_config = killed.write("pipeline.json", config);
  run_whole(whole_config);
  std::string expected = read_file(whole / "out/users.aton");
  REQUIRE(expected.find("\n@chunk[id:" + std::to_string(kChunks - 1) + ", stream:") != std::string::npos);
  REQUIRE(expected.find("+(") == std::string::npos);

  int kills = kill_and_resume(killed_config, killed / "pipeline.json.checkpoint", random, 3);
  CHECK(kills >= 2);
  CHECK(read_file(killed / "out/users.aton") == expected);
  auto decoded = run_aton({"decode", (killed / "out/users.aton").string()});
  CHECK(decoded.exit_code == 0);
}

TEST_CASE("an HTTP receiver that drops repeated chunk ids gets exactly the uninterrupted stream after kills and resumes",
          "[resume][http]") {
  unsigned seed = test_seed();
  INFO("seed " << seed << " (replay with ATON_TEST_SEED=" << seed << ")");
  std::mt19937 random(seed);
  TempDir whole, killed;
  std::string input = records_json(kRecords);
  whole.write("users.json", input);
  killed.write("users.json", input);
  run_whole(whole.write("pipeline.json", config_json(kSources[0].config, R"({"plugin": "file", "path": "out.aton"})")));
  std::string expected = read_file(whole / "out.aton");

  HttpServer server;
  auto sinks = R"({"plugin": "http", "url": ")" + server.url("/ingest") + R"(", "retries": 0})";
  auto config = killed.write("pipeline.json", config_json(kSources[0].config, sinks));
  int kills = kill_and_resume(config, killed / "pipeline.json.checkpoint", random, 4);
  CHECK(kills >= 2);

  std::string stream;
  std::set<std::size_t> seen;
  std::size_t next = 0, repeats = 0;
  for (const auto& request : server.accepted_requests()) {
    std::size_t id = std::stoul(request.header("X-Chunk-Id"));
    if (!seen.insert(id).second) {
      ++repeats;
      continue;
    }
    REQUIRE(id == next);  // never a gap, never out of order
    ++next;
    stream += (id ? "\n" : "") + request.body;
  }
  CHECK(next == kChunks);
  CHECK(stream == expected);
  // At least once: only chunks sent after the last checkpoint of a killed run
  // come again (the one in flight, plus what the http sink ran ahead of the
  // slow test sink: at most the queue's capacity and the chunk being written).
  CHECK(repeats <= static_cast<std::size_t>(kills) * 4);
}

TEST_CASE("SIGTERM keeps the checkpoint and the partial output and --resume finishes the file", "[resume]") {
  TempDir dir;
  dir.write("users.json", records_json(kRecords));
  auto config = dir.write("pipeline.json",
                          config_json(kSources[0].config, R"({"plugin": "file", "path": "out/users.aton", "fsync": true})"));
  auto checkpoint = dir / "pipeline.json.checkpoint";
  {
    BackgroundRun run({"run", config.string(), "--progress=none"}, dir / "first");
    REQUIRE(wait_for_checkpoint(checkpoint, 5, run));
    REQUIRE(run.send(SIGTERM));
    REQUIRE(run.wait() == 143);
    CHECK_THAT(run.err(), Catch::Contains("--resume` continues from there"));
  }
  REQUIRE(checkpoint_next_chunk(checkpoint) >= std::size_t{5});
  auto names = names_in(dir / "out");
  REQUIRE(names.size() == 1);
  CHECK(names[0].rfind(".users.aton.tmp-", 0) == 0);  // kept for the resume

  auto resumed = run_aton({"run", config.string(), "--resume"});
  INFO(resumed.err);
  REQUIRE(resumed.exit_code == 0);
  CHECK(names_in(dir / "out") == std::vector<std::string>{"users.aton"});
  CHECK_FALSE(fs::exists(checkpoint));

  TempDir whole;
  whole.write("users.json", records_json(kRecords));
  run_whole(whole.write("pipeline.json", config_json(kSources[0].config, R"({"plugin": "file", "path": "out.aton"})")));
  CHECK(read_file(dir / "out/users.aton") == read_file(whole / "out.aton"));
}

TEST_CASE("checkpoint.interval holds checkpoints back during a run - a signal writes the newest and kill -9 resumes from an older one",
          "[resume]") {
  TempDir dir;
  dir.write("users.json", records_json(kRecords));
  // The test sink logs each chunk it has written; the file sink is faster.
  auto sinks = R"({"plugin": "file", "path": "out/users.aton"},
                  {"plugin": "test_sink", "delay_ms": 3, "log": "chunks.log"})";
  auto config = dir.write("pipeline.json", config_json(kSources[0].config, sinks, false, R"({"interval": 600})"));
  auto checkpoint = dir / "pipeline.json.checkpoint";
  auto chunks_written = [&] {
    std::string log = fs::exists(dir / "chunks.log") ? read_file(dir / "chunks.log") : "";
    return static_cast<std::size_t>(std::count(log.begin(), log.end(), '\n'));
  };
  auto interrupt_after_ten_chunks = [&](int signal) {
    BackgroundRun run({"run", config.string(), "--progress=none"}, dir / "first");
    REQUIRE(wait_for_checkpoint(checkpoint, 1, run));  // the first is written at once
    for (int i = 0; i < 20000 && chunks_written() < 10 && run.running(); ++i)  // bounded: 20 s
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(chunks_written() >= 10);
    CHECK(checkpoint_next_chunk(checkpoint) == std::size_t{1});  // the rest held back by the interval
    REQUIRE(run.send(signal));
    return run.wait();
  };

  SECTION("SIGTERM writes the newest checkpoint") {
    REQUIRE(interrupt_after_ten_chunks(SIGTERM) == 143);
    CHECK(checkpoint_next_chunk(checkpoint) >= std::size_t{10});
  }
  SECTION("kill -9 leaves the older one, and resuming from it rewrites the chunks after it") {
    REQUIRE(interrupt_after_ten_chunks(SIGKILL) == 128 + SIGKILL);
    CHECK(checkpoint_next_chunk(checkpoint) == std::size_t{1});
  }
  fs::remove(dir / "chunks.log");
  auto resumed = run_aton({"run", config.string(), "--resume", "--progress=none"});
  INFO(resumed.err);
  REQUIRE(resumed.exit_code == 0);
  TempDir whole;
  whole.write("users.json", records_json(kRecords));
  run_whole(whole.write("pipeline.json", config_json(kSources[0].config, R"({"plugin": "file", "path": "out.aton"})")));
  CHECK(read_file(dir / "out/users.aton") == read_file(whole / "out.aton"));
}

TEST_CASE("checkpoint.interval - a failing sink still leaves the newest checkpoint", "[resume]") {
  TempDir dir;
  dir.write("users.json", records_json(kRecords));
  // Chunks 0..9 reach both sinks, then the test sink fails at chunk 10;
  // the interval held back every checkpoint after the first.
  auto sinks = R"({"plugin": "file", "path": "out/users.aton"},
                  {"plugin": "test_sink", "delay_ms": 3, "fail_at": 10})";
  auto config = dir.write("pipeline.json", config_json(kSources[0].config, sinks, false, R"({"interval": 600})"));
  auto run = run_aton({"run", config.string(), "--progress=none"});
  INFO(run.err);
  REQUIRE(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("planned failure at chunk 10") && Catch::Contains("--resume"));
  CHECK(checkpoint_next_chunk(dir / "pipeline.json.checkpoint") == std::size_t{10});
}

TEST_CASE("a sink that fails keeps the checkpoint - --resume resends from the next chunk", "[resume][http]") {
  TempDir dir;
  dir.write("users.json", records_json(kRecords));
  // Chunks 0..9 go through, chunk 10 is refused (400: not retried), then all is well.
  std::vector<HttpReply> script(10, HttpReply::status_code(200));
  script.push_back(HttpReply::status_code(400, "not now"));
  HttpServer server(script);
  auto config = dir.write("pipeline.json",
                          config_json(kSources[0].config, R"({"plugin": "http", "url": ")" + server.url() + R"("})",
                                      false));  // the only sink: the checkpoint is right before its failure
  auto first = run_aton({"run", config.string(), "--progress=none"});
  REQUIRE(first.exit_code == 1);
  CHECK_THAT(first.err, Catch::Contains("chunk 10") && Catch::Contains("--resume"));
  REQUIRE(checkpoint_next_chunk(dir / "pipeline.json.checkpoint") == std::size_t{10});

  auto second = run_aton({"run", config.string(), "--resume", "--progress=none"});
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  auto requests = server.requests();
  REQUIRE(requests.size() == kChunks + 1);  // chunk 10 twice: refused, then accepted
  CHECK(requests[10].header("X-Chunk-Id") == "10");
  CHECK(requests[11].header("X-Chunk-Id") == "10");
  CHECK(requests.back().header("X-Chunk-Id") == std::to_string(kChunks - 1));
}

TEST_CASE("a --resume run refuses a missing foreign damaged or mismatched checkpoint and a changed input", "[resume][errors]") {
  TempDir dir;
  dir.write("users.json", records_json(kRecords));
  auto config = dir.write("pipeline.json",
                          config_json(kSources[0].config, R"({"plugin": "file", "path": "out.aton"})"));
  auto checkpoint = dir / "pipeline.json.checkpoint";

  SECTION("no checkpoint") {
    auto run = run_aton({"run", config.string(), "--resume"});
    CHECK(run.exit_code == 3);
    CHECK_THAT(run.err, Catch::Contains("no checkpoint " + checkpoint.string()) &&
                            Catch::Contains("run without --resume"));
  }

  // The other cases need a checkpoint: a run stopped by SIGTERM leaves one.
  auto interrupted = [&] {
    BackgroundRun run({"run", config.string(), "--progress=none"}, dir / "first");
    REQUIRE(wait_for_checkpoint(checkpoint, 3, run));
    REQUIRE(run.send(SIGTERM));
    REQUIRE(run.wait() == 143);
  };

  SECTION("a checkpoint made for another config") {
    interrupted();
    auto run = run_aton({"run", config.string(), "--resume", "--set", "encoder.compression=fast"});
    CHECK(run.exit_code == 3);
    CHECK_THAT(run.err, Catch::Contains("made for another config") && Catch::Contains(config.string()));
  }
  SECTION("a changed input") {
    interrupted();
    dir.write("users.json", records_json(kRecords + 1));
    auto run = run_aton({"run", config.string(), "--resume"});
    CHECK(run.exit_code == 3);
    CHECK_THAT(run.err, Catch::Contains("source 'json'") && Catch::Contains("the input changed"));
  }
  SECTION("a torn checkpoint") {
    interrupted();
    std::string text = read_file(checkpoint);
    dir.write("pipeline.json.checkpoint", text.substr(0, text.size() / 2));
    auto run = run_aton({"run", config.string(), "--resume"});
    CHECK(run.exit_code == 3);
    CHECK_THAT(run.err, Catch::Contains("is damaged"));
  }
  SECTION("an edited checkpoint") {
    interrupted();
    std::string text = read_file(checkpoint);
    text[text.find("\"next_chunk\":") + 13] = '9';
    dir.write("pipeline.json.checkpoint", text);
    auto run = run_aton({"run", config.string(), "--resume"});
    CHECK(run.exit_code == 3);
    CHECK_THAT(run.err, Catch::Contains("checksum does not match"));
  }
  SECTION("a file that is not a checkpoint") {
    dir.write("pipeline.json.checkpoint", "{\"something\": \"else\"}\n");
    auto run = run_aton({"run", config.string(), "--resume"});
    CHECK(run.exit_code == 3);
    CHECK_THAT(run.err, Catch::Contains("not an aton checkpoint"));
  }
}

TEST_CASE("a plugin without resume support means no checkpoints and --resume says which plugin", "[resume][errors]") {
  TempDir dir;
  auto config = dir.write("pipeline.json", R"({"source": {"plugin": "test_gen", "count": 500},
    "plugin_dirs": [")" ATON_TEST_PLUGIN_DIR R"("],
    "encoder": {"chunk_size": 10},
    "sinks": [{"plugin": "file", "path": "out.aton"}]})");
  auto run = run_aton({"run", config.string()});
  REQUIRE(run.exit_code == 0);
  CHECK_FALSE(fs::exists(dir / "pipeline.json.checkpoint"));

  // A checkpoint from elsewhere cannot help a pipeline that cannot resume.
  dir.write("pipeline.json.checkpoint", "{}");
  auto resumed = run_aton({"run", config.string(), "--resume"});
  CHECK(resumed.exit_code == 3);
  CHECK_THAT(resumed.err, Catch::Contains("source 'test_gen' (/source) cannot resume"));
}

TEST_CASE("checkpoint.path and checkpoint.enabled choose where checkpoints go or none", "[resume]") {
  TempDir dir;
  dir.write("users.json", records_json(kRecords));
  // The test sink holds the run in its write() of chunk 5 while the file
  // `hold` exists, and logs "holding": the test looks at the checkpoints at
  // that moment instead of racing a run that lasts 0.2 s.
  auto hold = dir.write("hold", "");
  auto log = dir / "chunks.log";
  // (Temporary folders' paths hold nothing a JSON string must escape.)
  auto sinks = R"({"plugin": "file", "path": "out.aton"}, {"plugin": "test_sink", "log": ")" + log.string() +
               R"(", "hold_while": ")" + hold.string() + R"(", "hold_at": 5})";
  auto config = dir.write("pipeline.json", config_json(kSources[0].config, sinks, false));
  auto held = [&](BackgroundRun& run) {
    for (int i = 0; i < 20000 && run.running(); ++i) {  // bounded: 20 s
      if (fs::exists(log) && read_file(log).find("holding") != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  };
  SECTION("checkpoint.path") {
    fs::create_directories(dir / "state");
    BackgroundRun run({"run", config.string(), "--progress=none", "--set", "checkpoint.path=state/run.ckpt"},
                      dir / "first");
    REQUIRE(held(run));
    // Chunks 0-4 reached every sink: the checkpoint says so, where it was told to be.
    CHECK(wait_for_checkpoint(dir / "state/run.ckpt", 5, run));
    CHECK_FALSE(fs::exists(dir / "pipeline.json.checkpoint"));
    fs::remove(hold);
    REQUIRE(run.wait() == 0);
    CHECK_FALSE(fs::exists(dir / "state/run.ckpt"));  // removed when finished
  }
  SECTION("checkpoint.enabled false") {
    BackgroundRun run({"run", config.string(), "--progress=none", "--set", "checkpoint.enabled=false"},
                      dir / "first");
    REQUIRE(held(run));
    CHECK_FALSE(fs::exists(dir / "pipeline.json.checkpoint"));
    for (const auto& name : names_in(dir.path())) {
      CHECK(name.find("checkpoint") == std::string::npos);
      CHECK(name.find(".lock") == std::string::npos);
    }
    fs::remove(hold);
    REQUIRE(run.wait() == 0);
  }
}
