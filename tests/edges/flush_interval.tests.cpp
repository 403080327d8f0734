// encoder.flush_interval end to end (issue 13): records written into a pipe
// reach a stdout and a file sink while their writer is still running; a
// stream that ends after a flushed chunk gets the closing chunk; kill -9 and
// --resume with time-flushed short chunks give the uninterrupted bytes.
// The source is test_uneven (tests/plugins/test_uneven.c), which never
// waits for more input once it has a record.
#include "resume/kill_at_checkpoints.hpp"
#include "support/background_run.hpp"
#include "support/process.hpp"
#include "support/seed.hpp"
#include "support/temp_dir.hpp"

#include <aton/decoder.hpp>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

using namespace aton::test;
using namespace aton::test::resume;
namespace fs = std::filesystem;

namespace {

std::string jsonl(std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i)
    out += "{\"id\":" + std::to_string(i) + ",\"name\":\"user " + std::to_string(i) + "\"}\n";
  return out;
}

// A file's text, or nothing while it does not exist yet.
std::string text_of(const fs::path& file) {
  std::error_code ec;
  return fs::exists(file, ec) ? read_file(file) : std::string();
}

std::size_t decoded_records(const std::string& aton) {
  aton::Decoder decoder;
  decoder.feed(aton);
  return decoder.tables().empty() ? 0 : decoder.tables()[0].records.size();
}

// The file sink's output so far: its temporary file while the run goes on.
std::string partial_output(const fs::path& folder) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec))
    if (entry.path().filename().string().rfind(".stream.aton.tmp-", 0) == 0) return read_file(entry.path());
  return {};
}

// Waits (bounded, polling) until `done()` holds; false after `limit`.
template <typename Done>
bool eventually(Done done, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// A FIFO the test writes into: opened read-write, so the open never waits
// for the reader and the reader sees the end only when the test closes it.
class Writer {
 public:
  explicit Writer(const fs::path& fifo) {
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    fd_ = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd_ >= 0);
  }
  ~Writer() { close(); }
  void write(const std::string& text) { REQUIRE(::write(fd_, text.data(), text.size()) == ssize_t(text.size())); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// A source reading `fifo`, chunks of 100 (which 5 records never fill), the
// flush interval left to its default (a FIFO: 1000 ms), stdout and a file.
std::string pipe_config(const fs::path& fifo) {
  return R"({"source": {"plugin": "test_uneven", "path": ")" + fifo.string() + R"("},
 "encoder": {"chunk_size": 100},
 "plugin_dirs": [")" ATON_TEST_PLUGIN_DIR R"("],
 "sinks": [{"plugin": "stdout"}, {"plugin": "file", "path": "out/stream.aton"}]}
)";
}

}  // namespace

TEST_CASE("records written into a pipe reach stdout and a file sink while the writer is still running",
          "[flush][pipe]") {
  TempDir dir;
  Writer writer(dir / "in.fifo");
  auto config = dir.write("pipeline.json", pipe_config(dir / "in.fifo"));
  BackgroundRun run({"run", config.string(), "--progress=none"}, dir / "run");
  auto started = std::chrono::steady_clock::now();
  writer.write(jsonl(0, 5));
  // The writer stays open: only the flush interval can send them.
  bool arrived = eventually([&] {
    return decoded_records(text_of(dir / "run.out")) == 5 && decoded_records(partial_output(dir / "out")) == 5;
  });
  INFO(run.err());
  REQUIRE(arrived);
  CHECK(run.running());
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(900));  // not before the interval
  CHECK(read_file(dir / "run.out").rfind("@flushed\n", 0) == 0);
  // The chunk's last row is a whole line already: a reader of lines does not
  // wait for the next chunk to get it.
  CHECK(read_file(dir / "run.out").back() == '\n');

  writer.write(jsonl(5, 8));
  REQUIRE(eventually([&] { return decoded_records(text_of(dir / "run.out")) == 8; }));
  CHECK(run.running());
  writer.close();
  REQUIRE(run.wait() == 0);
  std::string out = read_file(dir / "run.out");
  // The newest chunk went out flushed, not last: the stream ends with the closing chunk.
  CHECK(out.size() >= 13);
  CHECK(out.substr(out.size() - 13) == "\nrecords+(0):");
  CHECK(read_file(dir / "out/stream.aton") == out);
  CHECK(decoded_records(out) == 8);
}

TEST_CASE("the closing chunk after a flushed last chunk carries is_last and the final totals", "[flush][pipe]") {
  TempDir dir;
  Writer writer(dir / "in.fifo");
  auto config = dir.write("pipeline.json", pipe_config(dir / "in.fifo"));
  BackgroundRun run({"run", config.string(), "--progress=json", "--set", "encoder.flush_interval=100"},
                    dir / "run");
  writer.write(jsonl(0, 3));
  REQUIRE(eventually([&] { return decoded_records(text_of(dir / "run.out")) == 3; }));
  writer.close();
  INFO(run.err());
  REQUIRE(run.wait() == 0);
  CHECK(read_file(dir / "run.out") == read_file(dir / "out/stream.aton"));
  CHECK(read_file(dir / "out/stream.aton").find("\nrecords+(0):") != std::string::npos);
  // The progress events: the flushed chunk, not last; then the closing chunk.
  std::string events = run.err();
  auto closing = events.find("\"chunk_id\":1,");
  REQUIRE(closing != std::string::npos);
  std::string last = events.substr(closing, events.find('\n', closing) - closing);
  CHECK_THAT(last, Catch::Contains("\"is_last\":true"));
  CHECK_THAT(last, Catch::Contains("\"total_records\":3"));
  CHECK_THAT(last, Catch::Contains("\"total_chunks\":2"));
  CHECK_THAT(events.substr(0, closing), Catch::Contains("\"is_last\":false"));
}

TEST_CASE("kill -9 and --resume with time-flushed short chunks give the uninterrupted run's bytes",
          "[flush][resume]") {
  // 610 records; the source goes quiet for 400 ms after every 70th, and the
  // flush interval (150 ms) then emits what the encoder holds: each 70
  // records make a full chunk of 40 and a flushed one of 30, at the same
  // records in every run, so the bytes can be compared. The last 50 end
  // with a short chunk that finish() marks last: whether a stream that
  // ends right after a full chunk gets a closing chunk depends on when the
  // source sees its end, which is not the same in every run.
  constexpr std::size_t kRecords = 610;
  auto config_text = R"({"source": {"plugin": "test_uneven", "path": "in.jsonl", "batches": "3,1,7,2",
  "pause_every": 70, "pause_ms": 400},
 "encoder": {"chunk_size": 40, "sample_size": 200, "flush_interval": 150},
 "checkpoint": {"interval": 0},
 "plugin_dirs": [")" ATON_TEST_PLUGIN_DIR R"("],
 "sinks": [{"plugin": "file", "path": "out/stream.aton"}]}
)";
  TempDir whole, killed;
  whole.write("in.jsonl", jsonl(0, kRecords));
  killed.write("in.jsonl", jsonl(0, kRecords));
  auto whole_run = run_aton({"run", whole.write("pipeline.json", config_text).string(), "--progress=none"});
  INFO(whole_run.err);
  REQUIRE(whole_run.exit_code == 0);
  std::string expected = read_file(whole / "out/stream.aton");
  REQUIRE(expected.find("@flushed\nrecords+(30):") != std::string::npos);
  REQUIRE(decoded_records(expected) == kRecords);

  unsigned seed = aton::test::test_seed();  // ATON_TEST_SEED replays one
  INFO("seed " << seed);
  std::mt19937 random(seed);
  auto config = killed.write("pipeline.json", config_text);
  CHECK(kill_at_checkpoints_then_finish(config, random, 3, 3, std::chrono::milliseconds(300),
                                        std::chrono::seconds(30)) >= 2);
  CHECK(read_file(killed / "out/stream.aton") == expected);
}
