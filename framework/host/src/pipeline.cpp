#include <aton/host/pipeline.hpp>

#include <aton/chunk.hpp>
#include <aton/errors.hpp>
#include <aton/stream_encoder.hpp>

#include <algorithm>
#include <exception>
#include <thread>

namespace aton::host {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
  return out;
}

}  // namespace

ResolvedPipeline resolve_pipeline(const PipelineConfig& config, PluginCatalog& catalog) {
  if (!config.plugin_dirs.empty()) catalog.add_dirs(config.plugin_dirs);
  ResolvedPipeline out;
  out.encoder = config.encoder;
  out.queue_capacity = config.queue_capacity;
  auto resolve = [&](const PluginConfig& entry, aton_plugin_kind kind) {
    Plugin plugin = catalog.load(entry.plugin, kind);
    std::string json = resolve_plugin_config(plugin, entry, config);
    return ResolvedPlugin{std::move(plugin), std::move(json), entry.pointer};
  };
  out.source = resolve(config.source, ATON_PLUGIN_SOURCE);
  for (const auto& s : config.sinks) out.sinks.push_back(resolve(s, ATON_PLUGIN_SINK));
  return out;
}

Pipeline::Pipeline(const ResolvedPipeline& spec, RunContext& run, PipelineObserver* observer)
    : encoder_options_(spec.encoder),
      run_(run),
      observer_(observer),
      batches_(spec.queue_capacity) {
  encoder_options_.validate();
  try {
    source_ = std::make_unique<SourceInstance>(spec.source.plugin, spec.source.config_json, run);
  } catch (const Error& e) {
    throw SourceError("source '" + spec.source.plugin.name() + "' (" + spec.source.pointer +
                      "): could not start: " + e.what());
  }
  for (const auto& s : spec.sinks) {
    try {
      sinks_.push_back(std::make_unique<SinkInstance>(s.plugin, s.config_json, run));
    } catch (const Error& e) {
      // The sinks already made may hold temporary output: discard it.
      for (auto& made : sinks_) made->abort();
      throw SinkError("sink '" + s.plugin.name() + "' (" + s.pointer + "): could not start: " + e.what());
    }
    chunk_queues_.push_back(
        std::make_unique<BoundedQueue<std::shared_ptr<const Chunk>>>(spec.queue_capacity));
  }
  delivered_.assign(sinks_.size(), 0);
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
  stop({message + ": " + cause, false});
}

void Pipeline::cancel(const std::string& reason) { stop({reason, true}); }

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
  std::vector<std::thread> threads;
  try {
    threads.emplace_back([this] { source_stage(); });
    threads.emplace_back([this] { encoder_stage(); });
    for (std::size_t i = 0; i < sinks_.size(); ++i) threads.emplace_back([this, i] { sink_stage(i); });
  } catch (const std::exception& e) {
    fail("host", "", std::nullopt, std::string("cannot start a thread: ") + e.what());
  }
  for (auto& t : threads) t.join();

  std::lock_guard lock(mutex_);
  if (failure_) {
    if (failure_->cancelled) throw CancelledError(failure_->message);
    throw Error(failure_->message);
  }
  RunSummary summary;
  summary.records = records_out_;
  summary.chunks = reported_;
  summary.bytes_out = bytes_out_;
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
      RecordBatch batch = source_->next_batch(batch_size);
      records += batch.records.size();
      bool last = batch.last;
      if (!batches_.push(std::move(batch))) return;  // cancelled
      if (last) break;
    }
    batches_.close();
  } catch (const std::exception& e) {
    // The chunk the failing record would have gone into.
    fail("source", source_->plugin().name(), records / batch_size, e.what());
  }
}

void Pipeline::encoder_stage() {
  std::optional<IncrementalEncoder> encoder;
  std::size_t pushed = 0;
  try {
    bool total_known = false;
    while (auto batch = batches_.pop()) {
      const aton_source_position& at = batch->position;
      if (!encoder) {
        std::optional<std::size_t> total;
        if (at.total_records >= 0) total = static_cast<std::size_t>(at.total_records);
        total_known = total.has_value();
        encoder.emplace(encoder_options_, source_->table(), total);
      } else if (!total_known && at.total_records >= 0) {
        encoder->set_total_records(static_cast<std::size_t>(at.total_records));
        total_known = true;
      }
      if (!total_known && at.total_bytes > 0)
        encoder->set_progress(std::min(1.0, static_cast<double>(at.bytes) / static_cast<double>(at.total_bytes)));
      for (const Value& record : batch->records) {
        encoder->push(record);
        ++pushed;
        while (auto chunk = encoder->pop())
          if (!deliver(std::make_shared<const Chunk>(std::move(*chunk)))) return;
      }
      // The batch (and its Arena) is freed here, before the next pop.
    }
    if (batches_.cancelled() || failed()) return;
    if (!encoder) encoder.emplace(encoder_options_, source_->table(), std::size_t{0});
    encoder->finish();
    while (auto chunk = encoder->pop())
      if (!deliver(std::make_shared<const Chunk>(std::move(*chunk)))) return;
    for (auto& q : chunk_queues_) q->close();
  } catch (const std::exception& e) {
    fail("encoder", "", pushed / encoder_options_.chunk_size, e.what());
  }
}

bool Pipeline::deliver(std::shared_ptr<const Chunk> chunk) {
  for (auto& q : chunk_queues_)
    if (!q->push(chunk)) return false;
  return true;
}

void Pipeline::delivered(std::size_t sink, const Chunk& chunk) {
  std::lock_guard lock(mutex_);
  ++delivered_[sink];
  std::size_t everywhere = *std::min_element(delivered_.begin(), delivered_.end());
  if (everywhere <= reported_) return;
  // Chunks arrive in order on every queue, so the count written everywhere
  // grows by one, and only when the slowest sink writes: this very chunk.
  reported_ = everywhere;
  records_out_ = chunk.metadata.end_idx;
  bytes_out_ += chunk.data.size();
  if (!observer_) return;
  ChunkProgress p;
  p.chunk_id = chunk.chunk_id;
  p.total_chunks = chunk.total_chunks;
  p.records = chunk.metadata.end_idx;
  p.total_records = chunk.metadata.total_records;
  p.progress = chunk.metadata.progress;
  p.bytes_out = bytes_out_;
  p.seconds = seconds_since(started_);
  p.is_last = chunk.is_last;
  observer_->on_chunk(p);
}

void Pipeline::sink_stage(std::size_t index) {
  SinkInstance& sink = *sinks_[index];
  auto& queue = *chunk_queues_[index];
  std::optional<std::size_t> chunk_id;
  try {
    while (auto chunk = queue.pop()) {
      chunk_id = (*chunk)->chunk_id;
      aton_chunk c = to_c_chunk(**chunk);
      sink.write(c);
      delivered(index, **chunk);
    }
  } catch (const std::exception& e) {
    fail("sink", sink.plugin().name(), chunk_id, e.what());
  }

  // Finish only when every sink has every chunk: a failure anywhere until
  // then means abort() everywhere.
  bool ok;
  {
    std::unique_lock lock(mutex_);
    if (!failure_) ++sinks_drained_;
    all_drained_.notify_all();
    all_drained_.wait(lock, [&] { return failure_ || sinks_drained_ == sinks_.size(); });
    ok = !failure_;
  }
  if (!ok) {
    sink.abort();
    return;
  }
  try {
    sink.finish();
  } catch (const std::exception& e) {
    fail("sink", sink.plugin().name(), std::nullopt, std::string("finish failed: ") + e.what());
  }
}

}  // namespace aton::host
