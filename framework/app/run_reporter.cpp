#include "run_reporter.hpp"

#include <aton/json.hpp>

#include <sys/ioctl.h>
#include <unistd.h>

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

// The terminal's width in columns; 0 when unknown.
std::size_t terminal_columns(std::FILE* out) {
  winsize size{};
  if (ioctl(fileno(out), TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

void append_optional_string(const std::optional<std::string>& v, std::string& out) {
  if (v) append_json_string(*v, out);
  else out += "null";
}

}  // namespace

RunReporter::RunReporter(ProgressMode mode, bool verbose, std::FILE* out)
    : mode_(mode), verbose_(verbose), out_(out), terminal_(isatty(fileno(out)) != 0) {}

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
      append_json_string(secrets_.shown(q.name), out);  // it names a plugin
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
                       ",\"tokens\":" + optional_number(p.tokens) + ",\"tokens_out\":" + optional_number(p.tokens_out) +
                       ",\"is_last\":" + (p.is_last ? "true" : "false") + ",\"queues\":" + queues_json() + "}\n";
    std::fputs(line.c_str(), out_);
    std::fflush(out_);
    return;
  }
  if (mode_ != ProgressMode::Line) return;
  auto now = std::chrono::steady_clock::now();
  // About ten updates a second on a terminal, where each replaces the last;
  // one a second as lines into a pipe or a file, which keeps them all.
  auto every = terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000);
  if (!p.is_last && last_line_ != std::chrono::steady_clock::time_point{} && now - last_line_ < every) return;
  last_line_ = now;
  std::string text = progress_text(p, rate);
  if (!terminal_) {
    std::string line = "aton: " + text + "\n";
    std::fputs(line.c_str(), out_);
    std::fflush(out_);
    return;
  }
  // Cut to the width: a line that wraps leaves its first row behind, since
  // "\r" returns to the start of the last row only. One column is kept free
  // for the cursor.
  std::size_t columns = terminal_columns(out_);
  std::string line = "\r\033[K  " + text;
  if (columns > 0 && text.size() + 2 >= columns) line.resize(std::string_view("\r\033[K").size() + columns - 1);
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
  line_shown_ = true;
}

// "chunk 3/10  300/1000 records  30%  1.2 MB/s  ETA 0:02"
std::string RunReporter::progress_text(const host::ChunkProgress& p, double rate) const {
  // Appended piece by piece: `"text" + std::to_string(...)` trips GCC 12's
  // -Wrestrict false positive.
  std::string line = "chunk ";
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
  return line + tail;
}

void RunReporter::log(const std::string& plugin, aton_log_level level, std::string_view message) {
  if (level == ATON_LOG_DEBUG && !verbose_) return;
  if (level == ATON_LOG_INFO && mode_ == ProgressMode::Quiet) return;
  std::lock_guard lock(mutex_);
  clear_line();
  const char* tag = level == ATON_LOG_WARNING ? "warning" : level == ATON_LOG_INFO ? "info" : "debug";
  std::string line = "aton: " + secrets_.shown(plugin) + ": " + tag + ": " + secrets_.shown(message) + "\n";
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
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
                       ",\"tokens_out\":" + optional_number(s.tokens_out) + numbers + ",\"queues\":" + queues_json() + "}\n";
    std::fputs(line.c_str(), out_);
  } else {
    std::string tokens = s.tokens_out ? " (" + std::to_string(*s.tokens_out) + " tokens)" : std::string();
    std::fprintf(out_, "aton: %zu record%s, %zu chunk%s, %s%s out in %.2f s (%.1f MB/s)\n", s.records,
                 s.records == 1 ? "" : "s", s.chunks, s.chunks == 1 ? "" : "s", megabytes(s.bytes_out).c_str(),
                 tokens.c_str(), s.seconds, rate);
  }
  std::fflush(out_);
}

void RunReporter::error(std::string_view message) {
  std::lock_guard lock(mutex_);
  clear_line();
  std::string line = "aton run: " + secrets_.shown(message) + "\n";
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

void RunReporter::failed(const Failure& f) {
  if (mode_ != ProgressMode::Json) return;
  std::lock_guard lock(mutex_);
  std::string line = "{\"event\":\"error\",\"stage\":";
  append_optional_string(f.stage, line);
  line += ",\"plugin\":";
  append_optional_string(f.plugin ? std::optional<std::string>(secrets_.shown(*f.plugin)) : std::nullopt, line);
  line += ",\"chunk\":";
  line += f.chunk ? std::to_string(*f.chunk) : std::string("null");
  line += ",\"message\":";
  append_json_string(secrets_.shown(f.message), line);
  line += ",\"exit_code\":" + std::to_string(f.exit_code) + "}";
  // JSON's escapes could in theory spell a secret anew: the last word is
  // the scrubbing's (a scrubbed line stays one line of JSON text).
  line = secrets_.scrub(line) + "\n";
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

}  // namespace aton::app
