// Runs one pipeline: a source plugin, the encoder, one or more sink plugins.
//
// THE MODEL
//
//              batches (capacity C)            chunks (capacity C each)
//   [source] ---------------------> [encoder] ---+---> [sink 0]
//    thread     RecordBatch: an                  +---> [sink 1]   one thread
//               Arena + Values,                  +---> ...        per sink
//               chunk_size records               shared_ptr<const Chunk>
//
// - Stages. Every stage runs on its own thread: the source thread calls the
//   source plugin's next_batch(chunk_size) and pushes each RecordBatch; the
//   encoder thread pushes each record into an IncrementalEncoder and pushes
//   every completed Chunk to each sink's queue; each sink thread writes the
//   chunks of its queue, in chunk_id order, with the sink plugin's write().
// - Queues. BoundedQueue, capacity C = queue.capacity (in batches or
//   chunks). A full queue blocks its producer: a slow sink holds the encoder
//   back, which holds the source back. Memory is bounded by about
//   C batches + the encoder's sample + C chunks per sink, whatever the input
//   size.
// - Ownership. A batch belongs to the source thread until pushed, then to
//   the queue, then to the encoder thread, which empties it (its Arena)
//   once its records are encoded and hands it back for the source thread
//   to fill again. A chunk is immutable once made and shared by
//   all sinks (one copy); the last sink to drop it frees it. A plugin sees a
//   chunk only for the duration of write(), and owns nothing of the host's.
// - Where plugin code runs. create() on the thread that builds the Pipeline;
//   a source's next_batch()/position() on the source thread; a sink's write(),
//   finish(), abort() on its sink thread; destroy() on the owner's thread
//   after every stage thread was joined. is_cancelled() and log() may come
//   from any of them.
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
// - Checkpoints (resumable runs; checkpoint.hpp has the file). When every
//   plugin can resume (ABI 1.1) and checkpoint.enabled holds, each chunk
//   carries its resume point: the encoder thread takes encoder.checkpoint()
//   as it pops the chunk, beside the source's saved position after the
//   chunk's last record. Batches are chunk_size records, like chunks, so
//   chunk k ends where batch k ends; the encoder thread keeps the saved
//   position of each batch it took, keyed by the batch's end, and gives each
//   chunk the one that ends where it ends. That holds through the sample
//   (several chunks complete at once) and the held-back last chunk (popped
//   during the next batch): the key is the record index, not the order. Each
//   sink thread saves its sink's state after every write(). Once every sink
//   has written chunk k, the sink thread that wrote it last writes the
//   checkpoint (atomically) before it takes its next chunk, at most once per
//   checkpoint.interval: a checkpoint due sooner is held back, superseded
//   by the next, and written only if the run stops first. So a sink that
//   is alone resends at most the chunks of one interval after a kill -9,
//   and only the chunk in flight after a signal or a failure. A run that
//   is cancelled, or whose sink fails, while a checkpoint holds calls
//   suspend() instead of abort(); a run that finishes removes its
//   checkpoint, and so does one whose source or encoder fails (the input or
//   the settings must change, which no checkpoint survives). When every sink
//   has every chunk, the first sink thread there writes a finishing
//   checkpoint (checkpoint.hpp) before any sink's finish(); from then on
//   every sink finishes, whatever stops the run, and a run whose sinks all
//   finished has succeeded. A run resumed from a finishing checkpoint only
//   restores the sinks and finishes them. Resuming: the constructor
//   checks the checkpoint's pipeline fingerprint and every plugin, restores
//   the source's position and each sink's state, and the encoder continues
//   with IncrementalEncoder::resume(); chunk ids and record indices go on
//   from the checkpoint. A run that checkpoints, and every resume, holds the
//   checkpoint's RunLock from before its plugins start until it is destroyed.
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
#include <aton/host/pipeline_config.hpp>
#include <aton/host/plugin_instance.hpp>
#include <aton/host/plugin_library.hpp>
#include <aton/host/run_lock.hpp>
#include <aton/host/secrets.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
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
  struct HeldCheckpoint {
    std::filesystem::path file;
    std::size_t next_chunk = 0;
    bool finishing = false;  // every chunk reached every sink: --resume only finishes them
  };
  std::optional<HeldCheckpoint> held_checkpoint() const;
  // Whether this run records checkpoints (every plugin can resume and
  // checkpoint.enabled).
  bool checkpointing() const noexcept { return checkpointing_; }

 private:
  // What a chunk carries to the sinks besides its text, when checkpointing:
  // where the source stands after its last record and the encoder's state.
  struct ResumePoint {
    std::string source_position;
    std::string encoder;
  };
  struct Delivery {
    std::shared_ptr<const Chunk> chunk;
    std::shared_ptr<const ResumePoint> resume;  // null: no checkpoint after this chunk
  };

  void check_resumable(const ResolvedPipeline& spec, const Checkpoint* resume);
  void restore(const Checkpoint& checkpoint);
  std::optional<Checkpoint> checkpoint_after(const Chunk& chunk, const ResumePoint* point);
  // Writes `checkpoint`, or holds it back while checkpoint.interval has not
  // passed since the last write.
  void write_checkpoint(Checkpoint checkpoint);
  // A run that stops resumably keeps its newest checkpoint, held back or not.
  void write_held_back_checkpoint();
  void store_checkpoint(const Checkpoint& checkpoint);  // under checkpoint_mutex_
  // Whether this sink thread is to call finish(); writes the finishing checkpoint once.
  bool begin_finish();
  void write_finishing_checkpoint();

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
  void encoder_stage();
  RecordBatch spare_batch();
  void recycle(RecordBatch&& batch);
  void sink_stage(std::size_t index);
  bool deliver(Delivery delivery);
  // Returns the checkpoint to write when this made the chunk delivered everywhere.
  std::optional<Checkpoint> delivered(std::size_t sink, const Delivery& delivery, std::string sink_state);

  std::optional<RunLock> lock_;  // one run per checkpoint; released last
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

  // Checkpoints; set in the constructor, then read-only.
  bool checkpointing_ = false;
  CheckpointOptions checkpoint_options_;
  std::string config_file_;
  std::string fingerprint_;
  std::optional<Checkpoint> resume_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable all_drained_;
  std::optional<Failure> failure_;
  std::size_t sinks_drained_ = 0;
  std::vector<std::size_t> delivered_;  // chunks written, per sink
  std::size_t reported_ = 0;            // chunks written by every sink
  std::size_t records_out_ = 0;
  std::size_t next_chunk_out_ = 0;      // the chunk id after the last one written everywhere
  std::size_t bytes_out_ = 0;
  std::optional<std::size_t> tokens_out_;
  std::chrono::steady_clock::time_point started_;
  // Each sink's saved state per chunk it wrote that is not yet everywhere.
  std::vector<std::deque<std::pair<std::size_t, std::string>>> sink_states_;
  bool checkpoint_started_ = false;  // a checkpoint holds, or is being written
  bool checkpoint_finishing_ = false;  // the one that holds is a finishing checkpoint
  std::size_t checkpoint_next_chunk_ = 0;
  // Each sink's state after its last write (or the one resumed from).
  std::vector<std::string> last_sink_states_;
  bool finishing_ = false;         // every sink is to finish(), whatever happens next
  std::size_t sinks_finished_ = 0;

  std::mutex finish_mutex_;  // the first sink thread at the finish writes the finishing checkpoint

  std::mutex checkpoint_mutex_;  // one checkpoint write at a time, newest wins
  std::size_t checkpoint_written_ = 0;  // next_chunk of the newest written
  std::optional<std::chrono::steady_clock::time_point> checkpoint_written_at_;
  std::optional<Checkpoint> checkpoint_held_back_;  // its text is made only if it is written
};

}  // namespace aton::host
