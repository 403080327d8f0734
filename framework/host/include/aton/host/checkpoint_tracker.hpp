// The resume protocol of one Pipeline run: what a checkpoint records, when
// it is written, and how a run goes on from one. Pipeline (pipeline.hpp,
// THE MODEL) moves the records and the chunks; this class only watches them
// go by and keeps the checkpoint file. checkpoint.hpp has the file's format.
//
// WHAT IT RECORDS
// - Batch ends (encoder thread, batch_taken): for each batch the encoder
//   takes, the index one past its last record and the source's saved
//   position there (save_position(), taken on the source thread right
//   after the batch).
// - A resume point per chunk (encoder thread, resume_point): the newest
//   batch end at or before the chunk's end E, its position, skip = E minus
//   that end, and the encoder's state after the chunk. Nothing assumes a
//   batch is a chunk: a source may return any count from 1 to max_records
//   (the C ABI allows it), a chunk may fill in the middle of a batch, end at
//   a batch end (a time flush, the end of the input), or be the empty
//   closing chunk. --resume restores the position and reads `skip` records
//   again, dropping them (records_to_skip), so the next record is E's. A
//   chunk whose batch end has no position (the source cannot say: stdin),
//   or that ends before a fresh run's first batch end, gets no resume
//   point; the next chunk that has one does.
// - Sink states (sink threads, sink_wrote): each sink's save_state() after
//   each write(), kept until the chunk has reached every sink.
// - A checkpoint after chunk k (delivered_everywhere, then write): when k
//   has reached every sink and has a resume point. The sink thread whose
//   write made k reach every sink writes it (atomically) before it takes
//   its next chunk, at most once per checkpoint.interval: one due sooner is
//   held back, superseded by the next, and written only if the run stops
//   resumably (keep_newest). A sink alone resends at most one interval's
//   chunks after kill -9, and only the chunk in flight after a signal.
// - A finishing checkpoint (write_finishing, one sink thread): when every
//   chunk reached every sink, before any sink's finish(). A run resumed
//   from it only finishes the sinks (only_finish).
//
// WHEN, AND ON WHICH THREAD
// - Constructor and start(): the owner's thread, before any stage runs.
//   The constructor checks the checkpoint resumed from against the config
//   (ResumeError) and takes the checkpoint's RunLock, held until the
//   tracker is destroyed; start() restores every plugin's saved state.
// - records_to_skip(): the source thread, before its first batch.
// - batch_taken(), resume_point(): the encoder thread only.
// - sink_wrote(), delivered_everywhere(), write(), write_finishing(): any
//   sink thread; thread-safe. One checkpoint write at a time, newest wins.
// - keep_newest(), run_ended(), held(): the owner, after every stage was
//   joined (held() also from any thread).
// Outcome: a run that finishes removes its checkpoint (run_ended), and so
// does one whose source or encoder fails (the input or the settings must
// change, which no checkpoint survives); one stopped by a signal, a sink or
// the checkpoint keeps the newest.
#pragma once

#include <aton/encoder_options.hpp>
#include <aton/host/checkpoint.hpp>
#include <aton/host/pipeline_config.hpp>
#include <aton/host/plugin_instance.hpp>
#include <aton/host/run_lock.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace aton {
struct Chunk;
class IncrementalEncoder;
}  // namespace aton

namespace aton::host {

struct ResolvedPipeline;

// What a chunk carries to the sinks besides its text: where a resumed run
// goes on after it.
struct ResumePoint {
  std::string source_position;  // the source's text at a batch end at or before the chunk's end
  std::size_t skip = 0;         // records from that batch end to the chunk's end
  std::string encoder;          // IncrementalEncoder::checkpoint(chunk)
};

class CheckpointTracker {
 public:
  // Throws ResumeError when `resume` is for another pipeline or a plugin
  // cannot resume, ConfigError when another run holds the lock.
  CheckpointTracker(const ResolvedPipeline& spec, const Checkpoint* resume, RunContext& run);
  CheckpointTracker(const CheckpointTracker&) = delete;
  CheckpointTracker& operator=(const CheckpointTracker&) = delete;

  // Whether this run records checkpoints (every plugin can resume and
  // checkpoint.enabled holds).
  bool enabled() const noexcept { return enabled_; }
  // The checkpoint this run goes on from, or null.
  const Checkpoint* resumed_from() const noexcept { return resume_ ? &*resume_ : nullptr; }
  // Resumed from a finishing checkpoint: the sinks only finish.
  bool only_finish() const noexcept { return resume_ && resume_->finishing; }

  // Tells the source to save its positions, and when resuming gives every
  // plugin its saved state. A sink already restored may hold the interrupted
  // run's output, so a failure suspends it while the others are aborted;
  // throws ResumeError naming the plugin.
  void start(SourceInstance& source, std::vector<std::unique_ptr<SinkInstance>>& sinks,
             const EncoderOptions& encoder);
  // Records the source must read again and drop before its first batch.
  std::size_t records_to_skip() const noexcept { return skip_on_start_; }

  // Encoder thread.
  void batch_taken(std::size_t end, std::string position);
  std::shared_ptr<const ResumePoint> resume_point(const Chunk& chunk, const IncrementalEncoder& encoder);

  // Sink threads. sink_wrote() before the chunk is counted as written, so
  // delivered_everywhere() finds every sink's state for it.
  void sink_wrote(std::size_t sink, std::size_t chunk_id, std::string state);
  // The checkpoint to write now that `chunk` reached every sink, if any.
  std::optional<Checkpoint> delivered_everywhere(const Chunk& chunk, const ResumePoint* point);
  // Writes it, or holds it back within checkpoint.interval. Throws aton::Error.
  void write(Checkpoint checkpoint);
  // The finishing checkpoint; nothing when a sink wrote no chunk. Throws aton::Error.
  void write_finishing();

  // A checkpoint holds (written, or being written) that the sinks' output refers to.
  bool holds() const;
  // The run stopped resumably: write the newest held-back checkpoint.
  void keep_newest();
  // The run is over: `done` (every sink finished, or nothing failed) or a
  // failure that is `resumable`. Removes the checkpoint when nothing is to be
  // resumed.
  void run_ended(bool done, bool resumable);

  struct Held {
    std::filesystem::path file;
    std::size_t next_chunk = 0;
    bool finishing = false;
  };
  std::optional<Held> held() const;

 private:
  void check(const ResolvedPipeline& spec, const Checkpoint* resume);
  void store(const Checkpoint& checkpoint);  // under write_mutex_

  RunContext& run_;
  std::optional<RunLock> lock_;
  bool enabled_ = false;
  CheckpointOptions options_;
  std::string config_file_;
  std::string fingerprint_;
  std::string source_plugin_;
  std::vector<std::string> sink_plugins_;
  std::optional<Checkpoint> resume_;
  std::size_t skip_on_start_ = 0;

  // Encoder thread only: batch ends (index one past the last record, the
  // source's position there) not yet passed by a chunk's end, the newest
  // one passed first.
  std::deque<std::pair<std::size_t, std::string>> batch_ends_;

  mutable std::mutex mutex_;  // guards everything below
  std::vector<std::deque<std::pair<std::size_t, std::string>>> sink_states_;  // per sink: chunk id, state
  std::vector<std::string> last_sink_states_;  // each sink's state after its last write
  std::size_t next_chunk_out_ = 0;  // the chunk after the last that reached every sink
  std::size_t records_out_ = 0;
  bool started_ = false;    // a checkpoint holds, or is being written
  bool finishing_ = false;  // the one that holds is a finishing checkpoint
  std::size_t next_chunk_ = 0;

  std::mutex write_mutex_;  // one write at a time, newest wins
  std::size_t written_ = 0;  // next_chunk of the newest written
  std::optional<std::chrono::steady_clock::time_point> written_at_;
  std::optional<Checkpoint> held_back_;
};

}  // namespace aton::host
