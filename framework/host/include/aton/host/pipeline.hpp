// Runs one pipeline: a source plugin, the encoder, one or more sink plugins.
// This comment is THE MODEL; docs/ARCHITECTURE.md points here rather than
// repeating it.
//
// THE MODEL
//
//              batches (capacity C)            chunks (capacity C each)
//   [source] ---------------------> [encoder] ---+---> [sink 0]
//    thread     RecordBatch: an                  +---> [sink 1]   one thread
//               Arena + Values,                  +---> ...        per sink
//               1..chunk_size records            shared_ptr<const Chunk>
//
// - Stages. Every stage runs on its own thread: the source thread calls the
//   source plugin's next_batch(chunk_size) (at most 256 under a token or
//   byte budget, whose chunks hold fewer records: a checkpoint needs a batch
//   end at or before its chunk's end) and pushes each RecordBatch (a
//   source may return fewer records than asked: whatever has arrived); the
//   encoder thread pushes each record into an IncrementalEncoder and pushes
//   every completed Chunk to each sink's queue; each sink thread writes the
//   chunks of its queue, in chunk_id order, with the sink plugin's write().
// - Queues. BoundedQueue, capacity C = queue.capacity (in batches or
//   chunks). A full queue blocks its producer: a slow sink holds the encoder
//   back, which holds the source back. Memory is bounded by about
//   C batches + the encoder's sample + C chunks per sink, whatever the input
//   size.
// - Time. A chunk fills at chunk_size records. With a flush interval
//   (encoder.flush_interval; by default only for an input of unknown size:
//   flush_clock.hpp), the encoder thread waits for a batch no longer than
//   the oldest pending record's arrival plus the interval; then it emits
//   what it holds (a short chunk, the sample closed early) and it never
//   holds a complete chunk back to learn whether it is the last: a stream
//   that ends after a chunk marked not last gets an empty closing chunk.
//   Without one, nothing here depends on time.
// - Ownership. A batch belongs to the source thread until pushed, then to
//   the queue, then to the encoder thread, which empties it (its Arena)
//   once its records are encoded and hands it back for the source thread
//   to fill again. A chunk is immutable once made and shared by
//   all sinks (one copy); the last sink to drop it frees it. A plugin sees a
//   chunk only for the duration of write(), and owns nothing of the host's.
// - Where plugin code runs. create() on the thread that builds the Pipeline;
//   a source's next_batch()/position()/save_position() on the source thread;
//   restore_position()/restore_state() on the thread that builds the
//   Pipeline; a sink's write(), save_state(), finish(), abort(), suspend() on
//   its sink thread; destroy() on the owner's thread after every stage
//   thread was joined. is_cancelled() and log() may come from any of them.
// - End of stream. The source's last batch (ATON_END) closes the batch
//   queue; the encoder finishes the last chunk and closes every sink queue;
//   each sink drains its queue, then waits until every sink has drained;
//   then, if nothing failed, each calls finish().
// - Failure. The first failure anywhere (a plugin's error, an encoding
//   error, a sink's finish()) is recorded once as (stage, plugin, chunk,
//   cause); then the run's cancel flag is set (plugins poll it) and every
//   queue is cancelled, which wakes every blocked push() and pop() at once:
//   no stage can stay blocked, so there is no deadlock on a full or empty
//   queue. Sinks then get abort() instead of finish(). Later failures are
//   consequences and are dropped. run() joins every thread and throws one
//   aton::Error naming stage, plugin, chunk and cause, e.g.
//     sink 'http' (chunk 12): HTTP 400 from http://127.0.0.1:8080/x: ...
// - Cancellation. cancel() (SIGINT/SIGTERM through SignalWatcher) takes the
//   same path; run() then throws CancelledError.
// - Checkpoints (resumable runs). A CheckpointTracker (checkpoint_tracker.hpp
//   has its contract) watches the dataflow: the encoder thread tells it each
//   batch's end and asks it for each chunk's resume point, which travels
//   with the chunk; the sink thread whose write makes a chunk reach every
//   sink has it write the checkpoint; the first sink thread to find every
//   chunk everywhere has it write the finishing checkpoint before any
//   finish(). Stopped by a signal, a sink or the checkpoint while a
//   checkpoint holds, the sinks get suspend() instead of abort(). Resuming:
//   the tracker restores every plugin before run(), the source thread first
//   reads again and drops the records between the restored position and the
//   checkpoint's end, and the encoder continues with
//   IncrementalEncoder::resume(); chunk ids and record indices go on from
//   the checkpoint.
//
// IMPLEMENTATION RULES
// - A stage never blocks except in a queue or in a plugin call; plugin calls
//   that wait (network, retries) poll is_cancelled().
// - cancel() and fail() are idempotent and callable from any thread.
// - The observer is called on sink threads, under a lock, once per chunk
//   when every sink has written it; it must be quick.
#pragma once

#include <aton/encoder_options.hpp>
#include <aton/host/bounded_queue.hpp>
#include <aton/host/checkpoint.hpp>
#include <aton/host/checkpoint_tracker.hpp>
#include <aton/host/pipeline_config.hpp>
#include <aton/host/plugin_instance.hpp>
#include <aton/host/plugin_library.hpp>
#include <aton/host/secrets.hpp>

#include <chrono>
#include <cstddef>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace aton {
struct Chunk;
}

namespace aton::host {

// A config whose plugins are found, checked and whose keys are validated:
// everything `aton validate` checks, nothing started.
struct ResolvedPlugin {
  Plugin plugin;
  std::string config_json;  // what create() receives
  std::string pointer;      // "/source", "/sinks/1"
};

struct ResolvedPipeline {
  std::filesystem::path config_file;
  EncoderOptions encoder;
  std::size_t queue_capacity = 4;
  CheckpointOptions checkpoint;
  ResolvedPlugin source;
  std::vector<ResolvedPlugin> sinks;
  Secrets secrets;  // the config's: scrubbed from every failure and from the fingerprint
};

// Finds each plugin (config's plugin_dirs added to `catalog`), validates its
// keys and asks it to check them (ABI 1.3 check(), nothing started), then,
// when all that holds, where the run would write: check_sink_paths() and
// check_checkpoint_path(). Throws InvalidConfig listing every problem of
// every plugin, ConfigError for where the run would write, or PluginError
// when a plugin cannot be loaded and nothing else is wrong; the config's
// secrets are scrubbed from every one.
ResolvedPipeline resolve_pipeline(const PipelineConfig& config, PluginCatalog& catalog);

// Everything `aton run` checks before it starts anything, which is what
// `aton validate` checks: load_pipeline_config() and resolve_pipeline() in
// one pass that goes on after a problem, so that every problem found (the
// host's keys, ${NAME}, each plugin's keys, each plugin's check()) comes in
// one InvalidConfig (exit 3), each with its JSON pointer. A plugin that
// cannot be loaded is one of them when the config has other problems, else
// a PluginError (exit 5). Also throws ConfigError when the file cannot be
// read at all (not JSON, not an object, a bad --set), and for where the run
// would write (checked last, once the rest holds).
ResolvedPipeline prepare_pipeline(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                                  PluginCatalog& catalog, const EnvLookup& env = process_environment());

// Refuses two sinks naming the same file (their "path" or "per_chunk"
// options, however spelled), or a sink writing the checkpoint's file: each
// would overwrite the other. Throws ConfigError "<config>: /sinks/1/path: ...".
void check_sink_paths(const ResolvedPipeline& spec);

// Why the pipeline cannot resume ("sink 'x' (/sinks/0) cannot resume: ..."),
// or nothing when every plugin can (ABI 1.1 with its save/restore slots).
std::optional<std::string> why_not_resumable(const ResolvedPipeline& spec);

struct NamedQueueStats {
  std::string name;  // "batches", "sink 0 (file)"
  QueueStats stats;
};

// One chunk delivered to every sink.
struct ChunkProgress {
  std::size_t chunk_id = 0;
  std::optional<std::size_t> total_chunks;
  std::size_t records = 0;  // records delivered so far
  std::optional<std::size_t> total_records;
  double progress = 0;     // 0..1, as the chunk's metadata
  std::size_t bytes_out = 0;  // ATON bytes delivered so far (each chunk once)
  // This chunk's tokens (ChunkMetadata::tokens), and the tokens delivered
  // so far; nothing when chunks are not counted.
  std::optional<std::size_t> tokens;
  std::optional<std::size_t> tokens_out;
  double seconds = 0;      // since run() started
  bool is_last = false;
};

struct RunSummary {
  std::size_t records = 0;
  std::size_t chunks = 0;
  std::size_t bytes_out = 0;
  // Tokens of the chunks this run delivered; nothing when not counted.
  std::optional<std::size_t> tokens_out;
  double seconds = 0;
  std::vector<NamedQueueStats> queues;
};

// A stage that failed: what run() throws (and the constructor, for a plugin
// that could not start). what() is the one-line message; the fields say
// the same for machines (`aton run --progress json`).
class StageError : public Error {
 public:
  StageError(const std::string& message, std::string stage, std::string plugin, std::optional<std::size_t> chunk)
      : Error(message), stage_(std::move(stage)), plugin_(std::move(plugin)), chunk_(chunk) {}
  // "source", "encoder", "sink", "checkpoint" or "host".
  const std::string& stage() const noexcept { return stage_; }
  // The plugin's name; empty for the encoder, the checkpoint and the host.
  const std::string& plugin() const noexcept { return plugin_; }
  // The chunk being made or written; nothing when none was (a plugin
  // starting, finish()).
  std::optional<std::size_t> chunk() const noexcept { return chunk_; }

 private:
  std::string stage_;
  std::string plugin_;
  std::optional<std::size_t> chunk_;
};

class PipelineObserver {
 public:
  virtual ~PipelineObserver() = default;
  virtual void on_chunk(const ChunkProgress& progress) = 0;
};

class Pipeline {
 public:
  // Creates the plugin instances (source first, then sinks in order).
  // Throws StageError naming the plugin when a create() fails.
  // With `resume`, continues from that checkpoint (see THE MODEL); throws
  // ResumeError when it is for another pipeline, a plugin cannot resume, or
  // a plugin refuses its saved state (a changed input, a missing file).
  Pipeline(const ResolvedPipeline& spec, RunContext& run, PipelineObserver* observer = nullptr,
           const Checkpoint* resume = nullptr);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Runs to the end. Returns the summary, or throws the first failure as
  // StageError (see THE MODEL), or CancelledError after cancel().
  RunSummary run();

  // Stops the run from any thread (a signal watcher). Idempotent.
  void cancel(const std::string& reason);

  // A snapshot of every queue's counters; any thread.
  std::vector<NamedQueueStats> queue_stats() const;

  // The checkpoint a stopped run leaves for `aton run --resume`: its file and
  // the chunk it continues from. Nothing when none holds (checkpoints off,
  // or the run stopped before its first one). Call after run().
  // `finishing`: every chunk reached every sink, --resume only finishes them.
  using HeldCheckpoint = CheckpointTracker::Held;
  std::optional<HeldCheckpoint> held_checkpoint() const { return tracker_.held(); }
  // Whether this run records checkpoints (every plugin can resume and
  // checkpoint.enabled).
  bool checkpointing() const noexcept { return tracker_.enabled(); }

 private:
  struct Delivery {
    std::shared_ptr<const Chunk> chunk;
    std::shared_ptr<const ResumePoint> resume;  // null: no checkpoint after this chunk
  };

  struct Failure {
    std::string message;
    std::string stage, plugin;
    std::optional<std::size_t> chunk;
    bool cancelled = false;
    // A stop a checkpoint can survive: a signal, a sink or the checkpoint
    // failing. A source or encoder failure means the input or the settings
    // must change, so the run discards its output and its checkpoint.
    bool resumable = false;
  };
  void fail(const std::string& stage, const std::string& plugin, std::optional<std::size_t> chunk,
            const std::string& cause);
  void stop(Failure failure);
  bool failed() const;

  void source_stage();
  bool skip_restored_records();
  void encoder_stage();
  RecordBatch spare_batch();
  void recycle(RecordBatch&& batch);
  void sink_stage(std::size_t index);
  bool deliver(Delivery delivery);
  // Returns the checkpoint to write when this made the chunk delivered everywhere.
  std::optional<Checkpoint> delivered(std::size_t sink, const Delivery& delivery);
  // Whether this sink thread is to call finish(); writes the finishing checkpoint once.
  bool begin_finish();

  CheckpointTracker tracker_;  // first: its RunLock is released last
  EncoderOptions encoder_options_;
  Secrets secrets_;
  RunContext& run_;
  PipelineObserver* observer_;
  std::unique_ptr<SourceInstance> source_;
  std::vector<std::unique_ptr<SinkInstance>> sinks_;
  BoundedQueue<RecordBatch> batches_;
  std::mutex spares_mutex_;
  std::vector<RecordBatch> spare_batches_;  // encoded, emptied, to be filled again
  std::vector<std::unique_ptr<BoundedQueue<Delivery>>> chunk_queues_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable all_drained_;
  std::optional<Failure> failure_;
  std::size_t sinks_drained_ = 0;
  std::vector<std::size_t> delivered_;  // chunks written, per sink
  std::size_t reported_ = 0;            // chunks written by every sink
  std::size_t records_out_ = 0;
  std::size_t bytes_out_ = 0;
  std::optional<std::size_t> tokens_out_;
  std::chrono::steady_clock::time_point started_;
  bool finishing_ = false;         // every sink is to finish(), whatever happens next
  std::size_t sinks_finished_ = 0;

  std::mutex finish_mutex_;  // the first sink thread at the finish writes the finishing checkpoint
};

}  // namespace aton::host
