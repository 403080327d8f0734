#include "encoder_thread.hpp"

#include "messages.hpp"

#include <utility>

namespace aton::app {

EncoderThread::EncoderThread(const EncoderOptions& options, std::string table, Output& out,
                             std::function<void(std::size_t)> encoded_up_to, EncodeStats* stats,
                             std::size_t capacity)
    : encoder_(options, std::move(table)),
      out_(out),
      encoded_up_to_(std::move(encoded_up_to)),
      stats_(stats),
      full_(capacity) {
  thread_ = std::thread([this] { run(); });
}

EncoderThread::~EncoderThread() {
  full_.cancel();
  if (thread_.joinable()) thread_.join();
}

// Chunks joined by newlines, and one after the last.
void EncoderThread::write_chunks() {
  while (auto chunk = encoder_.pop()) {
    if (chunk->over_budget)
      print_error("encode", "warning: chunk " + std::to_string(chunk->chunk_id) + " (record " +
                                std::to_string(chunk->metadata.start_idx + 1) + ") is over the budget (" +
                                std::to_string(chunk->data.size()) + " bytes" +
                                (chunk->metadata.tokens ? ", " + std::to_string(*chunk->metadata.tokens) + " tokens" : "") +
                                "): the record is too large for any chunk, and --oversize own_chunk gave it its own");
    chunk->data.push_back('\n');
    out_.write(chunk->data);
  }
}

void EncoderThread::run() {
  try {
    while (auto batch = full_.pop()) {
      for (const Value& record : batch->records) {
        encoder_.push(record);
        if (stats_) stats_->push(record);
      }
      write_chunks();
      encoded_up_to_(batch->text_end);
      batch->clear();
      std::lock_guard lock(spares_mutex_);
      spares_.push_back(std::move(*batch));
    }
    encoder_.finish();
    if (stats_) stats_->finish();
    write_chunks();
  } catch (...) {
    error_ = std::current_exception();
    full_.cancel();  // the queue's lock orders error_ before the reader sees the cancel
  }
}

void EncoderThread::rethrow() {
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(error_);
}

void EncoderThread::push(RecordBatch& batch) {
  RecordBatch spare;
  {
    std::lock_guard lock(spares_mutex_);
    if (!spares_.empty()) {
      spare = std::move(spares_.back());
      spares_.pop_back();
    }
  }
  std::swap(batch, spare);
  if (!full_.push(std::move(spare))) rethrow();
}

void EncoderThread::finish() {
  full_.close();
  rethrow();
}

}  // namespace aton::app
