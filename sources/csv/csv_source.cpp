// The csv source: records from an RFC 4180 file or stdin, streamed row by
// row. docs/sources.md describes every option and the typing rules.
//
// Resumable runs: the position is the byte offset and line where the next
// row starts, the records and skipped rows so far, and the input's size and
// modification time (a changed file is refused). Standard input cannot
// resume. A followed file (`follow`) grows and is replaced: its position
// names the file by device and inode instead (sources::FollowedPlace).
#include "../common/input_check.hpp"
#include "../common/input_file.hpp"
#include "../common/input_identity.hpp"
#include "../common/input_list.hpp"
#include "csv_reader.hpp"
#include "csv_sample.hpp"
#include "csv_values.hpp"

#include <aton/plugin.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <deque>
#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace aton::csv_source {
namespace {

// Rows past this many skipped ones are only counted, not logged one by one.
constexpr std::uint64_t kSkipsLogged = 10;

class CsvSource : public sdk::Source {
 public:
  // The options that do not need the input's header, and that the input can
  // be read; nothing is opened (ABI 1.3; create() calls it first).
  static void check(const sdk::Config& config, sdk::Problems& problems) {
    using sdk::Problems;
    std::string path = config.string("path");
    if (auto why = sources::InputList::problem(config.get("path"))) problems.add(Problems::key("path"), *why);
    if (config.boolean("follow", false) && sources::names_several(config.get("path")))
      problems.add(Problems::key("follow"), "follows one file: a glob or a list of files cannot be followed");
    else if (config.boolean("follow", false) && (path.empty() || path == "-"))
      problems.add(Problems::key("follow"), "follows a file: give its \"path\" (standard input is read as it "
                                            "comes anyway)");
    std::string delimiter = config.string("delimiter", ",");
    std::string quote = config.string("quote", "\"");
    if (delimiter.size() != 1) problems.add(Problems::key("delimiter"), "must be one character");
    if (quote.size() != 1 || quote == delimiter)
      problems.add(Problems::key("quote"), "must be one character other than the delimiter");
    const auto* columns = config.get("columns");
    bool header = config.has("header") ? config.boolean("header") : !config.has("columns");
    if (!header && (!columns || !columns->IsArray() || columns->Empty()))
      problems.add(Problems::key("columns"), "without a header row (\"header\": false), give the column names "
                                             "in \"columns\"");
    // With the names given, "types" can only name one of them; with a
    // header row, the run checks it against the row.
    const auto* types = config.get("types");
    if (columns && columns->IsArray() && types && types->IsObject())
      for (const auto& t : types->GetObject()) {
        bool found = false;
        for (const auto& c : columns->GetArray()) found = found || (c.IsString() && c == t.name);
        if (!found)
          problems.add(Problems::key("types", {t.name.GetString(), t.name.GetStringLength()}),
                       "names a column that \"columns\" does not have");
      }
    ValueWords::check(config, problems);
    std::string encoding = config.string("encoding", "utf-8");
    if (!TextDecoder::known(encoding))
      problems.add(Problems::key("encoding"), "must be one of \"utf-8\", \"utf-16\", \"windows-1252\", "
                                              "\"iso-8859-1\", \"iso-8859-15\"");
    else if (encoding != "utf-8" && config.boolean("follow", false))
      problems.add(Problems::key("follow"), "follows UTF-8 files only: convert the file first, or read it "
                                            "without \"follow\"");
  }

  explicit CsvSource(const sdk::Context& context)
      : host_(context.host), inputs_(sources::InputList::from_config(context.config.get("path"), "csv")) {
    const auto& config = context.config;
    table_ = config.string("table", "records");
    std::string delimiter = config.string("delimiter", ",");
    std::string quote = config.string("quote", "\"");
    delimiter_ = delimiter[0];
    quote_ = quote[0];
    skip_bad_rows_ = config.string("on_error", "fail") == "skip";
    bool infer = config.boolean("infer_types", true);
    words_ = ValueWords::from_config(config);
    encoding_ = config.string("encoding", "utf-8");

    max_row_bytes_ = static_cast<std::size_t>(
        config.integer("max_record_bytes", static_cast<std::int64_t>(sources::kDefaultMaxRecordBytes)));
    // Polled by every read, on the main thread here and the source thread later.
    cancelled_ = sources::run_cancelled(host_);

    // A header row unless told otherwise; `columns` alone means none.
    bool header = config.has("header") ? config.boolean("header") : !config.has("columns");
    header_ = header;
    follow_ = config.boolean("follow", false);
    open_file(0);
    read_names(config, header);
    if (header) suggest_delimiter();
    columns_.assign(names_.size(), infer ? ColumnType::Infer : ColumnType::Str);
    read_types(config);

    // A FIFO, /dev/stdin or a device gives its rows once: no first pass.
    read_once_ = path_.empty() || (!inputs_.several() && sources::reads_once(path_));
    infer_per_column(header);
    if (!read_once_ && !follow_) {  // a followed file has no end to count to
      std::function<std::int64_t(std::size_t)> counter;
      if (config.boolean("count", true)) counter = [&](std::size_t i) { return count_rows(i, header); };
      auto totals = inputs_.totals(counter);
      total_records_ = totals.records;
      // Offsets count converted bytes, which the file's size does not tell.
      total_bytes_ = encoding_ == "utf-8" ? totals.bytes : -1;
    }
  }

  std::string table() const override { return table_; }

  // Once a record is in hand, a row that has not fully arrived is not
  // waited for: the batch goes on short (ended() says it is not the end).
  // A file's end goes on with the next file, in the same batch.
  std::size_t next_batch(sdk::RecordBuilder& out, std::size_t max_records) override {
    std::size_t n = 0;
    while (n < max_records) {
      if (!next_good_row(n == 0)) {
        if (!reader_->ended() || file_ + 1 >= inputs_.size()) break;
        next_file();
        continue;
      }
      emit(out);
      ++n;
      ++records_;
    }
    return n;
  }
  bool ended() const override { return pending_.empty() && reader_->ended() && file_ + 1 >= inputs_.size(); }

  aton_source_position position() const override {
    return {sizeof(aton_source_position), records_, bytes_before_ + reader_->bytes(), total_records_, total_bytes_};
  }

  std::string save_position() {
    if (read_once_) return {};  // stdin, a FIFO or a device cannot seek: no checkpoints
    if (!identity_ && !follow_) identity_ = sources::InputIdentity::of(path_, name_);
    std::optional<sources::FollowedPlace> followed;
    if (follow_) followed = sources::FollowedPlace{reader_->place_of(reader_->bytes())};
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    w.StartObject();
    w.Key("offset");
    w.Uint64(followed ? followed->place.offset : reader_->bytes());
    w.Key("line");
    w.Uint64(reader_->line());
    w.Key("skip_lf");
    w.Bool(reader_->skip_lf());
    w.Key("records");
    w.Uint64(records_);
    w.Key("skipped");
    w.Uint64(skipped_);
    if (followed) followed->write(w);
    else identity_->write(w);
    if (inputs_.several()) sources::ListPlace{file_, inputs_.digest(file_), records_, bytes_before_}.write(w);
    w.EndObject();
    return out.GetString();
  }

  void restore_position(std::string_view text) {
    if (path_.empty()) throw std::runtime_error(name_ + ": standard input cannot be resumed");
    if (read_once_)
      throw std::runtime_error(name_ + ": not a regular file (a pipe or a device): it cannot be read again from a "
                                       "position, so it cannot be resumed");
    rapidjson::Document saved;
    saved.Parse(text.data(), text.size());
    if (saved.HasParseError() || !saved.IsObject()) throw std::runtime_error(name_ + ": the saved position is not JSON");
    if (inputs_.several()) {
      // The file the run was reading (its header row is behind the offset).
      auto place = sources::ListPlace::read(saved, inputs_, name_);
      if (place.file != file_) open_file(place.file);
      bytes_before_ = place.bytes_before;
    }
    auto count = [&](const char* key) {
      auto it = saved.FindMember(key);
      if (it == saved.MemberEnd() || !it->value.IsUint64())
        throw std::runtime_error(name_ + ": the saved position has no " + key);
      return it->value.GetUint64();
    };
    auto skip_lf = saved.FindMember("skip_lf");
    if (follow_ && sources::FollowedPlace::restart(saved, path_, count("offset"), name_, host_)) {
      // The file there now, from its start: its header row is read again
      // (the reader made for it has read it already).
    } else {
      if (!follow_) {
        identity_ = sources::InputIdentity::of(path_, name_);
        identity_->check_saved(saved, name_);
      }
      reader_->seek(count("offset"), count("line"), skip_lf != saved.MemberEnd() && skip_lf->value.IsTrue());
    }
    records_ = count("records");
    skipped_ = count("skipped");
  }

 private:
  // Reads file `i` of the list from its start.
  void open_file(std::size_t i) {
    inputs_.check_unchanged(i);
    reader_.reset();
    file_ = i;
    path_ = inputs_.path(i);
    name_ = "csv: " + (path_.empty() ? std::string("<stdin>") : path_);
    identity_.reset();
    reader_ = std::make_unique<CsvReader>(path_, delimiter_, quote_, name_, cancelled_, max_row_bytes_, follow_,
                                          encoding_);
  }

  // The next file of the list: its header row must be the first file's.
  void next_file() {
    bytes_before_ += reader_->bytes();
    open_file(file_ + 1);
    if (!header_ || !next_row()) return;
    if (is_header_row()) return;
    std::string found;
    for (std::size_t f = 0; f < row_.fields.size(); ++f) found += (f ? ", " : "") + std::string(row_.field(f));
    std::string first;
    for (const auto& n : header_names_) first += (first.empty() ? "" : ", ") + n;
    throw std::runtime_error(name_ + ": line " + std::to_string(row_.line) + ": the header row (" + found +
                             ") is not the first file's (" + first + ", in " + inputs_.path(0) +
                             "): the files of a list are one table");
  }

  void read_names(const sdk::Config& config, bool header) {
    if (header && next_row()) {
      for (std::size_t i = 0; i < row_.fields.size(); ++i) names_.emplace_back(row_.field(i));
      header_names_ = names_;
    }
    if (const auto* columns = config.get("columns"); columns && columns->IsArray()) {
      names_.clear();
      for (const auto& c : columns->GetArray()) {
        if (!c.IsString()) throw std::runtime_error(name_ + ": \"columns\" must be an array of strings");
        names_.emplace_back(c.GetString(), c.GetStringLength());
      }
    }
    if (names_.empty() && !header)
      throw std::runtime_error(name_ + ": without a header row, give the column names in \"columns\"");
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (names_[i].empty()) names_[i] = "column_" + std::to_string(i + 1);
      if (!is_valid_utf8(names_[i]))
        throw std::runtime_error(name_ + ": column " + std::to_string(i + 1) +
                                 "'s name is not UTF-8: set the source's \"encoding\" (e.g. \"windows-1252\"), or convert "
                                 "the file first");
    }
  }

  void read_types(const sdk::Config& config) {
    const auto* types = config.get("types");
    if (!types || !types->IsObject()) return;
    for (const auto& m : types->GetObject()) {
      std::string column(m.name.GetString(), m.name.GetStringLength());
      auto type = m.value.IsString() ? parse_column_type(m.value.GetString()) : std::nullopt;
      if (!type)
        throw std::runtime_error(name_ + ": \"types\": column \"" + column +
                                 "\" must be one of \"str\", \"int\", \"float\", \"bool\"");
      bool found = false;
      for (std::size_t i = 0; i < names_.size(); ++i)
        if (names_[i] == column) columns_[i] = *type, found = true;
      if (!found)
        throw std::runtime_error(name_ + ": \"types\" names a column \"" + column +
                                 "\" that the input does not have (columns: " + joined_names() + ")");
    }
  }

  std::string joined_names() const {
    std::string out;
    for (const auto& n : names_) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  // The next row that is not a blank line (a blank line is a row only when
  // there is a single column), nor, following a file, the header row again
  // at the start of a new file. `wait`: false, when the next row has not
  // fully arrived, there is none for now (false, and the reader has not ended).
  bool next_row(bool wait = true) {
    if (!pending_.empty()) {  // the sample's rows of an input read once
      std::swap(row_, pending_.front());
      pending_.pop_front();
      return true;
    }
    return read_row(wait);
  }

  // next_row() from the reader.
  bool read_row(bool wait) {
    while ((wait || reader_->row_ready()) && reader_->next(row_)) {
      if (row_.blank && names_.size() != 1) continue;
      if (follow_ && header_ && reader_->starts_segment(row_.offset) && is_header_row()) continue;
      return true;
    }
    return false;
  }

  // A header of one field holding ';', a tab or '|' is most likely a file
  // with that delimiter read with ','. The run goes on (one column is a
  // valid reading), with a warning naming the likely delimiter.
  void suggest_delimiter() const {
    if (header_names_.size() != 1) return;
    const std::string& only = header_names_[0];
    char likely = 0;
    std::size_t most = 0;
    for (char c : {';', '\t', '|'}) {
      auto n = static_cast<std::size_t>(std::count(only.begin(), only.end(), c));
      if (c != delimiter_ && n > most) most = n, likely = c;
    }
    if (!likely) return;
    std::string shown = likely == '\t' ? "\\t" : std::string(1, likely);
    std::string named = likely == '\t' ? "tabs" : "'" + shown + "'";
    log(ATON_LOG_WARNING, name_ + ": the header row is one field, \"" + only + "\", holding " + named +
                              ": if the file is separated by " + named + ", set \"delimiter\": \"" + shown + "\"");
  }

  // The leading-zero rule (csv_sample.hpp): an inferred column whose first
  // rows hold codes keeps them as text. A file is sampled with a reader of
  // its own (the real pass starts again at its beginning); an input read
  // once keeps the rows of its sample to give them afterwards, taking only
  // those that have arrived, so that a slow pipe does not hold up the run.
  void infer_per_column(bool header) {
    bool inferred = false;
    for (auto type : columns_) inferred = inferred || type == ColumnType::Infer;
    if (!inferred) return;
    ColumnSample sample(names_.size());
    if (read_once_) {
      std::size_t bytes = 0;
      while (pending_.size() < kSampleRows && bytes < kSampleBytes && read_row(false)) {
        sample.add(row_, words_);
        bytes += row_.text.size();
        pending_.push_back(std::move(row_));
        row_ = CsvRow{};
      }
    } else {
      try {
        CsvReader reader(inputs_.path(0), delimiter_, quote_, name_, cancelled_, max_row_bytes_, false, encoding_);
        CsvRow row;
        bool skip_header = header;
        std::size_t rows = 0;
        while (rows < kSampleRows && reader.next(row)) {
          if (row.blank && names_.size() != 1) continue;
          if (skip_header) {
            skip_header = false;
            continue;
          }
          sample.add(row, words_);
          ++rows;
        }
      } catch (const sources::Cancelled&) {
        throw;
      } catch (const std::exception&) {
        // malformed input: the real pass reports it where it is
      }
    }
    for (std::size_t i = 0; i < columns_.size(); ++i)
      if (columns_[i] == ColumnType::Infer && sample.holds_codes(i)) columns_[i] = ColumnType::InferText;
  }

  bool is_header_row() const {
    if (row_.fields.size() != header_names_.size()) return false;
    for (std::size_t i = 0; i < header_names_.size(); ++i)
      if (row_.field(i) != header_names_[i]) return false;
    return true;
  }

  bool next_good_row(bool wait) {
    while (next_row(wait)) {
      if (row_.fields.size() == names_.size()) return true;
      std::string what = name_ + ": line " + std::to_string(row_.line) + ": " +
                         std::to_string(row_.fields.size()) + " fields where the header has " +
                         std::to_string(names_.size());
      if (!skip_bad_rows_) throw std::runtime_error(what + " (on_error: \"skip\" skips such rows)");
      if (++skipped_ <= kSkipsLogged) log(ATON_LOG_WARNING, what + "; row skipped");
    }
    if (skipped_ > 0 && !skips_reported_ && reader_->ended() && file_ + 1 >= inputs_.size()) {
      skips_reported_ = true;
      log(ATON_LOG_WARNING, name_ + ": skipped " + std::to_string(skipped_) +
                                " rows with the wrong number of fields (on_error: \"skip\")");
    }
    return false;
  }

  void emit(sdk::RecordBuilder& out) {
    out.begin_object();
    const bool checked = is_ascii_without_nul(row_.text);  // else each field is checked on its own
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (!checked) check_text(i);
      out.key(names_[i]);
      if (!emit_field(out, row_.field(i), row_.fields[i].quoted, columns_[i], words_, scratch_))
        throw std::runtime_error(name_ + ": line " + std::to_string(row_.line) + ", column " +
                                 std::to_string(i + 1) + " (\"" + names_[i] + "\"): \"" +
                                 std::string(row_.field(i)) + "\" is not of type " +
                                 column_type_name(columns_[i]) + " as \"types\" says");
    }
    out.end_object();
  }

  // Field i is UTF-8 and holds no NUL, or the row is refused saying where.
  void check_text(std::size_t i) const {
    if (!is_valid_utf8(row_.field(i)))
      throw std::runtime_error(name_ + ": line " + std::to_string(row_.line) + ", column " +
                               std::to_string(i + 1) + " (\"" + names_[i] +
                               "\"): not UTF-8: set the source's \"encoding\" (e.g. \"windows-1252\"), or convert the "
                               "file first");
    if (row_.field(i).find('\0') != std::string_view::npos)
      throw std::runtime_error(name_ + ": line " + std::to_string(row_.line) + ", column " +
                               std::to_string(i + 1) + " (\"" + names_[i] +
                               "\"): a NUL byte, which CSV text does not hold: is the file UTF-16 (set \"encoding\": "
                               "\"utf-16\") or binary?");
  }

  // The first pass: the rows the real pass will emit from file `i`.
  // Malformed input is left for the real pass to report, with the total
  // unknown; a stopping run stops it.
  std::int64_t count_rows(std::size_t i, bool header) {
    try {
      CsvReader counter(inputs_.path(i), delimiter_, quote_, name_, cancelled_, max_row_bytes_, false, encoding_);
      CsvRow row;
      std::int64_t rows = 0;
      bool skip_header = header;
      while (counter.next(row)) {
        if (row.blank && names_.size() != 1) continue;
        if (skip_header) {
          skip_header = false;
          continue;
        }
        if (row.fields.size() == names_.size() || !skip_bad_rows_) ++rows;
      }
      return rows;
    } catch (const sources::Cancelled&) {
      throw;
    } catch (const std::exception&) {
      return -1;
    }
  }

  void log(aton_log_level level, const std::string& message) const {
    if (host_ && host_->log) host_->log(host_->host, level, message.c_str());
  }

  const aton_host_api* host_;
  sources::InputList inputs_;
  std::size_t file_ = 0;           // the file read now
  std::uint64_t bytes_before_ = 0;  // the bytes of the files before it
  std::string path_, name_, table_;
  char delimiter_ = ',', quote_ = '"';
  std::string encoding_;
  bool skip_bad_rows_ = false;
  bool read_once_ = true;
  bool header_ = true, follow_ = false;
  std::vector<std::string> header_names_;  // the header row as read, before "columns"
  std::size_t max_row_bytes_ = sources::kDefaultMaxRecordBytes;
  sources::InputFile::CancelCheck cancelled_;
  std::unique_ptr<CsvReader> reader_;
  std::vector<std::string> names_;
  std::vector<ColumnType> columns_;
  ValueWords words_;
  CsvRow row_;
  std::deque<CsvRow> pending_;  // the sample's rows of an input read once, not yet given
  std::string scratch_;
  std::uint64_t records_ = 0, skipped_ = 0;
  bool skips_reported_ = false;
  std::int64_t total_records_ = -1, total_bytes_ = -1;
  std::optional<sources::InputIdentity> identity_;  // taken once, when first needed
};

const aton_option kOptions[] = {
    {"path", "path", nullptr, 0,
     "The CSV file to read, plain or compressed with gzip or zstd (told by its first bytes); omitted or \"-\": "
     "standard input. A glob (\"exports/*.csv\") or a list of paths and globs reads several files as one table, "
     "each with the same header row: the list in its order, a glob's files sorted by name.",
     sources::kPathSchema},
    {"table", "string", "\"records\"", 0, "The output table's name.", nullptr},
    {"delimiter", "string", "\",\"", 0, "The field separator.", "{\"enum\":[\",\",\";\",\"\\t\",\"|\"]}"},
    {"quote", "string", "\"\\\"\"", 0, "The quote character.", "{\"minLength\":1,\"maxLength\":1}"},
    {"header", "boolean", nullptr, 0,
     "The first row holds the column names (default: true, or false when \"columns\" is given).", nullptr},
    {"columns", "array", nullptr, 0,
     "The column names; with \"header\": true they replace the header row's.",
     "{\"items\":{\"type\":\"string\"}}"},
    {"infer_types", "boolean", "true", 0,
     "Unquoted 12 -> int, 1.5 or 1e3 -> float, true/false -> bool, empty -> null; a column whose first 1000 "
     "rows are mostly digit strings, one with a leading zero (zip codes), stays text; false: every value "
     "is a string.",
     nullptr},
    {"null_values", "array", "[\"\"]", 0,
     "Unquoted texts read as null (inferred, int, float and bool columns), e.g. [\"\", \"NA\", \"NULL\"].",
     "{\"items\":{\"type\":\"string\"}}"},
    {"true_values", "array", "[\"true\"]", 0,
     "Unquoted texts read as true (a bool override takes them in any case), e.g. [\"true\", \"yes\"].",
     "{\"items\":{\"type\":\"string\"}}"},
    {"false_values", "array", "[\"false\"]", 0,
     "Unquoted texts read as false (a bool override takes them in any case), e.g. [\"false\", \"no\"].",
     "{\"items\":{\"type\":\"string\"}}"},
    {"decimal", "string", "\".\"", 0,
     "The decimal mark: \",\" reads 3,14 as 3.14 (and a field with a '.' as text); needs another delimiter.",
     "{\"enum\":[\".\",\",\"]}"},
    {"types", "object", nullptr, 0, "Per-column type overrides, e.g. {\"zip\": \"str\"}.",
     "{\"additionalProperties\":{\"enum\":[\"str\",\"int\",\"float\",\"bool\"]}}"},
    {"on_error", "string", "\"fail\"", 0,
     "A row with the wrong number of fields fails the run (fail) or is skipped and counted (skip).",
     "{\"enum\":[\"fail\",\"skip\"]}"},
    {"encoding", "string", "\"utf-8\"", 0,
     "The text's encoding, converted to UTF-8 exactly: utf-8, utf-16 (with a byte order mark), windows-1252, "
     "iso-8859-1, iso-8859-15. A byte that is no character of it is an error with its line and byte.",
     "{\"enum\":[\"utf-8\",\"utf-16\",\"windows-1252\",\"iso-8859-1\",\"iso-8859-15\"]}"},
    {"count", "boolean", "true", 0,
     "Count the rows first (a fast pass over the file) so that chunks carry total_chunks and progress; "
     "standard input, a FIFO, a device or a compressed file is read once and not counted.",
     nullptr},
    {"max_record_bytes", "integer", "67108864", 0,
     "The most bytes one row may take; a longer one is an error, so that an input that never ends a row "
     "cannot fill memory.",
     "{\"minimum\":1}"},
    {"follow", "boolean", "false", 0,
     "Follow the file as it grows and across rotation (renamed away and made again, or truncated), as tail -F "
     "does, until the run is stopped (SIGINT, SIGTERM); a new file's header row is skipped; checkpoints name the "
     "file by device and inode.",
     nullptr},
};

}  // namespace
}  // namespace aton::csv_source

ATON_SOURCE_PLUGIN(aton::csv_source::CsvSource, "csv", "1.3.0",
                   "Reads records from RFC 4180 CSV files (one, a glob or a list; plain, gzip or zstd) or standard "
                   "input, streaming.",
                   aton::csv_source::kOptions)
