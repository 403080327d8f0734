// The http sink's `responses` file: JSON Lines, one line per chunk in chunk
// order, {"chunk_id": 3, "status": 200, "body": ...}, where body is the
// answer as JSON when it parses (or only the part a JSON pointer names),
// else as a string.
//
// Written with aton::OutputFile: to a temporary file beside the target,
// renamed into place by commit(), so the target never holds a partial
// file. Each line goes out in one write, so a killed run leaves whole lines
// and at most one cut line at the end.
//
// Resume: the state names the temporary file (identity and length, as the
// file sink's does) and how many lines it held. A killed run may have
// written lines after its last checkpoint; resume() keeps every whole line
// that continues the chunk order (so those chunks are not sent again), cuts
// anything after, and adopts the very file the interrupted run wrote.
// Not thread-safe: the sink's host thread only.
#pragma once

#include <aton/output_file.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace aton::sinks {

class ResponsesFile {
 public:
  // pointer: "" for the whole body, else an RFC 6901 pointer into it.
  ResponsesFile(const std::filesystem::path& path, std::string pointer);

  // Appends chunk `chunk_id`'s line; lines() must equal chunk_id.
  void record(std::uint64_t chunk_id, long status, std::string_view body);
  // The chunks recorded so far: ids 0 .. lines()-1.
  std::uint64_t lines() const noexcept { return lines_; }
  // resume() found the file renamed into place by the interrupted run:
  // every chunk is answered.
  bool complete() const noexcept { return complete_; }

  // Adds this file's resume state to `w` (an object's members).
  template <class Writer>
  void save(Writer& w) const {
    w.Key("temp");
    w.String(file_.temp().c_str());
    w.Key("device");
    w.Uint64(file_.id().device);
    w.Key("inode");
    w.Uint64(file_.id().inode);
    w.Key("born_ns");
    w.Uint64(file_.id().born_ns);
    w.Key("length");
    w.Uint64(file_.length());
    w.Key("lines");
    w.Uint64(lines_);
  }
  // Continues from a saved state (see the header comment).
  void resume(const rapidjson::Value& state);

  void commit(bool durable);
  void discard() noexcept { file_.discard(); }
  void keep() noexcept { file_.keep(); }
  const std::filesystem::path& target() const noexcept { return file_.target(); }

 private:
  aton::OutputFile file_;
  std::string pointer_;
  std::uint64_t lines_ = 0;
  bool complete_ = false;  // the interrupted run renamed it into place already
};

// The line for one answer, without its newline.
std::string response_line(std::uint64_t chunk_id, long status, std::string_view body, const std::string& pointer);

}  // namespace aton::sinks
