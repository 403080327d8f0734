// The json source: records from a JSON file or stdin, streamed.
// docs/sources.md describes every option.
//
// Resumable runs: the position is the byte offset past the last record read
// with the reader's outer-structure state (inside which table's array), the
// line count for messages, and the input's size and modification time (a
// changed file is refused). Standard input cannot resume. A followed file
// (JSON Lines, `follow`) grows and is replaced: its position names the
// file by device and inode instead (sources::FollowedPlace).
#include "../common/input_check.hpp"
#include "../common/input_file.hpp"
#include "../common/input_identity.hpp"
#include "../common/input_list.hpp"
#include "input_stream.hpp"
#include "json_outline.hpp"
#include "json_records.hpp"

#include <aton/plugin.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace aton::json_source {
namespace {

// data.jsonl, and data.jsonl.gz or .zst: the compression is told by the
// bytes, the layout by the name under it.
bool has_lines_suffix(const std::string& path) {
  std::filesystem::path name(path);
  if (name.extension() == ".gz" || name.extension() == ".zst" || name.extension() == ".zstd") name = name.stem();
  std::string ext = name.extension().string();
  return ext == ".jsonl" || ext == ".ndjson";
}

Layout layout_of(const sdk::Config& config, const std::string& path) {
  std::string format = config.string("format", "auto");
  return format == "jsonl" || (format == "auto" && has_lines_suffix(path)) ? Layout::Lines : Layout::Json;
}

class JsonSource : public sdk::Source {
 public:
  // The input can be read; nothing is opened (ABI 1.3; create() calls it first).
  static void check(const sdk::Config& config, sdk::Problems& problems) {
    bool several = sources::names_several(config.get("path"));
    std::string path = config.string("path");
    if (auto why = sources::InputList::problem(config.get("path"))) problems.add(sdk::Problems::key("path"), *why);
    if (config.boolean("follow", false)) {
      if (several)
        problems.add(sdk::Problems::key("follow"), "follows one file: a glob or a list of files cannot be followed");
      else if (path.empty() || path == "-")
        problems.add(sdk::Problems::key("follow"), "follows a file: give its \"path\" (standard input is read as "
                                                   "it comes anyway)");
      else if (layout_of(config, path) != Layout::Lines)
        problems.add(sdk::Problems::key("follow"), "follows JSON Lines only: set \"format\": \"jsonl\" (or name "
                                                   "the file .jsonl or .ndjson)");
    }
  }

  explicit JsonSource(const sdk::Context& context)
      : host_(context.host), inputs_(sources::InputList::from_config(context.config.get("path"), "json")) {
    const auto& config = context.config;
    path_ = inputs_.path(0);
    // Several files: the first one's name says whether they are JSON Lines.
    layout_ = layout_of(config, path_);
    follow_ = config.boolean("follow", false);
    if (config.has("table")) wanted_ = config.string("table");
    bool count = config.boolean("count", true);
    max_record_bytes_ = static_cast<std::size_t>(
        config.integer("max_record_bytes", static_cast<std::int64_t>(sources::kDefaultMaxRecordBytes)));
    // Polled by every read, on the main thread here and the source thread later.
    cancelled_ = sources::run_cancelled(host_);

    // A FIFO, /dev/stdin or a device gives its bytes once: no first pass.
    read_once_ = path_.empty() || (!inputs_.several() && sources::reads_once(path_));
    // The first pass counts; the table is chosen by the reading pass (the
    // first array of records), so without `count` the files are read once.
    // A followed file has no end to count to.
    if (!read_once_ && !follow_) {
      std::function<std::int64_t(std::size_t)> counter;
      if (count) counter = [&](std::size_t i) { return count_file(inputs_.path(i)); };
      auto totals = inputs_.totals(counter);
      total_records_ = totals.records;
      total_bytes_ = totals.bytes;
    }
    open_file(0);
    table_ = !reader_->table().empty() ? reader_->table() : wanted_ ? *wanted_ : "records";
    if (table_.empty()) table_ = "records";
    // The files after the first read the table it was read from.
    if (!reader_->table().empty()) wanted_ = reader_->table();
  }

  std::string table() const override { return table_; }

  // A file's end goes on with the next file, in the same batch.
  std::size_t next_batch(sdk::RecordBuilder& out, std::size_t max_records) override {
    std::size_t n = reader_->read(out, max_records);
    while (n < max_records && reader_->ended() && file_ + 1 < inputs_.size()) {
      records_before_ += reader_->records();
      bytes_before_ += input_->Tell();
      open_file(file_ + 1);
      n += reader_->read(out, max_records - n);
    }
    return n;
  }
  bool ended() const override { return reader_->ended() && file_ + 1 >= inputs_.size(); }

  aton_source_position position() const override {
    return {sizeof(aton_source_position), records_before_ + reader_->records(), bytes_before_ + input_->Tell(),
            total_records_, total_bytes_};
  }

  std::string save_position() {
    if (read_once_) return {};  // stdin, a FIFO or a device cannot seek: no checkpoints
    if (!identity_ && !follow_) identity_ = sources::InputIdentity::of(path_, name_);
    RecordReader::Resume at = reader_->resume_point();
    std::optional<sources::FollowedPlace> followed;
    if (follow_) {
      // The offset in the file that holds the cursor, which may be an older
      // file than the one read now; lines count on over files.
      followed = sources::FollowedPlace{input_->place_of(at.offset)};
      at.offset = followed->place.offset;
    }
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    auto strings = [&](const char* key, const std::vector<std::string>& list) {
      w.Key(key);
      w.StartArray();
      for (const auto& s : list) w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
      w.EndArray();
    };
    auto text = [&](const char* key, const std::string& value) {
      w.Key(key);
      w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    };
    w.StartObject();
    for (auto [key, value] : {std::pair{"offset", at.offset}, {"line", at.line}, {"line_start", at.line_start},
                              {"records", at.records}}) {
      w.Key(key);
      w.Uint64(value);
    }
    w.Key("state");
    w.Int(at.state);
    w.Key("tables");
    w.Bool(at.tables);
    w.Key("found_table");
    w.Bool(at.found_table);
    text("table", at.table_name);
    text("key", at.current_key);
    strings("keys", at.keys);
    strings("arrays", at.arrays);
    if (followed) followed->write(w);
    else identity_->write(w);
    if (inputs_.several()) sources::ListPlace{file_, inputs_.digest(file_), records_before_, bytes_before_}.write(w);
    w.EndObject();
    return out.GetString();
  }

  void restore_position(std::string_view text) {
    if (path_.empty()) throw std::runtime_error("json: standard input cannot be resumed");
    if (read_once_)
      throw std::runtime_error(name_ + ": not a regular file (a pipe or a device): it cannot be read again from a "
                                       "position, so it cannot be resumed");
    rapidjson::Document saved;
    saved.Parse(text.data(), text.size());
    if (saved.HasParseError() || !saved.IsObject()) throw std::runtime_error(name_ + ": the saved position is not JSON");
    if (inputs_.several()) {
      // The file the run was reading, and where in the files' records and bytes.
      auto place = sources::ListPlace::read(saved, inputs_, name_);
      if (place.file != file_) open_file(place.file);
      records_before_ = place.records_before;
      bytes_before_ = place.bytes_before;
    }
    const std::string& name = name_;
    auto get = [&](const char* key) -> const rapidjson::Value& {
      auto it = saved.FindMember(key);
      if (it == saved.MemberEnd()) throw std::runtime_error(name + ": the saved position has no " + key);
      return it->value;
    };
    auto count = [&](const char* key) {
      const auto& v = get(key);
      if (!v.IsUint64()) throw std::runtime_error(name + ": the saved " + key + " is not a count");
      return v.GetUint64();
    };
    auto text_of = [&](const rapidjson::Value& v) {
      return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string();
    };
    auto strings = [&](const char* key) {
      std::vector<std::string> out;
      if (get(key).IsArray())
        for (const auto& s : get(key).GetArray()) out.push_back(text_of(s));
      return out;
    };
    RecordReader::Resume at;
    at.offset = count("offset");
    if (follow_) {
      // The file it names, if still at the path, is read on from there;
      // else the file there now is read from its start.
      if (sources::FollowedPlace::restart(saved, path_, at.offset, name, host_)) at.offset = 0;
    } else {  // the file read: unchanged since the checkpoint
      identity_ = sources::InputIdentity::of(path_, name);
      identity_->check_saved(saved, name);
    }
    at.line = at.offset == 0 ? 1 : count("line");
    at.line_start = at.offset == 0 ? 0 : count("line_start");
    at.records = count("records");
    at.state = get("state").IsInt() ? get("state").GetInt() : -1;
    at.tables = get("tables").IsTrue();
    at.found_table = get("found_table").IsTrue();
    at.table_name = text_of(get("table"));
    at.current_key = text_of(get("key"));
    at.keys = strings("keys");
    at.arrays = strings("arrays");
    reader_->resume_at(at);
  }

 private:
  // Reads file `i` of the list from its start (the one file, mapped when it
  // is a regular file). Several files are read in blocks: the host keeps
  // views into a mapping until the source is destroyed (ATON_TEXT_STABLE),
  // so every file's mapping would stay.
  void open_file(std::size_t i) {
    inputs_.check_unchanged(i);
    reader_.reset();
    input_.reset();
    file_ = i;
    path_ = inputs_.path(i);
    name_ = "json: " + (path_.empty() ? std::string("<stdin>") : path_);
    identity_.reset();
    auto access = inputs_.several() ? InputStream::Access::Blocks : InputStream::Access::MapFiles;
    input_ = std::make_unique<InputStream>(path_, InputStream::kBlockSize, access, cancelled_, follow_);
    reader_ = std::make_unique<RecordReader>(*input_, layout_, wanted_, name_, max_record_bytes_);
  }

  // The records the reading pass will emit from the file at `path`: its
  // lines, or the elements of its array or of the table read. An object of
  // several tables and no `table` is said here, before any record is read
  // (the reading pass would say it at the second table).
  std::int64_t count_file(const std::string& path) {
    if (layout_ == Layout::Lines) return count_json_lines(path, cancelled_);
    JsonOutline outline = scan_json_outline(path, cancelled_);
    if (outline.top == '[') return outline.records;
    if (outline.top != '{') return 0;
    if (wanted_) {
      const JsonOutline::Table* t = outline.find(*wanted_);
      return t ? t->records : 0;
    }
    std::vector<std::string> arrays;
    std::int64_t records = 0;
    for (const auto& t : outline.tables)
      if (t.is_array) arrays.push_back(t.name), records = t.records;
    if (arrays.size() > 1) {
      std::string names;
      for (const auto& a : arrays) names += (names.empty() ? "" : ", ") + a;
      throw std::runtime_error("json: " + path + ": the input has several tables (" + names +
                               "): choose one with the source's \"table\" option");
    }
    return records;
  }

  const aton_host_api* host_;
  sources::InputList inputs_;
  std::size_t file_ = 0;  // the file read now
  std::string path_;      // its path ("" for stdin)
  std::string name_;      // "json: PATH", for messages
  Layout layout_ = Layout::Json;
  std::optional<std::string> wanted_;  // the table to read
  std::size_t max_record_bytes_ = sources::kDefaultMaxRecordBytes;
  sources::InputFile::CancelCheck cancelled_;
  bool read_once_ = true;
  bool follow_ = false;
  std::string table_;
  std::int64_t total_records_ = -1;
  std::int64_t total_bytes_ = -1;
  // The records and bytes of the files before the one read now.
  std::uint64_t records_before_ = 0, bytes_before_ = 0;
  std::unique_ptr<InputStream> input_;
  std::unique_ptr<RecordReader> reader_;
  std::optional<sources::InputIdentity> identity_;  // taken once, when first needed
};

const aton_option kOptions[] = {
    {"path", "path", nullptr, 0,
     "The JSON or JSON Lines file to read, plain or compressed with gzip or zstd (told by its first bytes); "
     "omitted or \"-\": standard input. A glob (\"logs/*.jsonl\") or a list of paths and globs reads several "
     "files as one table: the list in its order, a glob's files sorted by name.",
     sources::kPathSchema},
    {"format", "string", "\"auto\"", 0,
     "json (an array of records or an object of tables), jsonl (one object per line), or auto: jsonl "
     "for a .jsonl or .ndjson name, else json.",
     "{\"enum\":[\"auto\",\"json\",\"jsonl\"]}"},
    {"table", "string", nullptr, 0,
     "The table to read from an object of tables, and the output table's name (default: the only "
     "table, or \"records\").",
     nullptr},
    {"count", "boolean", "true", 0,
     "Count the records first (a fast pass over the file) so that chunks carry total_chunks and "
     "progress; standard input, a FIFO, a device or a compressed file is read once and not counted.",
     nullptr},
    {"max_record_bytes", "integer", "67108864", 0,
     "Read in blocks (stdin, a FIFO, a device): the most bytes one record (or line) may take; a longer one is an "
     "error, so that an input that never ends a record cannot fill memory. A mapped file holds records in place.",
     "{\"minimum\":1}"},
    {"follow", "boolean", "false", 0,
     "JSON Lines: follow the file as it grows and across rotation (renamed away and made again, or truncated), "
     "as tail -F does, until the run is stopped (SIGINT, SIGTERM); checkpoints name the file by device and "
     "inode.",
     nullptr},
};

}  // namespace
}  // namespace aton::json_source

ATON_SOURCE_PLUGIN(aton::json_source::JsonSource, "json", "1.3.0",
                   "Reads records from a JSON array, an object of tables, or JSON Lines (one file, a glob or a list; plain, "
                   "gzip or zstd), streaming.",
                   aton::json_source::kOptions)
