// Issue 13 item 1: the json and csv sources hand records on as they arrive.
// Reading a FIFO whose writer is quiet, next_batch() returns the records
// that have arrived, short, instead of waiting for a full batch; and with
// `follow`, a file is read as it grows and across rotation and truncation,
// as tail -F does, with positions that resume.
//
// The plugins are loaded for real, in-process. Nothing here sleeps to let
// time pass: the writer waits for the test's word, so a source that waits
// for more records than have arrived would wait for ever; a watchdog cancels
// the run after a bound, which then fails the test instead of hanging it.
#include "support/compression.hpp"
#include "support/temp_dir.hpp"

#include <aton/host/plugin_instance.hpp>
#include <aton/host/plugin_library.hpp>
#include <aton/json.hpp>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace aton::host;
using aton::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Cancels `run` after `bound` unless destroyed first: a source that waits
// for what never comes then fails (SourceError) instead of hanging.
class Watchdog {
 public:
  Watchdog(RunContext& run, std::chrono::seconds bound) : thread_([this, &run, bound] {
      std::unique_lock lock(mutex_);
      if (!done_cv_.wait_for(lock, bound, [this] { return done_; })) run.cancel();
    }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

// A FIFO written in parts: the first at once, each next one only when the
// test says go(), the write end closed after the last.
class SteppedWriter {
 public:
  SteppedWriter(fs::path path, std::vector<std::string> parts) : path_(std::move(path)), parts_(std::move(parts)) {
    REQUIRE(::mkfifo(path_.c_str(), 0600) == 0);
    thread_ = std::thread([this] { run(); });
  }
  ~SteppedWriter() {
    go();
    // A reader that never opened the FIFO leaves the writer in open():
    // opening it here for reading lets it go on.
    int fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK);
    thread_.join();
    if (fd >= 0) ::close(fd);
  }
  void go() {
    std::lock_guard lock(mutex_);
    ++allowed_;
    cv_.notify_all();
  }

 private:
  void run() {
    int fd = ::open(path_.c_str(), O_WRONLY);  // waits for the reader
    if (fd < 0) return;
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (i > 0) {
        std::unique_lock lock(mutex_);
        if (!cv_.wait_for(lock, std::chrono::seconds(30), [&] { return allowed_ >= i; })) break;
      }
      const std::string& part = parts_[i];
      for (std::size_t done = 0; done < part.size();) {
        ssize_t n = ::write(fd, part.data() + done, part.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
    }
    ::close(fd);
  }

  fs::path path_;
  std::vector<std::string> parts_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::size_t allowed_ = 0;
  std::thread thread_;
};

Plugin load_source(const std::string& name) {
  PluginCatalog catalog(std::vector<PluginDir>{{ATON_PLUGIN_DIR, "built"}});
  return catalog.load(name, ATON_PLUGIN_SOURCE);
}

std::string quoted(const fs::path& path) { return "\"" + path.string() + "\""; }

std::vector<std::string> ids_of(const RecordBatch& batch) {
  std::vector<std::string> ids;
  for (const auto& record : batch.records) {
    const aton::Value* id = record.find("id");
    ids.push_back(id ? aton::to_json(*id) : "no id");
  }
  return ids;
}

// ASCII `text` as UTF-16, little-endian, without a byte order mark.
std::string utf16le(const std::string& text) {
  std::string out;
  for (char c : text) out += std::string{c, '\0'};
  return out;
}

void append(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

// Batches until `want` records came (each call waits for at least one),
// bounded in calls; their ids.
std::vector<std::string> read_ids(SourceInstance& source, std::size_t want, RecordBatch* last = nullptr) {
  std::vector<std::string> ids;
  for (int calls = 0; calls < 20 && ids.size() < want; ++calls) {
    RecordBatch batch = source.next_batch(100);
    for (auto& id : ids_of(batch)) ids.push_back(id);
    if (last) *last = std::move(batch);
  }
  return ids;
}

}  // namespace

TEST_CASE("a source reading a FIFO hands on the records that arrived while the writer waits", "[sources][flow]") {
  struct Layout {
    std::string name, plugin, first, rest;
  };
  // The first part ends inside the fourth record: the batch holds three.
  const std::vector<Layout> layouts = {
      {"jsonl", R"("plugin": "json", "format": "jsonl")",
       "{\"id\": 1}\n{\"id\": 2}\n\n{\"id\": 3}\n{\"id\": 4, \"na", "me\": \"d\"}\n{\"id\": 5}\n"},
      {"json", R"("plugin": "json", "format": "json")", "[{\"id\": 1},\n {\"id\": 2}, {\"id\": 3}, {\"id\":",
       " 4}, {\"id\": 5}]\n"},
      {"csv", R"("plugin": "csv")", "id,name\n1,a\n2,b\r\n3,c\n4,\"d\n", "x\"\n5,e\n"},
      // Compressed, each part a gzip member or zstd frame: what has arrived
      // is decompressed and handed on too.
      {"jsonl gzip", R"("plugin": "json", "format": "jsonl")",
       aton::test::gzip_text("{\"id\": 1}\n{\"id\": 2}\n\n{\"id\": 3}\n{\"id\": 4, \"na"),
       aton::test::gzip_text("me\": \"d\"}\n{\"id\": 5}\n")},
      {"csv zstd", R"("plugin": "csv")", aton::test::zstd_text("id,name\n1,a\n2,b\r\n3,c\n4,\"d\n"),
       aton::test::zstd_text("x\"\n5,e\n")},
      // Decoded, the first part ending inside a character (half of 'x'):
      // the rows before it are handed on without waiting for its other half.
      {"csv utf-16", R"("plugin": "csv", "encoding": "utf-16")",
       "\xFF\xFE" + utf16le("id,name\n1,a\n2,b\r\n3,c\n4,\"d\n") + "x",
       std::string(1, '\0') + utf16le("\"\n5,e\n")},
  };
  for (const auto& layout : layouts) {
    SECTION(layout.name) {
      TempDir dir;
      auto fifo = dir / "input.fifo";
      SteppedWriter writer(fifo, {layout.first, layout.rest});
      RunContext run;
      Watchdog watchdog(run, std::chrono::seconds(10));
      Plugin plugin = load_source(layout.plugin.find("csv") != std::string::npos ? "csv" : "json");
      SourceInstance source(plugin, "{" + layout.plugin + ", \"path\": " + quoted(fifo) + "}", run);

      // The writer waits for go(): a source that waits for a full batch
      // never returns here, and the watchdog fails it.
      RecordBatch first = source.next_batch(100);
      CHECK(ids_of(first) == std::vector<std::string>{"1", "2", "3"});
      CHECK_FALSE(first.last);

      writer.go();
      RecordBatch rest = source.next_batch(100);
      CHECK(ids_of(rest) == std::vector<std::string>{"4", "5"});
      if (!rest.last) CHECK(source.next_batch(100).last);
      CHECK_FALSE(run.cancelled());
    }
  }
}

TEST_CASE("a followed file is read as it grows and across rotation and truncation", "[sources][flow]") {
  struct Layout {
    std::string name, plugin, file, header;
  };
  const std::vector<Layout> layouts = {
      {"jsonl", "json", "app.jsonl", ""},
      {"csv", "csv", "app.csv", "id,name\n"},
  };
  for (const auto& layout : layouts) {
    SECTION(layout.name) {
      auto line = [&](int id) {
        return layout.plugin == "csv" ? std::to_string(id) + ",n" + std::to_string(id) + "\n"
                                      : "{\"id\": " + std::to_string(id) + ", \"name\": \"n" + std::to_string(id) +
                                            "\"}\n";
      };
      TempDir dir;
      auto path = dir / layout.file;
      append(path, layout.header + line(1) + line(2));
      RunContext run;
      Watchdog watchdog(run, std::chrono::seconds(20));
      Plugin plugin = load_source(layout.plugin);
      const std::string config = "{\"plugin\": \"" + layout.plugin + "\", \"path\": " + quoted(path) +
                                 ", \"follow\": true}";
      auto source = std::make_unique<SourceInstance>(plugin, config, run);
      source->save_positions(true);

      RecordBatch batch = source->next_batch(100);
      CHECK(ids_of(batch) == std::vector<std::string>{"1", "2"});
      CHECK_FALSE(batch.last);  // the end of the file is not the end

      SECTION("it grows") {
        append(path, line(3));
        CHECK(read_ids(*source, 1) == std::vector<std::string>{"3"});
      }
      SECTION("it is rotated: the old file's last lines, then the new file (its header row skipped)") {
        fs::rename(path, dir / (layout.file + ".1"));
        append(dir / (layout.file + ".1"), line(3));  // the writer had not yet reopened
        append(path, layout.header + line(4) + line(5));
        RecordBatch last;
        CHECK(read_ids(*source, 3, &last) == std::vector<std::string>{"3", "4", "5"});
        // The position names the new file: a new run goes on after 5.
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        CHECK_THAT(last.resume_position, Catch::Contains("\"inode\":" + std::to_string(st.st_ino)));
        source.reset();
        SourceInstance resumed(plugin, config, run);
        resumed.restore_position(last.resume_position, 5);
        append(path, line(6));
        CHECK(read_ids(resumed, 1) == std::vector<std::string>{"6"});
      }
      SECTION("it is truncated: what is written after is read from the start") {
        fs::resize_file(path, 0);
        append(path, layout.header + line(7));  // shorter than what was read
        CHECK(read_ids(*source, 1) == std::vector<std::string>{"7"});
      }
      CHECK_FALSE(run.cancelled());
    }
  }
}

TEST_CASE("follow is refused where it cannot apply", "[sources][flow]") {
  TempDir dir;
  auto array = dir.write("records.json", "[{\"id\": 1}]\n");
  RunContext run;
  CHECK_THROWS_WITH(SourceInstance(load_source("json"), "{\"path\": " + quoted(array) + ", \"follow\": true}", run),
                    Catch::Contains("follows JSON Lines only"));
  CHECK_THROWS_WITH(SourceInstance(load_source("csv"), R"({"follow": true})", run),
                    Catch::Contains("follows a file"));
}

TEST_CASE("a followed file replaced or truncated while the run was stopped is read again from its start",
          "[sources][flow]") {
  TempDir dir;
  auto path = dir / "app.jsonl";
  append(path, "{\"id\": 1}\n{\"id\": 2}\n");
  std::vector<std::string> warnings;
  std::mutex warnings_mutex;
  RunContext run([&](const std::string&, aton_log_level level, std::string_view message) {
    std::lock_guard lock(warnings_mutex);
    if (level == ATON_LOG_WARNING) warnings.emplace_back(message);
  });
  Watchdog watchdog(run, std::chrono::seconds(20));
  Plugin plugin = load_source("json");
  const std::string config = "{\"plugin\": \"json\", \"path\": " + quoted(path) + ", \"follow\": true}";
  std::string saved;
  {
    SourceInstance source(plugin, config, run);
    source.save_positions(true);
    RecordBatch batch = source.next_batch(100);
    REQUIRE(ids_of(batch) == std::vector<std::string>{"1", "2"});
    saved = batch.resume_position;
  }
  // Not SECTIONs: a section must assert, and these only set the scene.
  std::string how = GENERATE(as<std::string>{}, "rotated", "truncated");
  INFO(how);
  if (how == "rotated") fs::rename(path, dir / "app.jsonl.1");
  else fs::resize_file(path, 0);
  append(path, "{\"id\": 3}\n");
  SourceInstance resumed(plugin, config, run);
  resumed.restore_position(saved, 2);
  CHECK(read_ids(resumed, 1) == std::vector<std::string>{"3"});
  std::lock_guard lock(warnings_mutex);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains("reading the file there now from its start"));
}
