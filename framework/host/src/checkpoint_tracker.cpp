#include <aton/host/checkpoint_tracker.hpp>

#include <aton/chunk.hpp>
#include <aton/errors.hpp>
#include <aton/host/pipeline.hpp>
#include <aton/stream_encoder.hpp>

namespace aton::host {

CheckpointTracker::CheckpointTracker(const ResolvedPipeline& spec, const Checkpoint* resume, RunContext& run)
    : run_(run) {
  check(spec, resume);
  // Before any plugin starts: a second run must not create its files.
  if (enabled_ || resume_) lock_.emplace(lock_file_for(spec.checkpoint.path));
}

// Everything that can be checked before any plugin starts.
void CheckpointTracker::check(const ResolvedPipeline& spec, const Checkpoint* resume) {
  options_ = spec.checkpoint;
  config_file_ = std::filesystem::absolute(spec.config_file).lexically_normal().string();
  fingerprint_ = pipeline_fingerprint(spec);
  source_plugin_ = spec.source.plugin.name();
  for (const auto& s : spec.sinks) sink_plugins_.push_back(s.plugin.name());
  sink_states_.resize(spec.sinks.size());
  last_sink_states_.resize(spec.sinks.size());
  std::optional<std::string> unsupported = why_not_resumable(spec);
  enabled_ = spec.checkpoint.enabled && !unsupported;
  if (spec.checkpoint.enabled && unsupported && !resume)
    run_.log("host", ATON_LOG_DEBUG, "no checkpoints for this run: " + *unsupported);
  if (!resume) return;

  const std::string file = spec.checkpoint.path.string();
  if (unsupported) throw ResumeError("--resume: " + *unsupported);
  if (resume->pipeline != fingerprint_ || resume->source_plugin != source_plugin_ ||
      resume->sinks.size() != spec.sinks.size())
    throw ResumeError("cannot resume from the checkpoint " + file + ": it was made for another config (" +
                      resume->config + ", or this one with other settings or --set values); run "
                      "without --resume to start over");
  for (std::size_t i = 0; i < spec.sinks.size(); ++i)
    if (resume->sinks[i].plugin != sink_plugins_[i])
      throw ResumeError("cannot resume from the checkpoint " + file + ": it was made for another config");
  resume_ = *resume;
  started_ = true;  // the checkpoint resumed from holds until a newer one
  finishing_ = resume->finishing;
  next_chunk_ = resume->next_chunk;
  written_ = resume->next_chunk;
  next_chunk_out_ = resume->next_chunk;
  records_out_ = resume->records;
  for (std::size_t i = 0; i < spec.sinks.size(); ++i) last_sink_states_[i] = resume->sinks[i].state;
}

void CheckpointTracker::start(SourceInstance& source, std::vector<std::unique_ptr<SinkInstance>>& sinks,
                              const EncoderOptions& encoder) {
  source.save_positions(enabled_);
  if (!resume_) return;
  const Checkpoint& checkpoint = *resume_;
  const std::string prefix = "cannot resume from the checkpoint " + options_.path.string() + ": ";
  std::size_t restored = 0;
  try {
    // A finishing checkpoint: every record was delivered, nothing is read again.
    if (!checkpoint.finishing) {
      // Validates the encoder's part before anything runs.
      IncrementalEncoder::resume(encoder, source.table(), checkpoint.encoder);
      const std::size_t at = checkpoint.records - checkpoint.source_skip;
      try {
        source.restore_position(checkpoint.source_position, at);
      } catch (const Error& e) {
        throw ResumeError(prefix + "source '" + source.plugin().name() + "': " + e.what());
      }
      skip_on_start_ = checkpoint.source_skip;
      // The position restored is a batch end too: a chunk that ends before
      // the first new batch does goes on from it.
      batch_ends_.emplace_back(at, checkpoint.source_position);
    }
    for (; restored < sinks.size(); ++restored) {
      try {
        sinks[restored]->restore_state(checkpoint.sinks[restored].state);
      } catch (const Error& e) {
        throw ResumeError(prefix + "sink '" + sinks[restored]->plugin().name() + "': " + e.what());
      }
    }
  } catch (const ResumeError&) {
    for (std::size_t i = 0; i < sinks.size(); ++i) i < restored ? sinks[i]->suspend() : sinks[i]->abort();
    throw;
  } catch (const Error& e) {
    for (auto& sink : sinks) sink->abort();
    throw ResumeError(prefix + e.what());
  }
}

void CheckpointTracker::batch_taken(std::size_t end, std::string position) {
  batch_ends_.emplace_back(end, std::move(position));
}

std::shared_ptr<const ResumePoint> CheckpointTracker::resume_point(const Chunk& chunk,
                                                                   const IncrementalEncoder& encoder) {
  const std::size_t end = chunk.metadata.end_idx;
  // Chunks end in order: batch ends before the newest one at or before
  // `end` can serve no later chunk.
  while (batch_ends_.size() > 1 && batch_ends_[1].first <= end) batch_ends_.pop_front();
  if (batch_ends_.empty() || batch_ends_.front().first > end) return nullptr;
  // An empty position: the source cannot say where it stands (stdin).
  if (batch_ends_.front().second.empty()) return nullptr;
  return std::make_shared<const ResumePoint>(
      ResumePoint{batch_ends_.front().second, end - batch_ends_.front().first, encoder.checkpoint(chunk)});
}

void CheckpointTracker::sink_wrote(std::size_t sink, std::size_t chunk_id, std::string state) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  last_sink_states_[sink] = state;
  sink_states_[sink].emplace_back(chunk_id, std::move(state));
}

std::optional<Checkpoint> CheckpointTracker::delivered_everywhere(const Chunk& chunk, const ResumePoint* point) {
  if (!enabled_) return std::nullopt;
  std::lock_guard lock(mutex_);
  next_chunk_out_ = chunk.chunk_id + 1;
  records_out_ = chunk.metadata.end_idx;
  Checkpoint c;
  for (std::size_t i = 0; i < sink_states_.size(); ++i) {
    auto& states = sink_states_[i];
    while (!states.empty() && states.front().first < chunk.chunk_id) states.pop_front();
    if (states.empty() || states.front().first != chunk.chunk_id) return std::nullopt;
    c.sinks.push_back({sink_plugins_[i], states.front().second});
  }
  if (!point) return std::nullopt;
  c.config = config_file_;
  c.pipeline = fingerprint_;
  c.next_chunk = chunk.chunk_id + 1;
  c.records = chunk.metadata.end_idx;
  c.source_plugin = source_plugin_;
  c.source_position = point->source_position;
  c.source_skip = point->skip;
  c.encoder = point->encoder;
  started_ = true;
  return c;
}

// Outside the sinks' lock, so other sinks go on meanwhile; a write that lost
// the race to a newer checkpoint is skipped. The interval bounds the cost: a
// file written and renamed per chunk is most of a fast run's system time,
// and the text (the encoder's state, a checksum) most of a small chunk's work.
void CheckpointTracker::write(Checkpoint checkpoint) {
  std::lock_guard lock(write_mutex_);
  if (checkpoint.next_chunk <= written_) return;  // a newer one is already there
  auto now = std::chrono::steady_clock::now();
  if (written_at_ && std::chrono::duration<double>(now - *written_at_).count() < options_.interval_seconds) {
    held_back_ = std::move(checkpoint);
    return;
  }
  store(checkpoint);
  written_at_ = now;
}

void CheckpointTracker::keep_newest() {
  std::lock_guard lock(write_mutex_);
  if (!held_back_ || held_back_->next_chunk <= written_) return;
  try {
    store(*held_back_);
  } catch (const std::exception& e) {
    run_.log("host", ATON_LOG_WARNING, std::string("the newest checkpoint was not kept: ") + e.what());
  }
}

void CheckpointTracker::store(const Checkpoint& checkpoint) {
  try {
    write_file_atomically(options_.path, checkpoint_text(checkpoint), options_.fsync);
  } catch (const std::exception&) {
    // None was ever written: no checkpoint holds, whatever delivered_everywhere() expected.
    if (written_ == 0) {
      std::lock_guard state(mutex_);
      started_ = false;
    }
    throw;
  }
  written_ = checkpoint.next_chunk;
  std::lock_guard state(mutex_);
  next_chunk_ = checkpoint.next_chunk;
  finishing_ = checkpoint.finishing;
  started_ = true;
}

void CheckpointTracker::write_finishing() {
  if (!enabled_ || only_finish()) return;
  Checkpoint c;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < sink_plugins_.size(); ++i) {
      if (last_sink_states_[i].empty()) return;  // a sink wrote nothing: no state to finish from
      c.sinks.push_back({sink_plugins_[i], last_sink_states_[i]});
    }
    c.next_chunk = next_chunk_out_;
    c.records = records_out_;
  }
  c.config = config_file_;
  c.pipeline = fingerprint_;
  c.source_plugin = source_plugin_;
  c.finishing = true;
  std::lock_guard lock(write_mutex_);
  held_back_.reset();  // superseded
  store(c);
}

bool CheckpointTracker::holds() const {
  std::lock_guard lock(mutex_);
  return started_;
}

void CheckpointTracker::run_ended(bool done, bool resumable) {
  std::lock_guard lock(mutex_);
  if (done ? enabled_ || resume_ : started_ && !resumable) {
    try {
      remove_checkpoint(options_.path);
    } catch (const std::exception& e) {
      run_.log("host", ATON_LOG_WARNING, e.what());
    }
    started_ = false;
  }
}

std::optional<CheckpointTracker::Held> CheckpointTracker::held() const {
  std::lock_guard lock(mutex_);
  if (!started_) return std::nullopt;
  return Held{options_.path, next_chunk_, finishing_};
}

}  // namespace aton::host
