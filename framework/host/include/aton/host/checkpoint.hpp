// Checkpoints of resumable runs: what `aton run` records after every chunk
// that every sink has accepted, and what `aton run --resume` continues from.
//
// A checkpoint taken after chunk k holds:
// - the fingerprint of the pipeline it belongs to (encoder settings, every
//   plugin's name and resolved config), so a checkpoint of another config is
//   refused;
// - next_chunk = k + 1 and records = one past chunk k's last record;
// - the source's position at a batch end at or before that record (the
//   plugin's own text, which also identifies the input, so the source
//   refuses a changed input) and `skip`, the records from there to chunk
//   k's end, which --resume reads again and drops (checkpoint_tracker.hpp);
// - the encoder's state after chunk k (IncrementalEncoder::checkpoint);
// - each sink's state after it wrote chunk k (the plugins' own texts).
// A run whose every chunk reached every sink writes one last checkpoint,
// marked "finishing", before it calls the sinks' finish(): each sink's state
// after the last chunk, no source position, no encoder state. A run stopped
// after that point (kill -9 between a file's final rename and the
// checkpoint's removal) is recognisable: --resume only completes each
// sink's finish (a file already renamed into place is left alone) and reads
// and writes nothing else, so `mode: append` never appends twice.
//
// FILE FORMAT. One JSON object on one line, then a line
// "#fnv1a64 <16 hex digits>" over every byte before it:
//   {"format":"aton-checkpoint","version":1,"config":"/abs/pipeline.json",
//    "pipeline":"<fingerprint>","next_chunk":12,"records":1200,
//    "source":{"plugin":"json","position":"..."},"encoder":"...",
//    "sinks":[{"plugin":"file","state":"..."}]}
// and, in a finishing checkpoint only, a last member "finishing":true.
// When skip is not 0, "source" has a last member "skip":N and the version
// is 2, so that an aton that reads only version 1 (and would not skip)
// refuses it rather than repeat N records.
// The plugins' texts are JSON strings, so a plugin may use any text. The
// checksum line makes a torn or edited file detectable even though writes
// are atomic (aton::OutputFile: a temporary file with an unguessable name
// created without following symlinks, fsync, rename, fsync of the folder).
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
  std::size_t source_skip = 0;  // records from source_position to `records`
  std::string encoder;
  std::vector<Sink> sinks;
  // Every chunk reached every sink; the sinks were finishing (see above).
  bool finishing = false;
};

// The checkpoint's text, checksum line included.
std::string checkpoint_text(const Checkpoint& checkpoint);

// Reads a checkpoint's text. Throws ResumeError naming `file` when it is not
// a checkpoint, is damaged (torn, edited) or made by another version.
Checkpoint parse_checkpoint(std::string_view text, const std::filesystem::path& file);

// Reads the checkpoint at `file`. Throws ResumeError when there is none
// ("nothing to resume") or it cannot be read, as parse_checkpoint.
Checkpoint load_checkpoint(const std::filesystem::path& file);

// Writes `text` to `file` atomically with aton::OutputFile: a temporary file
// beside it (O_EXCL|O_NOFOLLOW, an unguessable name), written, fsynced when
// `durable`, renamed over `file`, then the folder fsynced when `durable`. A
// reader sees the old file or the new one, never a mix. Throws aton::Error
// naming the file and the OS's reason.
void write_file_atomically(const std::filesystem::path& file, std::string_view text, bool durable);

// Refuses, before anything starts, a checkpoint.path a run could not use or
// must not touch: an existing file that is not an aton checkpoint (the
// input, the config, any user file: a run would overwrite it and remove it
// at the end), a folder that is missing or not writable. Nothing is checked
// when the run would write no checkpoint (checkpoint.enabled false, or a
// plugin that cannot resume). Throws ConfigError "<config>: /checkpoint/path: ...".
void check_checkpoint_path(const ResolvedPipeline& spec);

// Removes a finished run's checkpoint, and the temporary files of killed
// checkpoint writes; a missing file is fine. Throws aton::Error when it
// exists and cannot be removed.
void remove_checkpoint(const std::filesystem::path& file);

// What identifies a pipeline for resuming: a hash of the encoder settings
// and of each plugin's name and resolved config (queue capacity and the
// checkpoint settings are left out: they do not change the output). The
// config's secrets are scrubbed first: none is hashed into the checkpoint,
// and a token rotated between a run and its resume does not block it.
std::string pipeline_fingerprint(const ResolvedPipeline& spec);

}  // namespace aton::host
