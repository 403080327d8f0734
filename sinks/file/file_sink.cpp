// The file sink: the guide's "File Writing" shape (chunk texts joined by a
// newline, none after the last), written with aton::OutputFile: to a
// temporary file beside the target, renamed into place by finish(), so a
// failed run never leaves a half file at the target path. A symlink is
// followed (the file it names is replaced); a device or FIFO is written
// through. With `per_chunk`, each chunk goes to its own file instead, named
// with its zero-padded chunk id, each renamed into place once complete.
//
// Resumable runs: the state after a chunk is the temporary file's name,
// identity (device, inode and birth time) and committed length (with fsync,
// the file is fsynced first, so a checkpoint never counts bytes a power cut
// could lose).
// A resume adopts that very file only (OutputFile::adopt: no symlink, no
// other file planted under its name), cuts it back to that length and
// appends; suspend() keeps it. When the file is gone because the
// interrupted run had renamed it into place already (the target is that
// file), finish() has nothing left to do. A device or FIFO cannot take bytes
// back: a resume goes on writing to it, like the stdout sink. With per_chunk
// every chunk is final once written: there is nothing to keep.
//
// Compressed (`compress`: gzip or zstd): each chunk, with the newline before
// it, is one gzip member or zstd frame (ChunkCompressor), so the committed
// length always ends between members and a resumed file is one stream.
#include "chunk_compressor.hpp"
#include "parent_folders.hpp"

#include <aton/output_file.hpp>
#include <aton/plugin.hpp>
#include <aton/request_template.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace aton::sinks {
namespace {

namespace fs = std::filesystem;

enum class Mode { overwrite, append, fail_if_exists };

Mode parse_mode(const std::string& text) {
  if (text == "overwrite") return Mode::overwrite;
  if (text == "append") return Mode::append;
  if (text == "fail_if_exists") return Mode::fail_if_exists;
  throw std::runtime_error("unknown mode '" + text +
                           "'; use overwrite, append or fail_if_exists");
}

constexpr std::string_view kChunkIdField = "{chunk_id}";
// per_chunk names hold the chunk id in at least this many digits, so that a
// shell glob lists them in chunk order (docs/sinks.md).
constexpr std::size_t kChunkIdWidth = 6;

void refuse_existing(const fs::path& path) {
  std::error_code ec;
  if (fs::exists(path, ec))
    throw std::runtime_error(path.string() +
                             " already exists (mode fail_if_exists); remove it or choose mode "
                             "overwrite or append");
}

class FileSink : public aton::sdk::Sink {
 public:
  // What can be told before anything is written (ABI 1.3; create() calls it
  // first): the options fit together, and no file stands in the way.
  static void check(const aton::sdk::Config& config, aton::sdk::Problems& problems) {
    using aton::sdk::Problems;
    std::string path = config.string("path"), pattern = config.string("per_chunk");
    std::string mode = config.string("mode", "overwrite");
    if (path.empty() == pattern.empty())
      problems.add("", "give exactly one of \"path\" (one file for the whole run) and \"per_chunk\" (one file "
                       "per chunk, e.g. \"out/part-{chunk_id}.aton\")");
    if (!pattern.empty()) {
      if (pattern.find(kChunkIdField) == std::string::npos)
        problems.add(Problems::key("per_chunk"), "\"" + pattern +
                                                     "\" must contain {chunk_id}, or every chunk would overwrite "
                                                     "the same file");
      if (mode == "append")
        problems.add(Problems::key("mode"), "mode append does not apply to per_chunk; use overwrite or "
                                            "fail_if_exists");
    }
    if (const auto* body = config.get("body"); body && !body->IsNull())
      aton::sdk::RequestTemplate::compile(*body, problems, Problems::key("body"));
    auto compress = parse_compress(config.string("compress", "none"));
    if (!compress)
      problems.add(Problems::key("compress"), "must be \"none\", \"gzip\" or \"zstd\"");
    else if (config.has("level")) {
      LevelRange range = level_range(*compress);
      std::int64_t level = config.integer("level");
      if (*compress == Compress::none)
        problems.add(Problems::key("level"), "applies to compression: set \"compress\" to gzip or zstd");
      else if (level < range.lowest || level > range.highest)
        problems.add(Problems::key("level"), std::string(*compress == Compress::gzip ? "gzip" : "zstd") +
                                                 " levels go from " + std::to_string(range.lowest) + " to " +
                                                 std::to_string(range.highest));
    }
    if (pattern.empty() && !path.empty()) {
      std::error_code ec;
      if (fs::is_directory(path, ec))
        problems.add(Problems::key("path"), path + " is a folder; give the path of the file to write");
      else if (mode == "fail_if_exists" && fs::exists(path, ec))
        problems.add(Problems::key("path"), path + " already exists (mode fail_if_exists); remove it or choose "
                                                   "mode overwrite or append");
    }
  }

  explicit FileSink(const aton::sdk::Context& context)
      : mode_(parse_mode(context.config.string("mode", "overwrite"))),
        durable_(context.config.boolean("fsync")),
        pattern_(context.config.string("per_chunk")) {
    std::string path = context.config.string("path");
    aton::sdk::Problems unused;  // check() refused any problem before the constructor runs
    if (const auto* body = context.config.get("body"); body && !body->IsNull())
      body_ = aton::sdk::RequestTemplate::compile(*body, unused, "/body");
    compress_ = parse_compress(context.config.string("compress", "none")).value_or(Compress::none);
    if (compress_ != Compress::none)
      compressor_.emplace(compress_, static_cast<int>(context.config.integer("level", level_range(compress_).fallback)));
    if (!pattern_.empty()) {
      if (mode_ == Mode::fail_if_exists) refuse_existing(part_path(0));
      return;
    }
    if (mode_ == Mode::fail_if_exists) refuse_existing(path);  // again: it may have appeared since the check
    create_parent_folders(path);
    file_.emplace(fs::path(path));
    if (mode_ == Mode::append) {
      bool ends_with_newline = false;
      std::uint64_t existing = file_->copy_existing_target(ends_with_newline);
      if (existing > 0 && compressor_) {
        // The last byte is compressed: what the text ends with is not known
        // without reading it all. This sink's files end without a newline,
        // and a rendered body's lines with one.
        refuse_other_stream(path);
        separator_pending_ = !body_;
      } else if (existing > 0 && !ends_with_newline) {
        separator_pending_ = true;
      }
    }
  }

  void write(const aton_chunk& chunk) override {
    std::string_view data(chunk.data, chunk.size);
    if (body_) {
      line_.clear();
      body_->render(aton::sdk::ChunkFields::of(chunk), line_);
      line_ += '\n';  // JSON Lines: every line ends with one
      data = line_;
    }
    if (!pattern_.empty()) {
      fs::path path = part_path(chunk.chunk_id);
      create_parent_folders(path);
      aton::OutputFile part(path);
      part.write(compressor_ ? compressor_->compress({}, data) : data);
      commit(part);
      return;
    }
    if (complete_)
      throw std::runtime_error("the output " + file_->target().string() +
                               " is complete already (the interrupted run renamed it into place)");
    std::string_view separator = separator_pending_ ? "\n" : "";
    if (compressor_) {
      file_->write(compressor_->compress(separator, data));  // one member: a checkpoint ends between members
    } else {
      file_->write(separator);
      file_->write(data);
    }
    separator_pending_ = !body_;  // a rendered line carries its own newline
  }

  void finish() override {
    if (!file_) return;
    commit(*file_);
    file_->remove_stale_temps();  // the target is whole now: a killed run's partial file is garbage
  }

  void abort() noexcept override {
    if (file_) file_->discard();
  }

  std::string save_state() {
    if (!file_) return "{\"per_chunk\":true}";
    if (durable_) file_->sync();
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    w.StartObject();
    if (file_->direct()) {
      w.Key("direct");
      w.Bool(true);
    } else {
      w.Key("temp");
      w.String(file_->temp().c_str());
      w.Key("device");
      w.Uint64(file_->id().device);
      w.Key("inode");
      w.Uint64(file_->id().inode);
      w.Key("born_ns");
      w.Uint64(file_->id().born_ns);
      w.Key("length");
      w.Uint64(file_->length());
    }
    w.Key("separator_pending");
    w.Bool(separator_pending_);
    w.EndObject();
    return out.GetString();
  }

  void restore_state(std::string_view text) {
    rapidjson::Document state;
    state.Parse(text.data(), text.size());
    if (state.HasParseError() || !state.IsObject())
      throw std::runtime_error("the saved state is not a JSON object");
    if (!file_) return;  // per_chunk: the chunks written are final already
    auto separator = state.FindMember("separator_pending");
    if (separator == state.MemberEnd() || !separator->value.IsBool())
      throw std::runtime_error("the saved state lacks separator_pending (was it saved with per_chunk?)");
    const std::string target = file_->target().string();
    if (file_->direct() && !state.HasMember("direct"))
      throw std::runtime_error(target + " is a device or FIFO now, not the file the interrupted run wrote; run "
                               "again without --resume");
    if (!file_->direct() && state.HasMember("direct"))
      throw std::runtime_error("the interrupted run wrote through " + target +
                               " (a device or FIFO), which is a file now; run again without --resume");
    separator_pending_ = separator->value.GetBool();
    if (file_->direct()) return;  // a stream takes nothing back: the next chunks follow what it got
    auto lacks = [](const char* name) {
      return std::runtime_error(std::string("the saved state lacks \"") + name +
                                "\" (saved by an older aton?); run again without --resume");
    };
    auto count = [&](const char* name) {
      auto it = state.FindMember(name);
      if (it == state.MemberEnd() || !it->value.IsUint64()) throw lacks(name);
      return it->value.GetUint64();
    };
    auto temp = state.FindMember("temp");
    if (temp == state.MemberEnd() || !temp->value.IsString()) throw lacks("temp");
    aton::FileId id{count("device"), count("inode"), count("born_ns")};
    complete_ = file_->adopt(fs::path(temp->value.GetString()), id, count("length")) ==
                aton::OutputFile::Adoption::already_in_place;
  }

  void suspend() noexcept {
    if (file_) file_->keep();
  }

 private:
  void commit(aton::OutputFile& file) {
    auto replace = mode_ == Mode::fail_if_exists ? aton::OutputFile::Replace::no : aton::OutputFile::Replace::yes;
    if (!file.commit(durable_, replace))
      throw std::runtime_error("cannot write " + file.target().string() +
                               ": it already exists (mode fail_if_exists); remove it or choose "
                               "mode overwrite or append");
  }

  // Appending: gzip members after a zstd file (or a plain one) would make a
  // file that no tool reads whole.
  void refuse_other_stream(const std::string& path) const {
    char first[4] = {};
    std::ifstream in(path, std::ios::binary);
    in.read(first, sizeof first);
    std::string_view bytes(first, static_cast<std::size_t>(in.gcount()));
    if (!starts_stream(compress_, bytes))
      throw std::runtime_error(path + " is not a " + (compress_ == Compress::gzip ? "gzip" : "zstd") +
                               " file: appending compressed chunks to it would make a file no tool reads whole; "
                               "choose mode overwrite, another path, or the file's own compression");
  }

  fs::path part_path(std::uint64_t chunk_id) const {
    std::string path = pattern_;
    std::string id = std::to_string(chunk_id);
    if (id.size() < kChunkIdWidth) id.insert(0, kChunkIdWidth - id.size(), '0');
    for (auto at = path.find(kChunkIdField); at != std::string::npos;
         at = path.find(kChunkIdField, at + id.size()))
      path.replace(at, kChunkIdField.size(), id);
    return path;
  }

  Mode mode_;
  bool durable_;
  std::string pattern_;
  std::optional<aton::sdk::RequestTemplate> body_;
  std::string line_;  // this chunk's rendered request, reused
  std::optional<aton::OutputFile> file_;
  Compress compress_ = Compress::none;
  std::optional<ChunkCompressor> compressor_;
  bool separator_pending_ = false;
  bool complete_ = false;  // resumed after the interrupted run had renamed its output into place
};

const aton_option kOptions[] = {
    {"path", "path", nullptr, 0,
     "The file to write, relative to the config file's folder (or use per_chunk).", nullptr},
    {"mode", "string", "\"overwrite\"", 0,
     "What to do when the file exists: overwrite it, append to it, or fail_if_exists.",
     "{\"enum\":[\"overwrite\",\"append\",\"fail_if_exists\"]}"},
    {"fsync", "boolean", "false", 0,
     "Makes the data durable (fsync of the file and its folder) before it is renamed into place.",
     nullptr},
    {"per_chunk", "path", nullptr, 0,
     "Writes one file per chunk instead of one file, e.g. \"out/part-{chunk_id}.aton\"; {chunk_id} becomes the "
     "chunk id zero-padded to 6 digits (part-000012.aton).",
     nullptr},
    {"body", "object", nullptr, 0,
     "Writes each chunk as this JSON request template rendered (the http sink's placeholders, {{chunk}}, "
     "{{chunk_id}}, ...), one line each: a JSON Lines file for a batch API.",
     nullptr},
    {"compress", "string", "\"none\"", 0,
     "Compresses the output: gzip or zstd, each chunk one gzip member or zstd frame, so that a resumed file is "
     "still one stream (zcat and zstd -dc read it whole). The name is not changed: give it .gz or .zst.",
     "{\"enum\":[\"none\",\"gzip\",\"zstd\"]}"},
    {"level", "integer", nullptr, 0,
     "The compression level: gzip 1-9 (default 6), zstd 1-19 (default 3).", "{\"minimum\":1,\"maximum\":19}"},
};

}  // namespace
}  // namespace aton::sinks

ATON_SINK_PLUGIN(aton::sinks::FileSink, "file", "1.2.0",
                 "Writes the chunks to a file (or one file per chunk), renamed into place when "
                 "complete.",
                 aton::sinks::kOptions)
