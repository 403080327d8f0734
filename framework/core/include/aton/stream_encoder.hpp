// The streaming encoder of the guide, in two forms.
//
// StreamEncoder::stream_encode(data, table) walks a record set already in
// memory and yields its chunks lazily, one at a time, exactly as the guide's
// streamEncode(): chunk 0 carries @schema, @defaults, @dict and
// `table(N):`; later chunks carry `table+(N):` and rows only. With
// EncoderOptions::self_contained every chunk is instead a document of its
// own: `@chunk[id:N, stream:"S"]`, the whole schema, the defaults, the
// dictionary entries its rows use, `table(N):` (docs/FORMAT.md, 5).
//
// IncrementalEncoder is the same encoder for sources of unknown length (the
// pipeline's encoder stage): records are pushed one at a time and chunks are
// popped as they complete. The first sample_size records fix the schema,
// defaults and dictionary; they are the only records ever held (copied into
// the encoder's arena). After that each record is written to row text at
// once, so memory holds at most one chunk of text being built and one
// complete chunk waiting for pop().
//
// While the total is unknown, a completed chunk is held back until the next
// record arrives or finish() is called, because only then is is_last known;
// total_chunks and total_records are empty until the last chunk. A stream
// that cannot wait calls release() or flush() instead (see there).
#pragma once

#include <aton/chunk.hpp>
#include <aton/encoder_options.hpp>
#include <aton/value.hpp>

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace aton {

class IncrementalEncoder {
 public:
  // Throws EncodingError on invalid options.
  IncrementalEncoder(EncoderOptions options, std::string table,
                     std::optional<std::size_t> total_records = std::nullopt);
  ~IncrementalEncoder();
  IncrementalEncoder(IncrementalEncoder&&) noexcept;
  IncrementalEncoder& operator=(IncrementalEncoder&&) noexcept;

  // Optional: fixes schema, defaults and dictionary from `sample` without
  // copying it. The sample records must still be pushed, in order.
  void prime(std::span<const Value> sample);

  // Adds one record (an Object; anything else is an EncodingError). The
  // record is only read during the call.
  void push(const Value& record);

  // The source's own estimate of progress (0..1) while the total is unknown.
  void set_progress(double fraction) noexcept;
  // The total, once the source learns it.
  void set_total_records(std::size_t total) noexcept;

  // No more records: completes the last chunk (an empty table yields one
  // chunk with the header and `table(0):`). When the last chunk out went
  // out not marked last (release(), flush()), this is an empty closing
  // chunk, `table+(0):`, marked last with the final totals.
  void finish();

  // Streams that must not wait (the host's flush interval). release(): a
  // completed chunk held back to learn whether it is the last goes out now,
  // marked last only when the total says so. flush(): also closes the sample
  // (schema, defaults and dictionary fixed from the records so far; a key
  // seen later is added with @schema+ as usual) and emits the chunk being
  // built short. After a short chunk, total_chunks stays unknown until the
  // last chunk.
  void release();
  void flush();

  // The next completed chunk, in order, or nothing.
  std::optional<Chunk> pop();

  std::size_t records_pushed() const noexcept;
  std::size_t chunks_completed() const noexcept;

  // Resumable runs. checkpoint(chunk) describes, as JSON text, everything
  // needed to continue the stream right after `chunk` (a chunk this encoder
  // produced): the columns declared so far with their types and defaults,
  // the dictionary, the string rule, the next chunk id and record index.
  // resume() makes an encoder that continues from such a checkpoint: its
  // next chunk is a continuation (`table+(N):`) with the next chunk id, and
  // pushing the records that followed `chunk` gives the same text the
  // original encoder would have given. Throws EncodingError on a checkpoint
  // it cannot read, or one made for another table or chunk size.
  // checkpoint() keeps a cache: like push(), call it from one thread.
  std::string checkpoint(const Chunk& chunk) const;
  static IncrementalEncoder resume(EncoderOptions options, std::string table, std::string_view checkpoint,
                                   std::optional<std::size_t> total_records = std::nullopt);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A lazy sequence of chunks: call next() or iterate. Views the data given to
// stream_encode(), which must outlive it.
class ChunkStream {
 public:
  ChunkStream(IncrementalEncoder encoder, std::span<const Value> records);

  // The next chunk, or nothing after the last.
  std::optional<Chunk> next();

  class iterator {
   public:
    using value_type = Chunk;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(ChunkStream* stream) : stream_(stream) { ++*this; }
    Chunk& operator*() { return *current_; }
    Chunk* operator->() { return &*current_; }
    iterator& operator++() {
      current_ = stream_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return !it.current_; }

   private:
    ChunkStream* stream_ = nullptr;
    std::optional<Chunk> current_;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  IncrementalEncoder encoder_;
  std::span<const Value> records_;
  std::size_t next_record_ = 0;
  bool finished_ = false;
};

class StreamEncoder {
 public:
  // Throws EncodingError when chunk_size is 0 or another option is invalid.
  explicit StreamEncoder(EncoderOptions options = {});

  // `data` is an object of tables, {"users": [...], "orders": [...]}, or a
  // bare array of records (the table is then called `records`). With several
  // tables `table` must name one, else EncodingError lists them; an unknown
  // table is an EncodingError too.
  ChunkStream stream_encode(const Value& data,
                            std::optional<std::string_view> table = std::nullopt) const;

  // Every chunk's data joined by '\n', as the guide's "File Writing".
  std::string encode(const Value& data, std::optional<std::string_view> table = std::nullopt) const;

  const EncoderOptions& options() const noexcept { return options_; }

 private:
  EncoderOptions options_;
};

// Finds the records of `table` in `data` (see stream_encode) and returns them
// with the table's name. Throws EncodingError.
std::pair<std::string, std::span<const Value>> select_table(
    const Value& data, std::optional<std::string_view> table);

}  // namespace aton
