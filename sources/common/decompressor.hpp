// Compressed input: gzip and zstd, told apart by their first bytes (never
// by the file's name), decompressed as they are read with memory that does
// not grow with the input (zlib's 32 KiB window; zstd's window, at most
// 128 MiB, the library's default limit, and 8 MiB or less at the levels
// people use).
//
// A stream may hold several gzip members or zstd frames back to back (what
// `cat a.gz b.gz`, `pigz` and the file sink's `compress` write): they are
// read as one text, as gzip -d and zstd -d do.
//
// Errors are std::runtime_error naming the input and the compressed byte
// where it went wrong: corrupt data, bytes after a member that are not
// another member, and a stream cut short (finish()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace aton::sources {

enum class Compression { none, gzip, zstd };

// "gzip", "zstd" or "none".
const char* compression_name(Compression kind);

// The most leading bytes compression_of() looks at.
constexpr std::size_t kMagicBytes = 4;

// What the first `size` bytes of an input say: gzip (1f 8b), zstd
// (28 b5 2f fd), or none. Fewer than kMagicBytes bytes only at the input's end.
Compression compression_of(const unsigned char* bytes, std::size_t size);

// The compression of the regular file at `path`, from its first bytes
// (pread: the file offset does not move); none when it cannot be read (the
// open that follows says why).
Compression compression_of_file(const std::string& path);
Compression compression_of_fd(int fd);

// One compressed stream, decompressed as bytes are fed to it.
//
// Usage: feed() bytes when needs_input(), call produce() until it gives 0
// and needs_input() again; at the end of the compressed bytes call
// finish(). The bytes given to feed() must stay valid until needs_input().
// Not thread-safe; one thread at a time.
class Decompressor {
 public:
  // `name`: the input, for messages ("data.jsonl.gz").
  Decompressor(Compression kind, std::string name);
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  Compression kind() const { return kind_; }
  // The bytes fed are all used and no output is held back inside.
  bool needs_input() const;
  void feed(const char* data, std::size_t size);
  // Up to `capacity` decompressed bytes; 0 when it needs input. Throws for
  // corrupt data.
  std::size_t produce(char* out, std::size_t capacity);
  // The compressed bytes ended: throws when they end inside a member or frame.
  void finish() const;
  // Back to the state before the first byte (to read the input again).
  void reset();

  // Compressed bytes used so far, and decompressed bytes given.
  std::uint64_t compressed_offset() const { return fed_ - pending_; }
  std::uint64_t decompressed_offset() const { return produced_; }

 private:
  [[noreturn]] void corrupt(const std::string& why) const;

  struct Zlib;
  struct Zstd;
  Compression kind_;
  std::string name_;
  std::unique_ptr<Zlib> zlib_;
  std::unique_ptr<Zstd> zstd_;
  const char* next_ = nullptr;  // the bytes fed and not yet used
  std::size_t pending_ = 0;
  std::uint64_t fed_ = 0, produced_ = 0;
  bool in_member_ = false;    // inside a gzip member or zstd frame
  bool output_full_ = false;  // the last produce() filled its buffer: more may be held inside
};

}  // namespace aton::sources
