// Live source and sink instances: the host's side of the C boundary.
//
// Each instance holds its Plugin (and so the shared library) and the
// aton_host_api it was created with, so both outlive the plugin's object.
// The plugin's status codes and error texts come back as exceptions of the
// core hierarchy carrying the plugin's own text; the pipeline adds the
// stage, the plugin's name and the chunk.
//
// Threads: an instance is used by one thread at a time (ABI rule). The
// RunContext is shared by all instances of a run and is thread-safe.
#pragma once

#include <aton/arena.hpp>
#include <aton/host/batch_builder.hpp>
#include <aton/host/plugin_library.hpp>
#include <aton/plugin.h>
#include <aton/value.hpp>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aton::host {

// What every plugin of a run sees through aton_host_api: the log and the
// cancel flag.
class RunContext {
 public:
  using LogFn = std::function<void(const std::string& plugin, aton_log_level, std::string_view)>;
  explicit RunContext(LogFn log = {}) : log_(std::move(log)) {}

  void cancel() noexcept { cancelled_.store(true, std::memory_order_release); }
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
  void log(const std::string& plugin, aton_log_level level, std::string_view message) const;

 private:
  std::atomic<bool> cancelled_{false};
  LogFn log_;
};

// The aton_host_api block of one instance; stable address for its lifetime.
struct InstanceHost {
  aton_host_api api{};
  RunContext* run = nullptr;
  std::string plugin;
};

// One batch of records read from a source. The records live in `arena`;
// moving a batch keeps them valid.
struct RecordBatch {
  Arena arena;
  std::vector<Value> records;
  std::size_t first_record = 0;  // index of records[0] in the whole input
  aton_source_position position{};
  bool last = false;  // the source has nothing more
  // The source's save_position() text right after this batch's last record,
  // when the run takes checkpoints; empty otherwise.
  std::string resume_position;

  // Empties the batch and keeps its memory, to be filled again.
  void clear() noexcept {
    arena.reset();
    records.clear();
    first_record = 0;
    position = {};
    last = false;
    resume_position.clear();
  }
};

class SourceInstance {
 public:
  // Calls the plugin's create(). Throws SourceError with the plugin's text.
  SourceInstance(Plugin plugin, const std::string& config_json, RunContext& run);
  ~SourceInstance();
  SourceInstance(const SourceInstance&) = delete;
  SourceInstance& operator=(const SourceInstance&) = delete;

  const Plugin& plugin() const noexcept { return plugin_; }
  const std::string& table() const noexcept { return table_; }

  // Reads up to max_records records into `batch` (an empty one, whose
  // memory is reused) and returns it. Throws SourceError: the plugin's
  // text, or the host's reason when it refused a record event (not an
  // object, nesting too deep, unbalanced events).
  RecordBatch next_batch(std::size_t max_records, RecordBatch batch = RecordBatch());

  aton_source_position position();

  // Resumable runs (ABI 1.1). can_resume(): the plugin has save_position and
  // restore_position. With save_positions(true), next_batch() fills each
  // batch's resume_position. restore_position() goes back to a saved text,
  // before the first next_batch(); `records` is the index of the next record
  // (for batches' first_record and messages). Both throw SourceError with
  // the plugin's text.
  bool can_resume() const noexcept;
  void save_positions(bool on) noexcept { save_positions_ = on; }
  void restore_position(const std::string& text, std::size_t records);

 private:
  std::string save_position();

  Plugin plugin_;
  std::unique_ptr<InstanceHost> host_;
  BatchBuilder builder_;
  void* self_ = nullptr;
  std::string table_;
  std::size_t records_read_ = 0;
  bool save_positions_ = false;
};

class SinkInstance {
 public:
  // Calls the plugin's create(). Throws SinkError with the plugin's text.
  SinkInstance(Plugin plugin, const std::string& config_json, RunContext& run);
  ~SinkInstance();
  SinkInstance(const SinkInstance&) = delete;
  SinkInstance& operator=(const SinkInstance&) = delete;

  const Plugin& plugin() const noexcept { return plugin_; }

  void write(const aton_chunk& chunk);  // throws SinkError
  void finish();                         // throws SinkError
  void abort() noexcept;

  // Resumable runs (ABI 1.1). can_resume(): the plugin has save_state and
  // restore_state. save_state() after a write(), restore_state() before the
  // first one: both throw SinkError with the plugin's text. suspend() keeps
  // what a resume needs (abort() for a plugin without suspend). Never fails.
  bool can_resume() const noexcept;
  std::string save_state();
  void restore_state(const std::string& text);
  void suspend() noexcept;

 private:
  Plugin plugin_;
  std::unique_ptr<InstanceHost> host_;
  void* self_ = nullptr;
};

}  // namespace aton::host
