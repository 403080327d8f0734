#include <aton/host/checkpoint.hpp>

#include <aton/host/pipeline.hpp>
#include <aton/output_file.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace aton::host {

namespace {

constexpr std::string_view kFormat = "aton-checkpoint";
constexpr int kVersion = 1;
constexpr int kVersionWithSkip = 2;  // the same, with "source":{..., "skip":N}
constexpr std::string_view kChecksumPrefix = "#fnv1a64 ";

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t hash = 14695981039346656037ull) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string hex(std::uint64_t value) {
  static const char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, value >>= 4) out[static_cast<std::size_t>(i)] = digits[value & 0xF];
  return out;
}

[[noreturn]] void refuse(const fs::path& file, const std::string& why) {
  throw ResumeError("cannot resume from the checkpoint " + file.string() + ": " + why);
}

const rapidjson::Value& member(const rapidjson::Value& object, const char* name, const fs::path& file) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) refuse(file, std::string("it has no \"") + name + "\"");
  return it->value;
}

std::string string_member(const rapidjson::Value& object, const char* name, const fs::path& file) {
  const auto& v = member(object, name, file);
  if (!v.IsString()) refuse(file, std::string("\"") + name + "\" is not a string");
  return {v.GetString(), v.GetStringLength()};
}

std::size_t count_member(const rapidjson::Value& object, const char* name, const fs::path& file) {
  const auto& v = member(object, name, file);
  if (!v.IsUint64()) refuse(file, std::string("\"") + name + "\" is not a count");
  return static_cast<std::size_t>(v.GetUint64());
}

}  // namespace

std::string checkpoint_text(const Checkpoint& c) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto string = [&](std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  w.Key("format");
  string(kFormat);
  w.Key("version");
  w.Int(c.source_skip ? kVersionWithSkip : kVersion);
  w.Key("config");
  string(c.config);
  w.Key("pipeline");
  string(c.pipeline);
  w.Key("next_chunk");
  w.Uint64(c.next_chunk);
  w.Key("records");
  w.Uint64(c.records);
  w.Key("source");
  w.StartObject();
  w.Key("plugin");
  string(c.source_plugin);
  w.Key("position");
  string(c.source_position);
  if (c.source_skip) {
    w.Key("skip");
    w.Uint64(c.source_skip);
  }
  w.EndObject();
  w.Key("encoder");
  string(c.encoder);
  w.Key("sinks");
  w.StartArray();
  for (const auto& s : c.sinks) {
    w.StartObject();
    w.Key("plugin");
    string(s.plugin);
    w.Key("state");
    string(s.state);
    w.EndObject();
  }
  w.EndArray();
  if (c.finishing) {
    w.Key("finishing");
    w.Bool(true);
  }
  w.EndObject();
  std::string text(buffer.GetString(), buffer.GetSize());
  text += '\n';
  std::string sum = hex(fnv1a64(text));  // over the body and its newline
  text += kChecksumPrefix;
  text += sum;
  text += '\n';
  return text;
}

Checkpoint parse_checkpoint(std::string_view text, const fs::path& file) {
  // The body, then the checksum line over it.
  std::size_t mark = text.rfind(kChecksumPrefix);
  if (text.substr(0, 2) != "{\"" || mark == std::string_view::npos) {
    if (text.find("\"format\":\"aton-checkpoint\"") != std::string_view::npos)
      refuse(file, "it is damaged (cut short: a torn write?); run again without --resume");
    refuse(file, "it is not an aton checkpoint; give the right checkpoint.path, or run without --resume");
  }
  std::string_view body = text.substr(0, mark);
  std::string_view sum = text.substr(mark + kChecksumPrefix.size());
  while (!sum.empty() && (sum.back() == '\n' || sum.back() == '\r')) sum.remove_suffix(1);
  if (sum != hex(fnv1a64(body)))
    refuse(file, "it is damaged (its checksum does not match: a torn write, or an edit); run again "
                 "without --resume");

  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) refuse(file, "it is damaged (not a JSON object)");
  if (string_member(doc, "format", file) != kFormat) refuse(file, "it is not an aton checkpoint");
  const auto& version = member(doc, "version", file);
  if (!version.IsInt() || (version.GetInt() != kVersion && version.GetInt() != kVersionWithSkip))
    refuse(file, "it was written by another version of aton (checkpoint version " +
                     (version.IsInt() ? std::to_string(version.GetInt()) : std::string("?")) + ", this aton reads " +
                     std::to_string(kVersion) + " and " + std::to_string(kVersionWithSkip) +
                     "); run again without --resume");
  Checkpoint c;
  c.config = string_member(doc, "config", file);
  c.pipeline = string_member(doc, "pipeline", file);
  c.next_chunk = count_member(doc, "next_chunk", file);
  c.records = count_member(doc, "records", file);
  const auto& source = member(doc, "source", file);
  if (!source.IsObject()) refuse(file, "\"source\" is not an object");
  c.source_plugin = string_member(source, "plugin", file);
  c.source_position = string_member(source, "position", file);
  if (source.HasMember("skip")) c.source_skip = count_member(source, "skip", file);
  if (c.source_skip > c.records) refuse(file, "\"skip\" is more than \"records\"");
  c.encoder = string_member(doc, "encoder", file);
  const auto& sinks = member(doc, "sinks", file);
  if (!sinks.IsArray()) refuse(file, "\"sinks\" is not an array");
  for (const auto& s : sinks.GetArray()) {
    if (!s.IsObject()) refuse(file, "a sink is not an object");
    c.sinks.push_back({string_member(s, "plugin", file), string_member(s, "state", file)});
  }
  auto finishing = doc.FindMember("finishing");
  if (finishing != doc.MemberEnd()) {
    if (!finishing->value.IsBool()) refuse(file, "\"finishing\" is not a boolean");
    c.finishing = finishing->value.GetBool();
  }
  return c;
}

Checkpoint load_checkpoint(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw ResumeError("--resume: there is no checkpoint " + file.string() +
                      ": nothing to resume (the last run finished, or never wrote one); run without "
                      "--resume");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ResumeError("--resume: cannot read the checkpoint " + file.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_checkpoint(text.str(), file);
}

void write_file_atomically(const fs::path& file, std::string_view text, bool durable) {
  OutputFile out(file, 0644);
  out.write(text);
  if (!out.commit(durable)) throw Error("cannot replace " + file.string());  // Replace::yes: never false
}

void check_checkpoint_path(const ResolvedPipeline& spec) {
  if (!spec.checkpoint.enabled || why_not_resumable(spec)) return;
  const fs::path& file = spec.checkpoint.path;
  const std::string where = spec.config_file.string() + ": /checkpoint/path: ";
  const std::string way_out = ": set checkpoint.path to a writable place, or checkpoint.enabled to false";
  struct stat st;
  if (::stat(file.c_str(), &st) == 0) {
    std::string head;
    if (S_ISREG(st.st_mode)) {
      // Its first bytes are enough: a checkpoint begins with its format's name.
      std::ifstream in(file, std::ios::binary);
      head.resize(64);
      in.read(head.data(), static_cast<std::streamsize>(head.size()));
      head.resize(static_cast<std::size_t>(in.gcount()));
    }
    std::string start = "{\"format\":\"";
    start += kFormat;
    if (head.rfind(start, 0) != 0) {
      const char* kind = S_ISREG(st.st_mode) ? "a file" : S_ISDIR(st.st_mode) ? "a folder" : "a device, FIFO or socket";
      throw ConfigError(where + file.string() + " is " + kind +
                        " that is not an aton checkpoint: a run would overwrite it with checkpoint text and remove "
                        "it at the end; give checkpoint.path a name of its own, or set checkpoint.enabled to false");
    }
  } else if (errno != ENOENT) {
    throw ConfigError(where + io_error("cannot reach", file, errno) + way_out);
  }
  fs::path folder = file.parent_path();
  if (::stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw ConfigError(where + "the folder " + folder.string() + " of " + file.string() + " does not exist" + way_out);
  if (::faccessat(AT_FDCWD, folder.c_str(), W_OK | X_OK, AT_EACCESS) != 0)
    throw ConfigError(where + io_error("cannot write in the folder", folder, errno) + way_out);
}

void remove_checkpoint(const fs::path& file) {
  if (::unlink(file.c_str()) != 0 && errno != ENOENT)
    throw Error(io_error("cannot remove the finished run's checkpoint", file, errno));
  remove_stale_temps(file);  // of checkpoint writes a kill cut short, if any
}

std::string pipeline_fingerprint(const ResolvedPipeline& spec) {
  std::string text = "chunk_size=" + std::to_string(spec.encoder.chunk_size) +
                     ";compression=" + std::string(compression_name(spec.encoder.compression)) +
                     ";sample_size=" + std::to_string(spec.encoder.sample_size) +
                     ";on_new_key=" + (spec.encoder.on_new_key == NewKeyPolicy::Error ? "error" : "extend");
  // Only when on, so that checkpoints made before the option existed still match.
  if (spec.encoder.self_contained) text += ";self_contained=true";
  auto plugin = [&](const char* role, const ResolvedPlugin& p) {
    text += ";";
    text += role;
    // Scrubbed: no secret reaches the checkpoint, not even hashed (a fast
    // hash of a known config would let a weak password be guessed).
    std::string config = spec.secrets.scrub(p.config_json);
    text += "=" + p.plugin.name() + ":" + std::to_string(config.size()) + ":" + config;
  };
  plugin("source", spec.source);
  for (const auto& s : spec.sinks) plugin("sink", s);
  return hex(fnv1a64(text));
}

}  // namespace aton::host
