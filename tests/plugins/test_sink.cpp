// test_sink: a sink for the host's tests.
//
//   {"plugin": "test_sink", "path": "out.aton", "log": "chunks.jsonl",
//    "delay_ms": 20, "fail_at": 3, "fail_finish": false}
//
// Writes chunks, separated by '\n', to path + ".partial" and renames it to
// path on finish() (abort() removes it), so a test can tell a finished run
// from an aborted one. `log` gets one JSON line per chunk with its metadata,
// then "finish" or "abort". delay_ms makes it a slow consumer (it sleeps in
// slices and gives up when the run is cancelled); fail_at fails write() at
// that chunk; fail_finish fails finish(). hold_while makes the sink wait
// while that file exists (bounded: 60 s) or until the run is cancelled: in
// write() of chunk hold_at, or, when hold_at is -1, in finish(), after it
// logs "holding" (or "finishing"). A test can then act at that moment (kill
// the run while the other sinks have finished) without guessing a delay.
// trace appends "-N" to that file (O_APPEND, shared with test_gen's trace)
// as write() takes a chunk of N records, before anything else it does.
// It can resume (ABI 1.1) only without `path`: its state is the next chunk
// id, checked on the next write; with a path, restore_state() refuses.
#include <aton/plugin.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

class TestSink : public aton::sdk::Sink {
 public:
  explicit TestSink(const aton::sdk::Context& context)
      : host_(context.host),
        path_(context.config.string("path")),
        delay_ms_(context.config.integer("delay_ms", 0)),
        fail_at_(context.config.integer("fail_at", -1)),
        fail_finish_(context.config.boolean("fail_finish", false)),
        hold_while_(context.config.string("hold_while")),
        hold_at_(context.config.integer("hold_at", -1)) {
    if (!path_.empty()) {
      out_.open(path_ + ".partial", std::ios::binary | std::ios::trunc);
      if (!out_) throw std::runtime_error("cannot open " + path_ + ".partial");
    }
    std::string trace = context.config.string("trace");
    if (!trace.empty()) {
      trace_fd_ = ::open(trace.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (trace_fd_ < 0) throw std::runtime_error("test_sink: cannot open " + trace);
    }
    std::string log = context.config.string("log");
    if (!log.empty()) {
      log_.open(log, std::ios::binary | std::ios::trunc);
      if (!log_) throw std::runtime_error("cannot open " + log);
    }
  }

  ~TestSink() override {
    if (trace_fd_ >= 0) ::close(trace_fd_);
  }

  void write(const aton_chunk& c) override {
    if (trace_fd_ >= 0) {
      std::string line = "-" + std::to_string(c.records_in_chunk) + "\n";
      if (::write(trace_fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        throw std::runtime_error("test_sink: cannot write its trace");
    }
    if (c.chunk_id != next_chunk_id_)
      throw std::runtime_error("test_sink: chunk " + std::to_string(c.chunk_id) + " where " +
                               std::to_string(next_chunk_id_) + " was due");
    ++next_chunk_id_;
    if (!hold_while_.empty() && c.chunk_id == static_cast<std::uint64_t>(hold_at_)) hold("holding");
    if (fail_at_ >= 0 && c.chunk_id == static_cast<std::uint64_t>(fail_at_))
      throw std::runtime_error("test_sink: planned failure at chunk " + std::to_string(c.chunk_id));
    for (std::int64_t waited = 0; waited < delay_ms_; waited += 5) {
      if (host_ && host_->is_cancelled(host_->host)) throw std::runtime_error("test_sink: cancelled while slow");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (out_.is_open()) {
      if (c.chunk_id > 0) out_ << '\n';
      out_.write(c.data, static_cast<std::streamsize>(c.size));
    }
    if (log_.is_open()) {
      log_ << "{\"chunk_id\":" << c.chunk_id << ",\"total_chunks\":" << c.total_chunks
           << ",\"is_first\":" << (c.is_first ? "true" : "false")
           << ",\"is_last\":" << (c.is_last ? "true" : "false") << ",\"table\":\"" << c.table
           << "\",\"records_in_chunk\":" << c.records_in_chunk << ",\"start_idx\":" << c.start_idx
           << ",\"end_idx\":" << c.end_idx << ",\"total_records\":" << c.total_records
           << ",\"progress\":" << c.progress << ",\"tokens\":" << c.tokens << ",\"size\":" << c.size << "}\n";
      log_.flush();
    }
  }

  std::string save_state() { return "{\"next_chunk_id\":" + std::to_string(next_chunk_id_) + "}"; }

  void restore_state(std::string_view text) {
    if (!path_.empty()) throw std::runtime_error("test_sink: resume works only without a path");
    auto colon = text.find(':');
    if (text.rfind("{\"next_chunk_id\":", 0) != 0 || colon == std::string_view::npos)
      throw std::runtime_error("test_sink: the saved state has no next_chunk_id");
    next_chunk_id_ = std::stoull(std::string(text.substr(colon + 1)));
  }

  void finish() override {
    if (fail_finish_) throw std::runtime_error("test_sink: planned failure in finish");
    if (!hold_while_.empty() && hold_at_ < 0) hold("finishing");
    if (out_.is_open()) {
      out_.close();
      if (std::rename((path_ + ".partial").c_str(), path_.c_str()) != 0)
        throw std::runtime_error("cannot rename " + path_ + ".partial");
    }
    if (log_.is_open()) log_ << "finish\n";
  }

  void abort() noexcept override {
    if (out_.is_open()) {
      out_.close();
      std::remove((path_ + ".partial").c_str());
    }
    if (log_.is_open()) log_ << "abort\n";
  }

 private:
  void hold(const char* what) {
    if (log_.is_open()) log_ << what << std::endl;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::filesystem::exists(hold_while_) && std::chrono::steady_clock::now() < deadline) {
      if (host_ && host_->is_cancelled(host_->host)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  const aton_host_api* host_;
  std::string path_;
  std::int64_t delay_ms_;
  std::int64_t fail_at_;
  bool fail_finish_;
  std::string hold_while_;
  std::int64_t hold_at_;
  std::uint64_t next_chunk_id_ = 0;
  int trace_fd_ = -1;
  std::ofstream out_;
  std::ofstream log_;
};

const aton_option kOptions[] = {
    {"path", "path", nullptr, 0, "Where to write the chunks (renamed into place on finish).", nullptr},
    {"log", "path", nullptr, 0, "A JSON line per chunk with its metadata.", nullptr},
    {"delay_ms", "integer", "0", 0, "Sleep this long per chunk: a slow consumer.", "{\"minimum\":0}"},
    {"fail_at", "integer", "-1", 0, "Fail write() at this chunk (-1: never).", nullptr},
    {"fail_finish", "boolean", "false", 0, "Fail finish().", nullptr},
    {"hold_while", "path", nullptr, 0, "Wait while this file exists (or until cancelled), at hold_at.", nullptr},
    {"hold_at", "integer", "-1", 0, "The chunk whose write() waits (-1: finish() waits).", nullptr},
    {"trace", "path", nullptr, 0, "Append -N to this file as write() takes a chunk of N records.", nullptr},
};

}  // namespace

ATON_SINK_PLUGIN(TestSink, "test_sink", "0.1.0", "Writes chunks for tests.", kOptions)
