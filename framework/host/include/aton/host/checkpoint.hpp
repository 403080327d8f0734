// Checkpoints of resumable runs: what `aton run` records after every chunk
// that every sink has accepted, and what `aton run --resume` continues from.
//
// A checkpoint taken after chunk k holds:
// - the fingerprint of the pipeline it belongs to (encoder settings, every
//   plugin's name and resolved config), so a checkpoint of another config is
//   refused;
// - next_chunk = k + 1 and records = one past chunk k's last record;
// - the source's position after that record (the plugin's own text, which
//   also identifies the input, so the source refuses a changed input);
// - the encoder's state after chunk k (IncrementalEncoder::checkpoint);
// - each sink's state after it wrote chunk k (the plugins' own texts).
//
// FILE FORMAT. One JSON object on one line, then a line
// "#fnv1a64 <16 hex digits>" over every byte before it:
//   {"format":"aton-checkpoint","version":1,"config":"/abs/pipeline.json",
//    "pipeline":"<fingerprint>","next_chunk":12,"records":1200,
//    "source":{"plugin":"json","position":"..."},"encoder":"...",
//    "sinks":[{"plugin":"file","state":"..."}]}
// The plugins' texts are JSON strings, so a plugin may use any text. The
// checksum line makes a torn or edited file detectable even though writes
// are atomic (temporary file, fsync, rename, fsync of the folder).
//
// Errors: every refusal to resume is a ResumeError (a ConfigError: `aton
// run` exits 3) that names the checkpoint file and says what to do.
#pragma once

#include <aton/errors.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton::host {

struct ResolvedPipeline;

class ResumeError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

struct Checkpoint {
  struct Sink {
    std::string plugin;
    std::string state;
  };
  std::string config;    // the config file it was made for, for messages
  std::string pipeline;  // pipeline_fingerprint() of that run
  std::size_t next_chunk = 0;
  std::size_t records = 0;  // records in chunks 0..next_chunk-1
  std::string source_plugin;
  std::string source_position;
  std::string encoder;
  std::vector<Sink> sinks;
};

// The checkpoint's text, checksum line included.
std::string checkpoint_text(const Checkpoint& checkpoint);

// Reads a checkpoint's text. Throws ResumeError naming `file` when it is not
// a checkpoint, is damaged (torn, edited) or made by another version.
Checkpoint parse_checkpoint(std::string_view text, const std::filesystem::path& file);

// Reads the checkpoint at `file`. Throws ResumeError when there is none
// ("nothing to resume") or it cannot be read, as parse_checkpoint.
Checkpoint load_checkpoint(const std::filesystem::path& file);

// Writes `text` to `file` atomically: a temporary file beside it, written,
// fsynced when `durable`, renamed over `file`, then the folder fsynced when
// `durable`. A reader sees the old file or the new one, never a mix.
// Throws aton::Error naming the file and the OS's reason.
void write_file_atomically(const std::filesystem::path& file, std::string_view text, bool durable);

// Removes a finished run's checkpoint; a missing file is fine. Throws
// aton::Error when it exists and cannot be removed.
void remove_checkpoint(const std::filesystem::path& file);

// What identifies a pipeline for resuming: a hash of the encoder settings
// and of each plugin's name and resolved config (queue capacity and the
// checkpoint settings are left out: they do not change the output). The
// config's secrets are scrubbed first: none is hashed into the checkpoint,
// and a token rotated between a run and its resume does not block it.
std::string pipeline_fingerprint(const ResolvedPipeline& spec);

}  // namespace aton::host
