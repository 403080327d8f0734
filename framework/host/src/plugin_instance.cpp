#include <aton/host/plugin_instance.hpp>

#include <aton/errors.hpp>

#include <exception>
#include <string>

namespace aton::host {

namespace {

std::unique_ptr<InstanceHost> make_host(RunContext& run, const std::string& plugin) {
  auto host = std::make_unique<InstanceHost>();
  host->run = &run;
  host->plugin = plugin;
  host->api.struct_size = sizeof(aton_host_api);
  host->api.host = host.get();
  host->api.log = [](void* h, aton_log_level level, const char* message) {
    auto* self = static_cast<InstanceHost*>(h);
    try {
      self->run->log(self->plugin, level, message ? message : "");
    } catch (...) {
      // Logging must never unwind into a plugin.
    }
  };
  host->api.is_cancelled = [](void* h) {
    return static_cast<InstanceHost*>(h)->run->cancelled() ? 1 : 0;
  };
  return host;
}

std::string text_or(const char* text, std::string_view fallback) {
  return text && *text ? std::string(text) : std::string(fallback);
}

using CreateFn = aton_status (*)(const aton_host_api*, const char*, std::size_t, void**, char*, std::size_t);

// Calls a plugin's create(); throws E with the plugin's text on failure.
template <class E>
void* create_instance(CreateFn create, const InstanceHost& host, const std::string& config_json) {
  char error[2048] = {0};
  void* self = nullptr;
  aton_status rc = create(&host.api, config_json.data(), config_json.size(), &self, error, sizeof error);
  error[sizeof error - 1] = '\0';
  if (rc != ATON_OK || !self) throw E(text_or(error, "create() failed without a message"));
  return self;
}

}  // namespace

void RunContext::log(const std::string& plugin, aton_log_level level, std::string_view message) const {
  if (log_) log_(plugin, level, message);
}

// ---- Sources ----------------------------------------------------------------

SourceInstance::SourceInstance(Plugin plugin, const std::string& config_json, RunContext& run)
    : plugin_(std::move(plugin)), host_(make_host(run, plugin_.name())) {
  const aton_source_api& api = *plugin_.descriptor().source;
  self_ = create_instance<SourceError>(api.create, *host_, config_json);
  table_ = text_or(api.table_name(self_), "records");
}

SourceInstance::~SourceInstance() {
  if (self_) plugin_.descriptor().source->destroy(self_);
}

RecordBatch SourceInstance::next_batch(std::size_t max_records, RecordBatch batch) {
  const aton_source_api& api = *plugin_.descriptor().source;
  batch.first_record = records_read_;
  builder_.start(batch.arena, records_read_);
  std::size_t produced = 0;
  aton_status rc = api.next_batch(self_, &builder_.api(), max_records, &produced);
  if (!builder_.refusal().empty()) throw SourceError(builder_.refusal());
  if (rc == ATON_ERROR) throw SourceError(text_or(api.last_error(self_), "next_batch() failed without a message"));
  if (rc != ATON_OK && rc != ATON_END)
    throw SourceError("next_batch() returned an unknown status " + std::to_string(static_cast<int>(rc)));
  if (builder_.inside_record())
    throw SourceError("record " + std::to_string(records_read_ + builder_.completed() + 1) +
                      ": left unfinished at the end of next_batch() (a begin_object without its end_object)");
  batch.records.swap(builder_.records());
  if (batch.records.size() > max_records)
    throw SourceError("next_batch() produced " + std::to_string(batch.records.size()) +
                      " records, more than the " + std::to_string(max_records) + " asked for");
  records_read_ += batch.records.size();
  batch.last = rc == ATON_END;
  if (rc == ATON_OK && batch.records.empty())
    throw SourceError("next_batch() returned ATON_OK with no record (ATON_END ends the input)");
  batch.position = position();
  if (save_positions_) batch.resume_position = save_position();
  return batch;
}

bool SourceInstance::can_resume() const noexcept {
  const aton_plugin_descriptor& d = plugin_.descriptor();
  return d.abi_minor >= 1 && d.source->save_position && d.source->restore_position;
}

std::string SourceInstance::save_position() {
  const aton_source_api& api = *plugin_.descriptor().source;
  const char* text = nullptr;
  std::size_t length = 0;
  if (api.save_position(self_, &text, &length) != ATON_OK)
    throw SourceError(text_or(api.last_error(self_), "save_position() failed without a message"));
  return text ? std::string(text, length) : std::string();
}

void SourceInstance::restore_position(const std::string& text, std::size_t records) {
  const aton_source_api& api = *plugin_.descriptor().source;
  if (api.restore_position(self_, text.data(), text.size()) != ATON_OK)
    throw SourceError(text_or(api.last_error(self_), "restore_position() failed without a message"));
  records_read_ = records;
}

aton_source_position SourceInstance::position() {
  aton_source_position p{};
  p.struct_size = sizeof p;
  p.total_records = -1;
  p.total_bytes = -1;
  plugin_.descriptor().source->position(self_, &p);
  return p;
}

// ---- Sinks ------------------------------------------------------------------

SinkInstance::SinkInstance(Plugin plugin, const std::string& config_json, RunContext& run)
    : plugin_(std::move(plugin)), host_(make_host(run, plugin_.name())) {
  self_ = create_instance<SinkError>(plugin_.descriptor().sink->create, *host_, config_json);
}

SinkInstance::~SinkInstance() {
  if (self_) plugin_.descriptor().sink->destroy(self_);
}

void SinkInstance::write(const aton_chunk& chunk) {
  const aton_sink_api& api = *plugin_.descriptor().sink;
  if (api.write(self_, &chunk) != ATON_OK)
    throw SinkError(text_or(api.last_error(self_), "write() failed without a message"));
}

void SinkInstance::finish() {
  const aton_sink_api& api = *plugin_.descriptor().sink;
  if (api.finish(self_) != ATON_OK)
    throw SinkError(text_or(api.last_error(self_), "finish() failed without a message"));
}

void SinkInstance::abort() noexcept { plugin_.descriptor().sink->abort(self_); }

bool SinkInstance::can_resume() const noexcept {
  const aton_plugin_descriptor& d = plugin_.descriptor();
  return d.abi_minor >= 1 && d.sink->save_state && d.sink->restore_state;
}

std::string SinkInstance::save_state() {
  const aton_sink_api& api = *plugin_.descriptor().sink;
  const char* text = nullptr;
  std::size_t length = 0;
  if (api.save_state(self_, &text, &length) != ATON_OK)
    throw SinkError(text_or(api.last_error(self_), "save_state() failed without a message"));
  return text ? std::string(text, length) : std::string();
}

void SinkInstance::restore_state(const std::string& text) {
  const aton_sink_api& api = *plugin_.descriptor().sink;
  if (api.restore_state(self_, text.data(), text.size()) != ATON_OK)
    throw SinkError(text_or(api.last_error(self_), "restore_state() failed without a message"));
}

void SinkInstance::suspend() noexcept {
  const aton_sink_api& api = *plugin_.descriptor().sink;
  if (can_resume() && api.suspend) api.suspend(self_);
  else api.abort(self_);
}

}  // namespace aton::host
