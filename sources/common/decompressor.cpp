#include "decompressor.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <stdexcept>

namespace aton::sources {

const char* compression_name(Compression kind) {
  switch (kind) {
    case Compression::gzip: return "gzip";
    case Compression::zstd: return "zstd";
    default: return "none";
  }
}

Compression compression_of(const unsigned char* bytes, std::size_t size) {
  if (size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return Compression::gzip;
  if (size >= 4 && bytes[0] == 0x28 && bytes[1] == 0xb5 && bytes[2] == 0x2f && bytes[3] == 0xfd)
    return Compression::zstd;
  return Compression::none;
}

Compression compression_of_fd(int fd) {
  unsigned char magic[kMagicBytes];
  ssize_t got = ::pread(fd, magic, sizeof magic, 0);
  return got > 0 ? compression_of(magic, static_cast<std::size_t>(got)) : Compression::none;
}

Compression compression_of_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Compression::none;
  Compression kind = compression_of_fd(fd);
  ::close(fd);
  return kind;
}

struct Decompressor::Zlib {
  z_stream z{};
  Zlib() {
    // 16 + MAX_WBITS: gzip framing only (a raw or zlib stream is not gzip).
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
  }
  ~Zlib() { inflateEnd(&z); }
};

struct Decompressor::Zstd {
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  Zstd() {
    if (!ctx) throw std::bad_alloc();
  }
  ~Zstd() { ZSTD_freeDCtx(ctx); }
};

Decompressor::Decompressor(Compression kind, std::string name) : kind_(kind), name_(std::move(name)) {
  if (kind_ == Compression::gzip) zlib_ = std::make_unique<Zlib>();
  else if (kind_ == Compression::zstd) zstd_ = std::make_unique<Zstd>();
  else throw std::logic_error("Decompressor: no compression to undo");
}

Decompressor::~Decompressor() = default;

bool Decompressor::needs_input() const { return pending_ == 0 && !output_full_; }

void Decompressor::feed(const char* data, std::size_t size) {
  next_ = data;
  pending_ = size;
  fed_ += size;
}

void Decompressor::corrupt(const std::string& why) const {
  const char* kind = compression_name(kind_);
  throw std::runtime_error(name_ + ": corrupt " + kind + " data at compressed byte " +
                           std::to_string(compressed_offset()) + " (" + why + "); the file is damaged: `" + kind +
                           " -t " + name_ + "` checks it");
}

std::size_t Decompressor::produce(char* out, std::size_t capacity) {
  std::size_t made = 0;
  // Each turn uses input or makes output (or throws), so this ends.
  while (made == 0 && (pending_ > 0 || output_full_) && capacity > 0) {
    if (zlib_) {
      if (!in_member_ && pending_ > 0 && static_cast<unsigned char>(*next_) != 0x1f)
        corrupt("bytes after the end of a gzip member that do not start another member");
      z_stream& z = zlib_->z;
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(next_));
      z.avail_in = static_cast<uInt>(pending_);
      z.next_out = reinterpret_cast<Bytef*>(out);
      z.avail_out = static_cast<uInt>(capacity);
      int rc = inflate(&z, Z_NO_FLUSH);
      std::size_t used = pending_ - z.avail_in;
      made = capacity - z.avail_out;
      next_ += used;
      pending_ = z.avail_in;
      output_full_ = z.avail_out == 0;
      if (used > 0) in_member_ = true;
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        output_full_ = false;
        inflateReset(&z);
      } else if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR) {
        corrupt(z.msg ? z.msg : "zlib error " + std::to_string(rc));
      }
    } else {
      ZSTD_inBuffer in{next_, pending_, 0};
      ZSTD_outBuffer o{out, capacity, 0};
      std::size_t rc = ZSTD_decompressStream(zstd_->ctx, &o, &in);
      if (ZSTD_isError(rc)) corrupt(ZSTD_getErrorName(rc));
      made = o.pos;
      next_ += in.pos;
      pending_ -= in.pos;
      output_full_ = o.pos == o.size;
      if (in.pos > 0 || o.pos > 0) in_member_ = rc != 0;
    }
  }
  produced_ += made;
  return made;
}

void Decompressor::finish() const {
  if (!in_member_) return;
  const char* kind = compression_name(kind_);
  throw std::runtime_error(name_ + ": the " + std::string(kind) + " data is cut short: the file ends inside a " +
                           (zlib_ ? "gzip member" : "zstd frame") + " at compressed byte " +
                           std::to_string(compressed_offset()) + " (after " + std::to_string(produced_) +
                           " uncompressed bytes); is the file complete? `" + kind + " -t " + name_ + "` checks it");
}

void Decompressor::reset() {
  if (zlib_) inflateReset(&zlib_->z);
  if (zstd_) ZSTD_DCtx_reset(zstd_->ctx, ZSTD_reset_session_only);
  next_ = nullptr;
  pending_ = 0;
  fed_ = produced_ = 0;
  in_member_ = output_full_ = false;
}

}  // namespace aton::sources
