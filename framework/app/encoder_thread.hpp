// `aton encode` on two cores: the caller reads records into batches while
// this thread encodes the previous ones and writes their chunks, the same
// split as the pipeline's source and encoder stages. At most `capacity`
// batches wait, so memory stays bounded whatever the input's size.
#pragma once

#include "cli_io.hpp"
#include "encode_stats.hpp"

#include <aton/encoder_options.hpp>
#include <aton/host/bounded_queue.hpp>
#include <aton/json.hpp>
#include <aton/stream_encoder.hpp>

#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace aton::app {

class EncoderThread {
 public:
  // `encoded_up_to` is told, from the thread, the text offset before which
  // no record is needed any more (RecordBatch::text_end). `stats`, when
  // given, sees every record too, on the thread (--stats).
  EncoderThread(const EncoderOptions& options, std::string table, Output& out,
                std::function<void(std::size_t)> encoded_up_to, EncodeStats* stats = nullptr,
                std::size_t capacity = 4);
  ~EncoderThread();  // stops the thread; what was not written is dropped
  EncoderThread(const EncoderThread&) = delete;
  EncoderThread& operator=(const EncoderThread&) = delete;

  // Takes the batch's records (they must stay valid until encoded) and
  // leaves an empty batch to fill next. Throws the thread's error, if any.
  void push(RecordBatch& batch);
  // Encodes the rest, closes the stream and writes the last chunks. Throws
  // the thread's error, if any.
  void finish();

 private:
  void run();
  void write_chunks();
  void rethrow();

  IncrementalEncoder encoder_;
  Output& out_;
  std::function<void(std::size_t)> encoded_up_to_;
  EncodeStats* stats_;
  host::BoundedQueue<RecordBatch> full_;
  std::mutex spares_mutex_;
  std::vector<RecordBatch> spares_;  // emptied batches, to be filled again
  std::exception_ptr error_;         // set by the thread before it cancels the queue
  std::thread thread_;
};

}  // namespace aton::app
