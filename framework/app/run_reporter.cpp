#include "run_reporter.hpp"

#include <aton/json.hpp>

#include <cinttypes>
#include <cmath>

namespace aton::app {

namespace {

std::string megabytes(std::size_t bytes) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f MB", static_cast<double>(bytes) / 1e6);
  return buffer;
}

std::string optional_number(const std::optional<std::size_t>& v) {
  return v ? std::to_string(*v) : std::string("null");
}

std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<long long>(seconds + 0.5);
  char buffer[32];
  if (s >= 3600) std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buffer, sizeof buffer, "%lld:%02lld", s / 60, s % 60);
  return buffer;
}

}  // namespace

RunReporter::RunReporter(ProgressMode mode, bool verbose, std::FILE* out)
    : mode_(mode), verbose_(verbose), out_(out) {}

void RunReporter::clear_line() {
  if (line_shown_) {
    std::fputs("\r\033[K", out_);
    line_shown_ = false;
  }
}

std::string RunReporter::queues_json() const {
  std::string out = "[";
  if (pipeline_) {
    bool first = true;
    for (const auto& q : pipeline_->queue_stats()) {
      if (!first) out += ',';
      first = false;
      out += "{\"name\":";
      append_json_string(q.name, out);
      out += ",\"capacity\":" + std::to_string(q.stats.capacity) + ",\"size\":" + std::to_string(q.stats.size) +
             ",\"max_occupancy\":" + std::to_string(q.stats.max_occupancy) +
             ",\"producer_waits\":" + std::to_string(q.stats.producer_waits) +
             ",\"consumer_waits\":" + std::to_string(q.stats.consumer_waits) + "}";
    }
  }
  return out + "]";
}

void RunReporter::on_chunk(const host::ChunkProgress& p) {
  std::lock_guard lock(mutex_);
  double rate = p.seconds > 0 ? static_cast<double>(p.bytes_out) / 1e6 / p.seconds : 0;
  if (mode_ == ProgressMode::Json) {
    char numbers[160];
    std::snprintf(numbers, sizeof numbers, ",\"progress\":%.6g,\"bytes_out\":%zu,\"seconds\":%.3f,\"mb_per_s\":%.3f",
                  p.progress, p.bytes_out, p.seconds, rate);
    std::string line = "{\"event\":\"chunk\",\"chunk_id\":" + std::to_string(p.chunk_id) +
                       ",\"total_chunks\":" + optional_number(p.total_chunks) +
                       ",\"records\":" + std::to_string(p.records) +
                       ",\"total_records\":" + optional_number(p.total_records) + numbers +
                       ",\"is_last\":" + (p.is_last ? "true" : "false") + ",\"queues\":" + queues_json() + "}\n";
    std::fputs(line.c_str(), out_);
    std::fflush(out_);
    return;
  }
  if (mode_ != ProgressMode::Line) return;
  auto now = std::chrono::steady_clock::now();
  if (!p.is_last && now - last_line_ < std::chrono::milliseconds(100)) return;  // ~10 updates a second
  last_line_ = now;
  // Appended piece by piece: `"text" + std::to_string(...)` trips GCC 12's
  // -Wrestrict false positive.
  std::string line = "\r\033[K  chunk ";
  line += std::to_string(p.chunk_id + 1);
  if (p.total_chunks) (line += '/') += std::to_string(*p.total_chunks);
  (line += "  ") += std::to_string(p.records);
  if (p.total_records) (line += '/') += std::to_string(*p.total_records);
  line += " records";
  char tail[96];
  if (p.total_records || p.progress > 0) {
    double eta = p.progress > 0 ? p.seconds * (1 - p.progress) / p.progress : NAN;
    std::snprintf(tail, sizeof tail, "  %.0f%%  %.1f MB/s  ETA %s", p.progress * 100, rate, duration(eta).c_str());
  } else {
    std::snprintf(tail, sizeof tail, "  %.1f MB/s", rate);
  }
  line += tail;
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
  line_shown_ = true;
}

void RunReporter::log(const std::string& plugin, aton_log_level level, std::string_view message) {
  if (level == ATON_LOG_DEBUG && !verbose_) return;
  if (level == ATON_LOG_INFO && mode_ == ProgressMode::Quiet) return;
  std::lock_guard lock(mutex_);
  clear_line();
  const char* tag = level == ATON_LOG_WARNING ? "warning" : level == ATON_LOG_INFO ? "info" : "debug";
  std::fprintf(out_, "aton: %s: %s: %.*s\n", plugin.c_str(), tag, static_cast<int>(message.size()),
               message.data());
}

void RunReporter::summary(const host::RunSummary& s) {
  std::lock_guard lock(mutex_);
  clear_line();
  if (mode_ == ProgressMode::Quiet) return;
  double rate = s.seconds > 0 ? static_cast<double>(s.bytes_out) / 1e6 / s.seconds : 0;
  if (mode_ == ProgressMode::Json) {
    char numbers[96];
    std::snprintf(numbers, sizeof numbers, ",\"seconds\":%.3f,\"mb_per_s\":%.3f", s.seconds, rate);
    std::string line = "{\"event\":\"summary\",\"records\":" + std::to_string(s.records) +
                       ",\"chunks\":" + std::to_string(s.chunks) + ",\"bytes_out\":" + std::to_string(s.bytes_out) +
                       numbers + ",\"queues\":" + queues_json() + "}\n";
    std::fputs(line.c_str(), out_);
  } else {
    std::fprintf(out_, "aton: %zu records, %zu chunks, %s out in %.2f s (%.1f MB/s)\n", s.records, s.chunks,
                 megabytes(s.bytes_out).c_str(), s.seconds, rate);
  }
  std::fflush(out_);
}

void RunReporter::error(std::string_view message) {
  std::lock_guard lock(mutex_);
  clear_line();
  std::fprintf(out_, "aton run: %.*s\n", static_cast<int>(message.size()), message.data());
  std::fflush(out_);
}

}  // namespace aton::app
