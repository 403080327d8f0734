#include <aton/host/pipeline.hpp>

#include <aton/chunk.hpp>
#include <aton/errors.hpp>
#include <aton/host/flush_clock.hpp>
#include <aton/host/plugin_check.hpp>
#include <aton/stream_encoder.hpp>

#include <algorithm>
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

namespace {

// Encoder options are checked before anything else, the checkpoint included.
const ResolvedPipeline& with_valid_encoder(const ResolvedPipeline& spec) {
  spec.encoder.validate();
  return spec;
}

}  // namespace

Pipeline::Pipeline(const ResolvedPipeline& spec, RunContext& run, PipelineObserver* observer,
                   const Checkpoint* resume)
    : tracker_(with_valid_encoder(spec), resume, run),
      encoder_options_(spec.encoder),
      secrets_(spec.secrets),
      run_(run),
      observer_(observer),
      batches_(spec.queue_capacity) {
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
  if (const Checkpoint* from = tracker_.resumed_from()) records_out_ = from->records;
  tracker_.start(*source_, sinks_, encoder_options_);
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
  const bool only_finish = tracker_.only_finish();
  if (only_finish) {
    // Every chunk had reached every sink: the sinks only finish.
    run_.log("host", ATON_LOG_INFO,
             "the checkpoint " + tracker_.held()->file.string() + " records that every chunk (" +
                 std::to_string(tracker_.resumed_from()->next_chunk) + ") reached every sink: completing their finish, "
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
  if (resumable_stop) tracker_.keep_newest();

  std::lock_guard lock(mutex_);
  // Finished, or failed in a way no checkpoint survives: nothing to resume.
  tracker_.run_ended(completed || !failure_, failure_ && failure_->resumable);
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

// Under a token or byte budget a chunk holds far fewer records than
// chunk_size; a checkpoint needs a batch end at or before its chunk's end
// (checkpoint_tracker.hpp), so batches of chunk_size records would leave
// every chunk before the first batch end without one (a small input: the
// whole run) and make a resume read up to chunk_size records again.
constexpr std::size_t kBudgetedBatchRecords = 256;

void Pipeline::source_stage() {
  const std::size_t batch_size = encoder_options_.budgeted()
                                     ? std::min(encoder_options_.chunk_size, kBudgetedBatchRecords)
                                     : encoder_options_.chunk_size;
  std::size_t records = 0;
  try {
    if (!skip_restored_records()) return;
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
    fail("source", source_->plugin().name(), records / encoder_options_.chunk_size, cause_of(e, "reading records"));
  }
}

// A resumed run whose checkpoint lies inside a batch: the records from the
// restored position to the checkpoint's end went out already; read them
// again and drop them. False when the stage has nothing more to do (the
// run stopped, or the input ended right there).
bool Pipeline::skip_restored_records() {
  std::size_t skip = tracker_.records_to_skip();
  while (skip > 0 && !run_.cancelled()) {
    RecordBatch batch = source_->next_batch(std::min(skip, encoder_options_.chunk_size), spare_batch());
    skip -= batch.records.size();
    if (batch.last && skip > 0)
      throw SourceError("the input ended " + std::to_string(skip) + " records before the checkpoint's end; "
                        "it changed since the interrupted run");
    if (batch.last) {
      // The input ends exactly where the checkpoint does: the encoder gets an empty last batch.
      batch.first_record += batch.records.size();
      batch.records.clear();
      if (batches_.push(std::move(batch))) batches_.close();
      return false;
    }
    recycle(std::move(batch));
  }
  return !run_.cancelled();
}

void Pipeline::encoder_stage() {
  std::optional<IncrementalEncoder> encoder;
  const Checkpoint* resumed = tracker_.resumed_from();
  std::size_t pushed = resumed ? resumed->records : 0;
  auto start = [&](std::optional<std::size_t> total) {
    if (resumed)
      encoder.emplace(IncrementalEncoder::resume(encoder_options_, source_->table(), resumed->encoder, total));
    else
      encoder.emplace(encoder_options_, source_->table(), total);
  };
  bool last_marked = false;  // the newest chunk sent is marked is_last
  FlushClock clock(encoder_options_.flush_interval);
  std::size_t emitted_end = pushed;  // records in the chunks sent
  bool emitted = false;              // a chunk was sent during the current batch
  // Sends every chunk the encoder has completed; false when the run stopped.
  auto emit_ready = [&] {
    while (auto chunk = encoder->pop()) {
      last_marked = chunk->is_last;
      if (chunk->over_budget)
        run_.log("encoder", ATON_LOG_WARNING,
                 "chunk " + std::to_string(chunk->chunk_id) + " (record " +
                     std::to_string(chunk->metadata.start_idx + 1) + ") is over the budget: " +
                     std::to_string(chunk->metadata.tokens.value_or(0)) + " tokens, " +
                     std::to_string(chunk->data.size()) + " bytes; the record is too large for any chunk "
                     "(encoder.oversize own_chunk gave it its own)");
      emitted_end = chunk->metadata.end_idx;
      emitted = true;
      std::shared_ptr<const ResumePoint> point;
      if (tracker_.enabled()) point = tracker_.resume_point(*chunk, *encoder);
      if (!deliver({std::make_shared<const Chunk>(std::move(*chunk)), std::move(point)})) return false;
    }
    return true;
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
    while (true) {
      bool timed_out = false;
      auto deadline = clock.deadline();
      // Past the deadline with batches still queued (a source faster than
      // the encoder) counts too: a chunk waits no longer than the interval.
      if (deadline && FlushClock::Clock::now() >= *deadline) timed_out = true;
      std::optional<RecordBatch> batch;
      if (!timed_out) batch = deadline ? batches_.pop_until(*deadline, timed_out) : batches_.pop();
      if (timed_out) {
        // What is pending goes out now, short; the chunk ends where a batch ended.
        encoder->flush();
        if (!emit_ready()) return;
        clock.flushed();
        continue;
      }
      if (!batch) break;
      const aton_source_position& at = batch->position;
      if (tracker_.enabled())
        tracker_.batch_taken(batch->first_record + batch->records.size(), std::move(batch->resume_position));
      if (!encoder) {
        std::optional<std::size_t> total;
        if (at.total_records >= 0) total = static_cast<std::size_t>(at.total_records);
        total_known = total.has_value();
        announced = total.value_or(0);
        start(total);
        clock.first_batch(at);
      } else if (!total_known && at.total_records >= 0) {
        encoder->set_total_records(static_cast<std::size_t>(at.total_records));
        total_known = true;
        announced = static_cast<std::size_t>(at.total_records);
      }
      if (total_known && pushed + batch->records.size() > announced) return off_total("went on");
      if (!total_known && at.total_bytes > 0)
        encoder->set_progress(std::min(1.0, static_cast<double>(at.bytes) / static_cast<double>(at.total_bytes)));
      emitted = false;
      for (const Value& record : batch->records) {
        encoder->push(record);
        ++pushed;
        if (!emit_ready()) return;
      }
      // A stream does not hold a chunk back until the next record says
      // whether it was the last: finish() closes it instead (FlushClock).
      if (clock.streaming() && !batch->last) {
        encoder->release();
        if (!emit_ready()) return;
      }
      clock.after_batch(pushed - emitted_end, emitted, FlushClock::Clock::now());
      recycle(std::move(*batch));
    }
    if (batches_.cancelled() || failed()) return;
    if (total_known && pushed != announced) return off_total("ended");
    if (!encoder) start(pushed);
    encoder->finish();
    if (!emit_ready()) return;
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

std::optional<Checkpoint> Pipeline::delivered(std::size_t sink, const Delivery& delivery) {
  const Chunk& chunk = *delivery.chunk;
  std::lock_guard lock(mutex_);
  ++delivered_[sink];
  std::size_t everywhere = *std::min_element(delivered_.begin(), delivered_.end());
  if (everywhere <= reported_) return std::nullopt;
  // Chunks arrive in order on every queue, so the count written everywhere
  // grows by one, and only when the slowest sink writes: this very chunk.
  reported_ = everywhere;
  std::optional<Checkpoint> checkpoint = tracker_.delivered_everywhere(chunk, delivery.resume.get());
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
  {
    try {
      tracker_.write_finishing();
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

void Pipeline::sink_stage(std::size_t index) {
  SinkInstance& sink = *sinks_[index];
  auto& queue = *chunk_queues_[index];
  std::optional<std::size_t> chunk_id;
  try {
    while (auto delivery = queue.pop()) {
      chunk_id = delivery->chunk->chunk_id;
      aton_chunk c = to_c_chunk(*delivery->chunk);
      sink.write(c);
      if (tracker_.enabled()) tracker_.sink_wrote(index, *chunk_id, sink.save_state());
      if (auto checkpoint = delivered(index, *delivery)) {
        try {
          tracker_.write(std::move(*checkpoint));
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
      resumable = tracker_.holds() && failure_ && failure_->resumable;
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
