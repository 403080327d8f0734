#include <aton/host/pipeline.hpp>

#include <aton/chunk.hpp>
#include <aton/errors.hpp>
#include <aton/host/plugin_check.hpp>
#include <aton/stream_encoder.hpp>

#include <algorithm>
#include <deque>
#include <exception>
#include <new>
#include <thread>

namespace aton::host {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A failure's cause as a message says it: running out of memory is said
// so, with what the stage was doing, rather than as "std::bad_alloc".
std::string cause_of(const std::exception& e, const char* doing) {
  if (dynamic_cast<const std::bad_alloc*>(&e)) return std::string("out of memory while ") + doing;
  return e.what();
}

aton_chunk to_c_chunk(const Chunk& c) {
  aton_chunk out{};
  out.struct_size = sizeof(aton_chunk);
  out.chunk_id = c.chunk_id;
  out.total_chunks = c.total_chunks ? static_cast<std::int64_t>(*c.total_chunks) : -1;
  out.data = c.data.data();
  out.size = c.data.size();
  out.is_first = c.is_first ? 1 : 0;
  out.is_last = c.is_last ? 1 : 0;
  out.table = c.metadata.table.c_str();
  out.records_in_chunk = c.metadata.records_in_chunk;
  out.start_idx = c.metadata.start_idx;
  out.end_idx = c.metadata.end_idx;
  out.total_records = c.metadata.total_records ? static_cast<std::int64_t>(*c.metadata.total_records) : -1;
  out.progress = c.metadata.progress;
  out.tokens = c.metadata.tokens ? static_cast<std::int64_t>(*c.metadata.tokens) : -1;
  return out;
}

}  // namespace

namespace {

// resolve_pipeline() adding to `problems`: each entry's plugin loaded, its
// keys checked against its options, then, when they pass, its own check().
// An entry with a problem already (its "plugin", a ${NAME} in it) is not
// looked at further. Throws only at the end: see prepare_pipeline().
ResolvedPipeline resolve_checked(const PipelineConfig& config, PluginCatalog& catalog, ConfigProblems& problems) {
  if (!config.plugin_dirs.empty()) catalog.add_dirs(config.plugin_dirs);
  ResolvedPipeline out;
  out.secrets = config.secrets;
  out.config_file = config.file;
  out.encoder = config.encoder;
  out.queue_capacity = config.queue_capacity;
  out.checkpoint = config.checkpoint;
  std::vector<std::pair<std::string, PluginError>> unloadable;  // entry pointer, why
  auto resolve = [&](const PluginConfig& entry, aton_plugin_kind kind) {
    ResolvedPlugin resolved{Plugin(), std::string(), entry.pointer};
    if (entry.plugin.empty() || problems.any_within(entry.pointer)) return resolved;
    try {
      resolved.plugin = catalog.load(entry.plugin, kind);
    } catch (const PluginError& e) {
      unloadable.emplace_back(entry.pointer, e);
      return resolved;
    }
    std::size_t before = problems.size();
    resolved.config_json = resolve_plugin_config(resolved.plugin, entry, config, problems);
    if (problems.size() == before) check_plugin_config(resolved.plugin, resolved.config_json, entry.pointer, problems);
    return resolved;
  };
  out.source = resolve(config.source, ATON_PLUGIN_SOURCE);
  for (const auto& s : config.sinks) out.sinks.push_back(resolve(s, ATON_PLUGIN_SINK));
  if (!unloadable.empty()) {
    if (problems.empty()) throw unloadable.front().second;
    for (const auto& [pointer, why] : unloadable) problems.add(pointer + "/plugin", why.what());
  }
  // Where the run writes is judged once everything else holds: the paths
  // come from the sinks' resolved configs.
  if (problems.empty()) {
    check_sink_paths(out);
    check_checkpoint_path(out);
  }
  return out;
}

// Runs `step`, throwing its errors with `secrets` scrubbed from them. The
// problems of an InvalidConfig are scrubbed when it is made (throw_if_any).
template <class Step>
auto with_secrets_scrubbed(const Secrets& secrets, Step&& step) {
  try {
    return step();
  } catch (const InvalidConfig&) {
    throw;
  } catch (const ConfigError& e) {
    throw ConfigError(secrets.scrub(e.what()));
  } catch (const PluginError& e) {
    throw PluginError(secrets.scrub(e.what()));
  }
}

}  // namespace

ResolvedPipeline resolve_pipeline(const PipelineConfig& config, PluginCatalog& catalog) {
  return with_secrets_scrubbed(config.secrets, [&] {
    ConfigProblems problems(config.file);
    ResolvedPipeline out = resolve_checked(config, catalog, problems);
    problems.throw_if_any(&config.secrets);
    return out;
  });
}

ResolvedPipeline prepare_pipeline(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                                  PluginCatalog& catalog, const EnvLookup& env) {
  ConfigProblems problems(file);
  PipelineConfig config = read_pipeline_config(file, overrides, env, problems);
  return with_secrets_scrubbed(config.secrets, [&] {
    ResolvedPipeline out = resolve_checked(config, catalog, problems);
    problems.throw_if_any(&config.secrets);
    return out;
  });
}

Pipeline::Pipeline(const ResolvedPipeline& spec, RunContext& run, PipelineObserver* observer,
                   const Checkpoint* resume)
    : encoder_options_(spec.encoder),
      secrets_(spec.secrets),
      run_(run),
      observer_(observer),
      batches_(spec.queue_capacity) {
  encoder_options_.validate();
  check_resumable(spec, resume);
  // Before any plugin starts: a second run must not create its files.
  if (checkpointing_ || resume_) lock_.emplace(lock_file_for(spec.checkpoint.path));
  try {
    source_ = std::make_unique<SourceInstance>(spec.source.plugin, spec.source.config_json, run);
  } catch (const Error& e) {
    throw StageError(secrets_.scrub("source '" + spec.source.plugin.name() + "' (" + spec.source.pointer +
                                    "): could not start: " + e.what()),
                     "source", spec.source.plugin.name(), std::nullopt);
  }
  for (const auto& s : spec.sinks) {
    try {
      sinks_.push_back(std::make_unique<SinkInstance>(s.plugin, s.config_json, run));
    } catch (const Error& e) {
      // The sinks already made may hold temporary output: discard it.
      for (auto& made : sinks_) made->abort();
      throw StageError(secrets_.scrub("sink '" + s.plugin.name() + "' (" + s.pointer + "): could not start: " + e.what()),
                       "sink", s.plugin.name(), std::nullopt);
    }
    chunk_queues_.push_back(std::make_unique<BoundedQueue<Delivery>>(spec.queue_capacity));
  }
  delivered_.assign(sinks_.size(), 0);
  sink_states_.resize(sinks_.size());
  last_sink_states_.resize(sinks_.size());
  if (resume_)
    for (std::size_t i = 0; i < sinks_.size(); ++i) last_sink_states_[i] = resume_->sinks[i].state;
  if (resume_) restore(*resume_);
  source_->save_positions(checkpointing_);
}

namespace {

bool can_resume(const Plugin& plugin) {
  const aton_plugin_descriptor& d = plugin.descriptor();
  if (d.abi_minor < 1) return false;
  if (d.source) return d.source->save_position && d.source->restore_position;
  return d.sink && d.sink->save_state && d.sink->restore_state;
}

std::string why_not_resumable(const ResolvedPlugin& p) {
  const aton_plugin_descriptor& d = p.plugin.descriptor();
  return std::string(d.source ? "source" : "sink") + " '" + p.plugin.name() + "' (" + p.pointer +
         ") cannot resume: " +
         (d.abi_minor < 1 ? "it was built for plugin ABI 1.0, which has no resume; rebuild it against this aton's SDK"
                          : "it does not save its " + std::string(d.source ? "position" : "state"));
}

}  // namespace

std::optional<std::string> why_not_resumable(const ResolvedPipeline& spec) {
  if (!can_resume(spec.source.plugin)) return why_not_resumable(spec.source);
  for (const auto& s : spec.sinks)
    if (!can_resume(s.plugin)) return why_not_resumable(s);
  return std::nullopt;
}

// Everything that can be checked before any plugin starts.
void Pipeline::check_resumable(const ResolvedPipeline& spec, const Checkpoint* resume) {
  checkpoint_options_ = spec.checkpoint;
  config_file_ = std::filesystem::absolute(spec.config_file).lexically_normal().string();
  fingerprint_ = pipeline_fingerprint(spec);
  std::optional<std::string> unsupported = why_not_resumable(spec);
  checkpointing_ = spec.checkpoint.enabled && !unsupported;
  if (spec.checkpoint.enabled && unsupported && !resume)
    run_.log("host", ATON_LOG_DEBUG, "no checkpoints for this run: " + *unsupported);
  if (!resume) return;

  const std::string file = spec.checkpoint.path.string();
  if (unsupported) throw ResumeError("--resume: " + *unsupported);
  if (resume->pipeline != fingerprint_ || resume->source_plugin != spec.source.plugin.name() ||
      resume->sinks.size() != spec.sinks.size())
    throw ResumeError("cannot resume from the checkpoint " + file + ": it was made for another config (" +
                      resume->config + ", or this one with other settings or --set values); run "
                      "without --resume to start over");
  for (std::size_t i = 0; i < spec.sinks.size(); ++i)
    if (resume->sinks[i].plugin != spec.sinks[i].plugin.name())
      throw ResumeError("cannot resume from the checkpoint " + file + ": it was made for another config");
  resume_ = *resume;
  checkpoint_started_ = true;  // the checkpoint resumed from holds until a newer one
  checkpoint_finishing_ = resume->finishing;
  checkpoint_next_chunk_ = resume->next_chunk;
  checkpoint_written_ = resume->next_chunk;
  next_chunk_out_ = resume->next_chunk;
  records_out_ = resume->records;
}

// Gives every plugin its saved state. A sink already restored may now hold
// the interrupted run's output, so a failure suspends it (keeps it) while the
// others, still fresh, are aborted.
void Pipeline::restore(const Checkpoint& checkpoint) {
  const std::string prefix = "cannot resume from the checkpoint " + checkpoint_options_.path.string() + ": ";
  std::size_t restored = 0;
  try {
    // A finishing checkpoint: every record was delivered, nothing is read again.
    if (!checkpoint.finishing) {
      // Validates the encoder's part before anything runs.
      IncrementalEncoder::resume(encoder_options_, source_->table(), checkpoint.encoder);
      try {
        source_->restore_position(checkpoint.source_position, checkpoint.records);
      } catch (const Error& e) {
        throw ResumeError(prefix + "source '" + source_->plugin().name() + "': " + e.what());
      }
    }
    for (; restored < sinks_.size(); ++restored) {
      try {
        sinks_[restored]->restore_state(checkpoint.sinks[restored].state);
      } catch (const Error& e) {
        throw ResumeError(prefix + "sink '" + sinks_[restored]->plugin().name() + "': " + e.what());
      }
    }
  } catch (const ResumeError&) {
    for (std::size_t i = 0; i < sinks_.size(); ++i) i < restored ? sinks_[i]->suspend() : sinks_[i]->abort();
    throw;
  } catch (const Error& e) {
    for (auto& sink : sinks_) sink->abort();
    throw ResumeError(prefix + e.what());
  }
}

std::optional<Pipeline::HeldCheckpoint> Pipeline::held_checkpoint() const {
  std::lock_guard lock(mutex_);
  if (!checkpoint_started_) return std::nullopt;
  return HeldCheckpoint{checkpoint_options_.path, checkpoint_next_chunk_, checkpoint_finishing_};
}

// Instances are destroyed here, on the owner's thread, after run() joined
// every stage: sinks first (they may still reference nothing of the source),
// then the source.
Pipeline::~Pipeline() {
  sinks_.clear();
  source_.reset();
}

bool Pipeline::failed() const {
  std::lock_guard lock(mutex_);
  return failure_.has_value();
}

void Pipeline::stop(Failure failure) {
  {
    std::lock_guard lock(mutex_);
    if (failure_) return;  // the first failure wins; later ones are consequences
    failure_ = std::move(failure);
  }
  run_.cancel();
  batches_.cancel();
  for (auto& q : chunk_queues_) q->cancel();
  all_drained_.notify_all();
}

void Pipeline::fail(const std::string& stage, const std::string& plugin, std::optional<std::size_t> chunk,
                    const std::string& cause) {
  std::string message = stage;
  if (!plugin.empty()) message += " '" + plugin + "'";
  if (chunk) message += " (chunk " + std::to_string(*chunk) + ")";
  Failure failure;
  failure.message = secrets_.scrub(message + ": " + cause);
  failure.stage = stage;
  failure.plugin = plugin;
  failure.chunk = chunk;
  failure.resumable = stage == "sink" || stage == "checkpoint";
  stop(std::move(failure));
}

void Pipeline::cancel(const std::string& reason) {
  Failure failure;
  failure.message = reason;
  failure.cancelled = true;
  failure.resumable = true;
  stop(std::move(failure));
}

std::vector<NamedQueueStats> Pipeline::queue_stats() const {
  std::vector<NamedQueueStats> out;
  out.push_back({"batches", batches_.stats()});
  for (std::size_t i = 0; i < chunk_queues_.size(); ++i)
    out.push_back({"sink " + std::to_string(i) + " (" + sinks_[i]->plugin().name() + ")",
                   chunk_queues_[i]->stats()});
  return out;
}

RunSummary Pipeline::run() {
  started_ = std::chrono::steady_clock::now();
  if (run_.cancelled()) cancel("cancelled before the run started");
  const bool only_finish = resume_ && resume_->finishing;
  if (only_finish) {
    // Every chunk had reached every sink: the sinks only finish.
    run_.log("host", ATON_LOG_INFO,
             "the checkpoint " + checkpoint_options_.path.string() + " records that every chunk (" +
                 std::to_string(resume_->next_chunk) + ") reached every sink: completing their finish, "
                 "nothing is read or written again");
    for (auto& q : chunk_queues_) q->close();
  }
  std::vector<std::thread> threads;
  try {
    if (!only_finish) {
      threads.emplace_back([this] { source_stage(); });
      threads.emplace_back([this] { encoder_stage(); });
    }
    for (std::size_t i = 0; i < sinks_.size(); ++i) threads.emplace_back([this, i] { sink_stage(i); });
  } catch (const std::exception& e) {
    // pthread_create's EAGAIN: no memory for the thread's stack, or too many threads.
    fail("host", "", std::nullopt,
         std::string("cannot start a thread (out of memory while starting the stages, or too many threads): ") +
             e.what());
  }
  for (auto& t : threads) t.join();

  bool resumable_stop;
  bool completed;  // every sink finished: the output is complete, whatever stopped the run meanwhile
  {
    std::lock_guard lock(mutex_);
    completed = finishing_ && sinks_finished_ == sinks_.size();
    resumable_stop = !completed && failure_ && failure_->resumable;
  }
  if (resumable_stop) write_held_back_checkpoint();

  std::lock_guard lock(mutex_);
  // Finished, or failed in a way no checkpoint survives: nothing to resume.
  if (completed || !failure_ ? checkpointing_ || resume_ : checkpoint_started_ && !failure_->resumable) {
    try {
      remove_checkpoint(checkpoint_options_.path);
    } catch (const std::exception& e) {
      run_.log("host", ATON_LOG_WARNING, e.what());
    }
    checkpoint_started_ = false;
  }
  if (failure_ && completed)
    run_.log("host", ATON_LOG_WARNING,
             failure_->message + " as the sinks were finishing; every one finished: the output is complete");
  else if (failure_) {
    if (failure_->cancelled) throw CancelledError(failure_->message);
    throw StageError(failure_->message, failure_->stage, failure_->plugin, failure_->chunk);
  }
  RunSummary summary;
  summary.records = records_out_;
  summary.chunks = reported_;
  summary.bytes_out = bytes_out_;
  summary.tokens_out = tokens_out_;
  summary.seconds = seconds_since(started_);
  summary.queues.push_back({"batches", batches_.stats()});
  for (std::size_t i = 0; i < chunk_queues_.size(); ++i)
    summary.queues.push_back({"sink " + std::to_string(i) + " (" + sinks_[i]->plugin().name() + ")",
                              chunk_queues_[i]->stats()});
  return summary;
}

void Pipeline::source_stage() {
  const std::size_t batch_size = encoder_options_.chunk_size;
  std::size_t records = 0;
  try {
    while (!run_.cancelled()) {
      RecordBatch batch = source_->next_batch(batch_size, spare_batch());
      records += batch.records.size();
      bool last = batch.last;
      if (!batches_.push(std::move(batch))) return;  // cancelled
      if (last) break;
    }
    batches_.close();
  } catch (const std::exception& e) {
    // The chunk the failing record would have gone into.
    fail("source", source_->plugin().name(), records / batch_size, cause_of(e, "reading records"));
  }
}

void Pipeline::encoder_stage() {
  std::optional<IncrementalEncoder> encoder;
  std::size_t pushed = resume_ ? resume_->records : 0;
  // The source's position after each batch taken and not yet matched to a
  // chunk, keyed by the index one past the batch's last record.
  std::deque<std::pair<std::size_t, std::string>> positions;
  auto start = [&](std::optional<std::size_t> total) {
    if (resume_)
      encoder.emplace(IncrementalEncoder::resume(encoder_options_, source_->table(), resume_->encoder, total));
    else
      encoder.emplace(encoder_options_, source_->table(), total);
  };
  bool last_marked = false;  // the newest chunk sent is marked is_last
  auto emit = [&](Chunk&& chunk) {
    last_marked = chunk.is_last;
    if (chunk.over_budget)
      run_.log("encoder", ATON_LOG_WARNING,
               "chunk " + std::to_string(chunk.chunk_id) + " (record " + std::to_string(chunk.metadata.start_idx + 1) +
                   ") is over the budget: " + std::to_string(chunk.metadata.tokens.value_or(0)) + " tokens, " +
                   std::to_string(chunk.data.size()) + " bytes; the record is too large for any chunk "
                   "(encoder.oversize own_chunk gave it its own)");
    std::shared_ptr<const ResumePoint> point;
    if (checkpointing_) {
      std::size_t end = chunk.metadata.end_idx;
      while (!positions.empty() && positions.front().first < end) positions.pop_front();
      // No batch ends here (a source that returned a short batch before its
      // end): no checkpoint after this chunk; the next one that lines up has.
      // An empty position: the source cannot say where it stands (stdin).
      if (!positions.empty() && positions.front().first == end && !positions.front().second.empty())
        point = std::make_shared<const ResumePoint>(ResumePoint{positions.front().second, encoder->checkpoint(chunk)});
    }
    return deliver({std::make_shared<const Chunk>(std::move(chunk)), std::move(point)});
  };
  // A source that announced its total must deliver exactly that many: one
  // that ends short (a pipe it read twice, a file that changed) would
  // otherwise end the stream with total_records larger than what was sent
  // and no chunk marked last.
  std::size_t announced = 0;
  auto off_total = [&](const char* how) {
    fail("source", source_->plugin().name(), pushed / encoder_options_.chunk_size,
         "it " + std::string(how) + " after " + std::to_string(pushed) + " records, having announced " +
             std::to_string(announced) + " (total_records); the input changed while it was read, or could not be "
             "read again for a counting pass");
  };
  try {
    bool total_known = false;
    while (auto batch = batches_.pop()) {
      const aton_source_position& at = batch->position;
      if (checkpointing_)
        positions.emplace_back(batch->first_record + batch->records.size(), std::move(batch->resume_position));
      if (!encoder) {
        std::optional<std::size_t> total;
        if (at.total_records >= 0) total = static_cast<std::size_t>(at.total_records);
        total_known = total.has_value();
        announced = total.value_or(0);
        start(total);
      } else if (!total_known && at.total_records >= 0) {
        encoder->set_total_records(static_cast<std::size_t>(at.total_records));
        total_known = true;
        announced = static_cast<std::size_t>(at.total_records);
      }
      if (total_known && pushed + batch->records.size() > announced) return off_total("went on");
      if (!total_known && at.total_bytes > 0)
        encoder->set_progress(std::min(1.0, static_cast<double>(at.bytes) / static_cast<double>(at.total_bytes)));
      for (const Value& record : batch->records) {
        encoder->push(record);
        ++pushed;
        while (auto chunk = encoder->pop())
          if (!emit(std::move(*chunk))) return;
      }
      recycle(std::move(*batch));
    }
    if (batches_.cancelled() || failed()) return;
    if (total_known && pushed != announced) return off_total("ended");
    if (!encoder) start(pushed);
    encoder->finish();
    while (auto chunk = encoder->pop())
      if (!emit(std::move(*chunk))) return;
    // Never finish a stream whose last chunk does not say it is the last.
    if (!last_marked)
      return fail("encoder", "", pushed / encoder_options_.chunk_size,
                  "the stream's last chunk is not marked last (is_last); the run is not finished");
    for (auto& q : chunk_queues_) q->close();
  } catch (const std::exception& e) {
    // The chunk being filled (under a budget, chunks hold any number of records).
    fail("encoder", "", encoder ? encoder->chunks_completed() : pushed / encoder_options_.chunk_size,
         cause_of(e, "encoding"));
  }
}

// Encoded batches go back to the source thread emptied, so that their
// memory is filled again rather than freed on one thread and allocated on
// the other. There are at most the queue's capacity plus two of them.
RecordBatch Pipeline::spare_batch() {
  std::lock_guard lock(spares_mutex_);
  if (spare_batches_.empty()) return RecordBatch();
  RecordBatch batch = std::move(spare_batches_.back());
  spare_batches_.pop_back();
  return batch;
}

void Pipeline::recycle(RecordBatch&& batch) {
  batch.clear();
  std::lock_guard lock(spares_mutex_);
  spare_batches_.push_back(std::move(batch));
}

bool Pipeline::deliver(Delivery delivery) {
  for (auto& q : chunk_queues_)
    if (!q->push(delivery)) return false;
  return true;
}

std::optional<Checkpoint> Pipeline::delivered(std::size_t sink, const Delivery& delivery, std::string sink_state) {
  const Chunk& chunk = *delivery.chunk;
  std::lock_guard lock(mutex_);
  ++delivered_[sink];
  if (checkpointing_) {
    last_sink_states_[sink] = sink_state;
    sink_states_[sink].emplace_back(chunk.chunk_id, std::move(sink_state));
  }
  std::size_t everywhere = *std::min_element(delivered_.begin(), delivered_.end());
  if (everywhere <= reported_) return std::nullopt;
  // Chunks arrive in order on every queue, so the count written everywhere
  // grows by one, and only when the slowest sink writes: this very chunk.
  reported_ = everywhere;
  next_chunk_out_ = chunk.chunk_id + 1;
  std::optional<Checkpoint> checkpoint;
  if (checkpointing_) checkpoint = checkpoint_after(chunk, delivery.resume.get());
  records_out_ = chunk.metadata.end_idx;
  bytes_out_ += chunk.data.size();
  if (chunk.metadata.tokens) tokens_out_ = tokens_out_.value_or(0) + *chunk.metadata.tokens;
  if (!observer_) return checkpoint;
  ChunkProgress p;
  p.chunk_id = chunk.chunk_id;
  p.total_chunks = chunk.total_chunks;
  p.records = chunk.metadata.end_idx;
  p.total_records = chunk.metadata.total_records;
  p.progress = chunk.metadata.progress;
  p.bytes_out = bytes_out_;
  p.tokens = chunk.metadata.tokens;
  p.tokens_out = tokens_out_;
  p.seconds = seconds_since(started_);
  p.is_last = chunk.is_last;
  observer_->on_chunk(p);
  return checkpoint;
}

// Under mutex_: the checkpoint after `chunk`, which every sink has written.
std::optional<Checkpoint> Pipeline::checkpoint_after(const Chunk& chunk, const ResumePoint* point) {
  Checkpoint c;
  for (std::size_t i = 0; i < sink_states_.size(); ++i) {
    auto& states = sink_states_[i];
    while (!states.empty() && states.front().first < chunk.chunk_id) states.pop_front();
    if (states.empty() || states.front().first != chunk.chunk_id) return std::nullopt;
    c.sinks.push_back({sinks_[i]->plugin().name(), states.front().second});
  }
  if (!point) return std::nullopt;
  c.config = config_file_;
  c.pipeline = fingerprint_;
  c.next_chunk = chunk.chunk_id + 1;
  c.records = chunk.metadata.end_idx;
  c.source_plugin = source_->plugin().name();
  c.source_position = point->source_position;
  c.encoder = point->encoder;
  checkpoint_started_ = true;
  return c;
}

// Outside mutex_, so other sinks go on meanwhile; a write that lost the race
// to a newer checkpoint is skipped. The interval bounds the cost: a file
// written and renamed per chunk is most of a fast run's system time, and
// the text (the encoder's state, a checksum) most of a small chunk's work.
void Pipeline::write_checkpoint(Checkpoint checkpoint) {
  std::lock_guard lock(checkpoint_mutex_);
  if (checkpoint.next_chunk <= checkpoint_written_) return;  // a newer one is already there
  auto now = std::chrono::steady_clock::now();
  if (checkpoint_written_at_ &&
      std::chrono::duration<double>(now - *checkpoint_written_at_).count() < checkpoint_options_.interval_seconds) {
    checkpoint_held_back_ = std::move(checkpoint);
    return;
  }
  store_checkpoint(checkpoint);
  checkpoint_written_at_ = now;
}

void Pipeline::write_held_back_checkpoint() {
  std::lock_guard lock(checkpoint_mutex_);
  if (!checkpoint_held_back_ || checkpoint_held_back_->next_chunk <= checkpoint_written_) return;
  try {
    store_checkpoint(*checkpoint_held_back_);
  } catch (const std::exception& e) {
    run_.log("host", ATON_LOG_WARNING, std::string("the newest checkpoint was not kept: ") + e.what());
  }
}

void Pipeline::store_checkpoint(const Checkpoint& checkpoint) {
  try {
    write_file_atomically(checkpoint_options_.path, checkpoint_text(checkpoint), checkpoint_options_.fsync);
  } catch (const std::exception&) {
    // None was ever written: no checkpoint holds, whatever checkpoint_after() expected.
    if (checkpoint_written_ == 0) {
      std::lock_guard state(mutex_);
      checkpoint_started_ = false;
    }
    throw;
  }
  checkpoint_written_ = checkpoint.next_chunk;
  std::lock_guard state(mutex_);
  checkpoint_next_chunk_ = checkpoint.next_chunk;
  checkpoint_finishing_ = checkpoint.finishing;
  checkpoint_started_ = true;
}

// Whether this sink is to finish(): when every sink has every chunk and
// nothing has stopped the run. Then, when checkpointing, the first sink
// thread to get here writes the finishing checkpoint (the others wait for
// it) before any sink finishes, so a stop from here on is recognisable. From
// that checkpoint on, every sink finishes whatever stops the run meanwhile:
// the output is complete, and finishing is what makes it final.
bool Pipeline::begin_finish() {
  std::lock_guard finish(finish_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (finishing_) return true;
    if (failure_) return false;
  }
  if (checkpointing_ && !(resume_ && resume_->finishing)) {
    try {
      write_finishing_checkpoint();
    } catch (const std::exception& e) {
      fail("checkpoint", "", std::nullopt, std::string(e.what()) + " (set checkpoint.path to a writable place, "
                                           "or checkpoint.enabled to false)");
      return false;
    }
  }
  std::lock_guard lock(mutex_);
  finishing_ = true;
  return true;
}

void Pipeline::write_finishing_checkpoint() {
  Checkpoint c;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < sinks_.size(); ++i) {
      if (last_sink_states_[i].empty()) return;  // a sink wrote nothing: no state to finish from
      c.sinks.push_back({sinks_[i]->plugin().name(), last_sink_states_[i]});
    }
    c.next_chunk = next_chunk_out_;
    c.records = records_out_;
  }
  c.config = config_file_;
  c.pipeline = fingerprint_;
  c.source_plugin = source_->plugin().name();
  c.finishing = true;
  std::lock_guard lock(checkpoint_mutex_);
  checkpoint_held_back_.reset();  // superseded
  store_checkpoint(c);
}

void Pipeline::sink_stage(std::size_t index) {
  SinkInstance& sink = *sinks_[index];
  auto& queue = *chunk_queues_[index];
  std::optional<std::size_t> chunk_id;
  try {
    while (auto delivery = queue.pop()) {
      chunk_id = delivery->chunk->chunk_id;
      aton_chunk c = to_c_chunk(*delivery->chunk);
      sink.write(c);
      std::string state;
      if (checkpointing_) state = sink.save_state();
      if (auto checkpoint = delivered(index, *delivery, std::move(state))) {
        try {
          write_checkpoint(std::move(*checkpoint));
        } catch (const std::exception& e) {
          fail("checkpoint", "", chunk_id, std::string(e.what()) + " (set checkpoint.path to a writable place, "
                                            "or checkpoint.enabled to false)");
          break;
        }
      }
    }
  } catch (const std::exception& e) {
    fail("sink", sink.plugin().name(), chunk_id, cause_of(e, "writing"));
  }

  // Finish only when every sink has every chunk: a failure anywhere until
  // then means abort() everywhere.
  {
    std::unique_lock lock(mutex_);
    if (!failure_) ++sinks_drained_;
    all_drained_.notify_all();
    all_drained_.wait(lock, [&] { return failure_ || sinks_drained_ == sinks_.size(); });
  }
  if (!begin_finish()) {
    bool resumable;
    {
      std::lock_guard lock(mutex_);
      resumable = checkpoint_started_ && failure_ && failure_->resumable;
    }
    // A checkpoint refers to this sink's output: keep it for --resume.
    if (resumable) sink.suspend();
    else sink.abort();
    return;
  }
  try {
    sink.finish();
    std::lock_guard lock(mutex_);
    ++sinks_finished_;
  } catch (const std::exception& e) {
    fail("sink", sink.plugin().name(), std::nullopt, std::string("finish failed: ") + cause_of(e, "finishing"));
  }
}

}  // namespace aton::host
