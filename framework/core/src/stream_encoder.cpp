#include <aton/stream_encoder.hpp>

#include "aton_writer.hpp"
#include "checkpoint.hpp"
#include "chunk_budget.hpp"
#include "plan.hpp"
#include "self_contained.hpp"

#include <aton/errors.hpp>

#include <deque>

namespace aton {

using detail::Plan;

struct IncrementalEncoder::Impl {
  EncoderOptions options;
  std::string table;
  std::optional<std::size_t> total_records;

  // Until the plan is fixed: the sample, copied, or viewed after prime().
  Arena sample_arena;
  std::vector<Value> sample;
  std::size_t primed_left = 0;  // primed records not yet pushed
  std::unique_ptr<Plan> plan;
  std::optional<detail::SelfContainedChunks> self_contained;  // options.self_contained

  // The chunk being built.
  detail::RowWriter row_writer;
  std::string rows;
  std::size_t rows_in_chunk = 0;
  std::size_t columns_declared = 0;
  std::vector<std::string_view> new_keys;
  std::optional<detail::ChunkBudget> budget;  // sizes and token counts of chunks
  std::string growth;  // scratch: a self-contained chunk's header growth

  std::size_t records_pushed = 0;
  std::size_t records_chunked = 0;  // records in completed chunks
  std::size_t chunks_completed = 0;
  double progress_hint = 0;
  std::optional<Chunk> held;  // complete, waiting to learn whether it is last
  bool short_chunks = false;  // flush() emitted a chunk short: total_chunks is unknown
  bool open_ended = false;    // the newest chunk out went out not marked last
  bool flushing = false;      // complete_chunk() is called by flush(): the chunk is short
  std::deque<Chunk> ready;
  bool finished = false;

  // checkpoint()'s plan part, for chunks declaring checkpoint_columns columns.
  mutable std::string checkpoint_plan;
  mutable std::size_t checkpoint_columns = 0;

  void fix_plan(std::span<const Value> records);
  void encode(const Value& record, std::size_t index);
  void complete_chunk();
  void write_header(std::size_t columns_end, std::string& out) const;
  bool fit_budget(std::size_t row_start, std::size_t index);
  void start_budget();
  const detail::ChunkBudget::Size& try_row(std::string_view row);
  void add_row();
  std::size_t write_self_contained(std::string& data, std::string& moved, std::optional<std::size_t>& tokens);
  void release_held(bool is_last);
  std::optional<std::size_t> total_chunks() const;
};

namespace {

std::unique_ptr<Plan> plan_for(std::span<const Value> sample, Compression rules, bool bare, bool compact,
                               const detail::CostModel& cost) {
  auto plan = std::make_unique<Plan>();
  detail::make_plan(sample, rules, bare, compact, cost, *plan);
  return plan;
}

// The bytes or tokens the first chunk would take for `sample` under `plan`.
std::size_t encoded_cost(std::span<const Value> sample, Plan& plan, const detail::CostModel& cost) {
  std::string text;
  detail::write_schema_line(plan, 0, false, text);
  detail::write_defaults_line(plan, text);
  detail::write_dictionary_line(plan, text);
  detail::RowWriter writer;
  for (const Value& record : sample) {
    writer.write(record, plan, text);
    text.push_back('\n');
  }
  return cost.of(text);
}

}  // namespace

// Each mode measures the plans its rules allow on the sample and keeps the
// cheapest, so that on the sample FAST >= BALANCED >= ULTRA holds exactly
// (a default or a dictionary entry the estimate liked may still not pay).
// ADAPTIVE tries everything, which is ULTRA's set. With a tokenizer
// (encoder.tokenizer) the cost is tokens, and BALANCED also tries "," between
// values where the guide writes ", " (ULTRA always writes ","): fewer tokens
// on nearly every row of a numeric table. FAST measures nothing.
void IncrementalEncoder::Impl::fix_plan(std::span<const Value> records) {
  struct Candidate {
    Compression rules;
    bool bare;
    bool compact;
  };
  detail::CostModel cost;
  if (options.tokenizer && Tokenizer::available(*options.tokenizer)) cost.tokens = &Tokenizer::get(*options.tokenizer);
  std::vector<Candidate> candidates;
  switch (options.compression) {
    case Compression::Fast:
      candidates = {{Compression::Fast, false, false}};
      break;
    case Compression::Balanced:
      candidates = {{Compression::Balanced, false, false}, {Compression::Fast, false, false}};
      if (cost.tokens) candidates.insert(candidates.end(), {{Compression::Balanced, false, true},
                                                            {Compression::Fast, false, true}});
      break;
    case Compression::Ultra:
    case Compression::Adaptive:
      candidates = {{Compression::Ultra, true, true}, {Compression::Balanced, true, true},
                    {Compression::Fast, true, true}};
      break;
  }
  // By tokens, each plan is made twice: its defaults and dictionary estimated
  // in tokens, and in bytes (an entry's tokens alone are not its tokens in a
  // row, so either estimate can win); the measure, in tokens, picks. So the
  // choice by tokens is never worse on the sample than the one by bytes.
  std::vector<detail::CostModel> estimates{cost};
  if (cost.tokens) estimates.push_back(detail::CostModel{});
  std::size_t best_cost = SIZE_MAX;
  for (const Candidate& c : candidates) {
    for (const detail::CostModel& estimate : estimates) {
      auto candidate = plan_for(records, c.rules, c.bare, c.compact, estimate);
      std::size_t measured = candidates.size() == 1 ? 0 : encoded_cost(records, *candidate, cost);
      if (measured < best_cost) {
        best_cost = measured;
        plan = std::move(candidate);
      }
    }
  }
}

void IncrementalEncoder::Impl::encode(const Value& record, std::size_t index) {
  // A record after a complete chunk: that chunk was not the last.
  release_held(false);
  if (options.on_new_key == NewKeyPolicy::Error) {
    new_keys.clear();
    detail::RowWriter::new_keys(record, *plan, new_keys);
    if (!new_keys.empty())
      throw EncodingError("record " + std::to_string(index + 1) + " of table '" + table +
                          "' has the key '" + std::string(new_keys.front()) +
                          "', which is not among the columns fixed from the first records; "
                          "set on_new_key to extend to add it with @schema+[...]");
  }
  std::size_t row_start = rows.size();
  row_writer.write(record, *plan, rows);
  bool fits = !budget->limits() || fit_budget(row_start, index);
  rows.push_back('\n');
  if (++rows_in_chunk == options.chunk_size || !fits) complete_chunk();
}

// Budgets (chunk_budget.hpp): the row just written at row_start goes into
// this chunk if the chunk stays within budget with it, else it begins the
// next chunk. False for a row over budget even alone (OversizePolicy), which
// must then be a chunk by itself.
bool IncrementalEncoder::Impl::fit_budget(std::size_t row_start, std::size_t index) {
  auto row = [&] { return std::string_view(rows).substr(row_start); };
  if (!budget->open()) start_budget();
  // Bounded: each chunk completed leaves fewer rows than it had (a
  // self-contained chunk may leave some of its rows to the next).
  while (rows_in_chunk > 0 && !budget->within(try_row(row()))) {
    std::string carried(row());
    rows.resize(row_start);
    complete_chunk();
    row_start = rows.size();
    rows += carried;
    if (!budget->open()) start_budget();
  }
  if (budget->within(try_row(row()))) {
    add_row();
    return true;
  }
  if (options.oversize == OversizePolicy::Error)
    throw EncodingError("record " + std::to_string(index + 1) + " of table '" + table + "' is too large for any chunk: " +
                        "alone with its chunk's header it takes " + budget->over(budget->tried()) +
                        "; raise the budget, or set oversize to own_chunk to give such a record a chunk of its own");
  add_row();
  return false;
}

void IncrementalEncoder::Impl::start_budget() {
  budget->start(chunks_completed == 0 ? plan->columns.size() : columns_declared);
  if (self_contained) self_contained->start_estimate();
}

// A self-contained chunk's header grows with each dictionary entry a row
// uses first.
const detail::ChunkBudget::Size& IncrementalEncoder::Impl::try_row(std::string_view row) {
  detail::ChunkBudget::Size more{0, 0};
  if (self_contained) {
    growth.clear();
    self_contained->new_entries(*plan, row, growth);
    if (!growth.empty()) more = {budget->tokenizer() ? budget->tokenizer()->count(growth) : 0, growth.size()};
  }
  return budget->try_row(row, plan->columns.size(), more);
}

void IncrementalEncoder::Impl::add_row() {
  budget->add();
  if (self_contained) self_contained->take_entries();
}

std::optional<std::size_t> IncrementalEncoder::Impl::total_chunks() const {
  // Under a budget, or after a chunk flushed short, how many records a
  // chunk holds is known only as it is filled.
  if (!total_records || short_chunks || budget->limits()) return std::nullopt;
  std::size_t n = (*total_records + options.chunk_size - 1) / options.chunk_size;
  return n == 0 ? 1 : n;
}

// The chunk's header up to its row count: the header lines, declaring
// columns up to columns_end, then the table's name and "(" or "+(".
void IncrementalEncoder::Impl::write_header(std::size_t columns_end, std::string& out) const {
  if (self_contained) {
    // The estimate of a self-contained header (complete_chunk writes it):
    // its dictionary line is the growth try_row() adds.
    self_contained->write_chunk_line(*plan, chunks_completed, out);
    detail::write_schema_line(*plan, 0, false, out);
    detail::write_defaults_line(*plan, out);
    detail::write_name(table, out);
    out.push_back('(');
    return;
  }
  if (chunks_completed == 0) {
    detail::write_schema_line(*plan, 0, false, out, columns_end);
    detail::write_defaults_line(*plan, out);
    detail::write_dictionary_line(*plan, out);
    if (budget->limits()) detail::write_budget_line(*plan, options.max_tokens, options.max_bytes, out);
  } else if (columns_declared < columns_end) {
    detail::write_schema_line(*plan, columns_declared, true, out, columns_end);
  }
  detail::write_name(table, out);
  out.append(chunks_completed == 0 ? "(" : "+(");
}

void IncrementalEncoder::Impl::complete_chunk() {
  bool first = chunks_completed == 0;
  Chunk chunk;
  std::string& data = chunk.data;
  data.reserve(rows.size() + 256);
  std::string moved;  // rows a self-contained chunk leaves to the next one
  std::size_t moved_rows = 0;
  if (self_contained) {
    moved_rows = write_self_contained(data, moved, chunk.metadata.tokens);
    columns_declared = plan->columns.size();
    detail::ChunkBudget::Size actual{chunk.metadata.tokens.value_or(0), data.size()};
    chunk.over_budget = budget->limits() && !budget->within(actual);
    if (chunk.over_budget && options.oversize == OversizePolicy::Error)
      throw EncodingError("record " + std::to_string(records_chunked + 1) + " of table '" + table +
                          "' is too large for any chunk: alone in its self-contained chunk it takes " +
                          budget->over(actual) +
                          "; raise the budget, or set oversize to own_chunk to give such a record a chunk of its own");
  } else {
    // Short and not the last: said in its text, so that a decoder does not
    // take it for its stream's last chunk (docs/FORMAT.md, 5).
    static constexpr std::string_view kFlushedLine = "@flushed\n";
    bool flushed_line = flushing && !(total_records && records_chunked + rows_in_chunk >= *total_records);
    // Under a budget, the columns its rows use: a row moved to the next
    // chunk may have added one.
    std::size_t columns_end = budget->limits() && budget->open() ? budget->columns() : plan->columns.size();
    auto write_text = [&] {
      data.clear();
      if (flushed_line) data += kFlushedLine;
      write_header(columns_end, data);
      data += std::to_string(rows_in_chunk);
      data += "):";
      if (!rows.empty()) {
        data.push_back('\n');
        data.append(rows, 0, rows.size() - 1);  // no newline after the last row
      }
    };
    write_text();
    // The budget measured the chunk without its @flushed line, whose tokens
    // are its own (a line ends a piece).
    const std::size_t flushed_bytes = flushed_line ? kFlushedLine.size() : 0;
    chunk.metadata.tokens = budget->chunk_tokens(std::string_view(data).substr(flushed_bytes));
    if (flushed_line && chunk.metadata.tokens) *chunk.metadata.tokens += budget->tokenizer()->count(kFlushedLine);
    chunk.over_budget = budget->limits() && budget->open() && !budget->within(budget->size());
    // The rows fit, but not with the @flushed line: the last row begins the
    // next chunk, and this one, closed by its budget, needs no such line.
    if (flushed_line && budget->limits() && budget->open() && rows_in_chunk > 1 && !chunk.over_budget &&
        !budget->within({chunk.metadata.tokens.value_or(0), data.size()})) {
      std::size_t last = rows.rfind('\n', rows.size() - 2);
      last = last == std::string::npos ? 0 : last + 1;
      moved.assign(rows, last);
      rows.resize(last);
      --rows_in_chunk;
      moved_rows = 1;
      flushed_line = false;
      write_text();
      if (budget->tokenizer()) chunk.metadata.tokens = budget->tokenizer()->count(data);
    }
    columns_declared = columns_end;  // after the last write_header(), which declares from the old value
  }
  budget->close();
  chunk.schema_columns = columns_declared;
  chunk.chunk_id = chunks_completed++;
  chunk.is_first = first;
  chunk.total_chunks = total_chunks();
  chunk.metadata.table = table;
  chunk.metadata.records_in_chunk = rows_in_chunk;
  chunk.metadata.start_idx = records_chunked;
  chunk.metadata.end_idx = records_chunked + rows_in_chunk;
  chunk.metadata.total_records = total_records;
  if (total_records)
    chunk.metadata.progress = *total_records == 0 ? 1.0
        : std::min(1.0, static_cast<double>(chunk.metadata.end_idx) / static_cast<double>(*total_records));
  else
    chunk.metadata.progress = progress_hint;
  records_chunked += rows_in_chunk;
  rows = std::move(moved);
  rows_in_chunk = moved_rows;
  if (moved_rows > 0) {
    // They begin the next chunk: measured again under its header.
    start_budget();
    for (std::size_t at = 0; at < rows.size();) {
      std::size_t end = rows.find('\n', at);
      try_row(std::string_view(rows).substr(at, end - at));
      add_row();
      at = end + 1;
    }
  }
  bool more_expected = moved_rows > 0 || (total_records && records_chunked < *total_records);
  if (more_expected) {
    ready.push_back(std::move(chunk));
  } else {
    release_held(false);  // a chunk completed before this one in the same push()
    held = std::move(chunk);
  }
}

// Writes the self-contained chunk of `rows` into `data`. Under a budget its
// text is counted exactly: while it is over, rows move from its end to
// `moved` (to begin the next chunk) and it is written again, a row at least
// each time, so at most as many times as it has rows. A single row over
// budget stays: the caller applies the oversize policy. Returns the rows
// moved; `tokens`, the text's count when there is a tokenizer.
std::size_t IncrementalEncoder::Impl::write_self_contained(std::string& data, std::string& moved,
                                                          std::optional<std::size_t>& tokens) {
  std::string written;  // the rows as the plan wrote them: write_header rewrites them
  if (budget->limits()) written = rows;
  std::size_t moved_rows = 0;
  std::size_t prefix = data.size();
  while (true) {
    // Short and not the last: said in its text, so that a decoder does not
    // take it for its stream's last chunk (docs/FORMAT.md, 5). Rows moved
    // out make a chunk closed by its budget, not short.
    if (flushing && moved_rows == 0 && !(total_records && records_chunked + rows_in_chunk >= *total_records))
      data += "@flushed\n";
    self_contained->write_header(*plan, chunks_completed, rows, data);
    detail::write_name(table, data);
    data += '(';
    data += std::to_string(rows_in_chunk);
    data += "):";
    if (!rows.empty()) {
      data.push_back('\n');
      data.append(rows, 0, rows.size() - 1);  // no newline after the last row
    }
    if (budget->tokenizer()) tokens = budget->tokenizer()->count(data);
    detail::ChunkBudget::Size actual{tokens.value_or(0), data.size()};
    std::size_t excess = budget->excess(actual);
    if (excess == 0 || rows_in_chunk <= 1) return moved_rows;
    // A token is a byte at least: rows of fewer bytes than the excess
    // cannot make up for it (their dictionary entries aside).
    std::size_t end = written.size(), removed = 0;
    do {
      std::size_t start = written.rfind('\n', end - 2);
      start = start == std::string::npos ? 0 : start + 1;
      removed += end - start;
      end = start;
      --rows_in_chunk;
      ++moved_rows;
    } while (removed < excess && rows_in_chunk > 1);
    moved.insert(0, written, end);
    written.resize(end);
    rows = written;
    data.resize(prefix);
    if (chunks_completed == 0) self_contained->unfix_stream();
  }
}

void IncrementalEncoder::Impl::release_held(bool is_last) {
  if (!held) return;
  if (is_last) {
    held->is_last = true;
    held->total_chunks = held->chunk_id + 1;
    held->metadata.total_records = held->metadata.end_idx;
    held->metadata.progress = 1.0;
  }
  open_ended = !is_last;
  ready.push_back(std::move(*held));
  held.reset();
}

IncrementalEncoder::IncrementalEncoder(EncoderOptions options, std::string table,
                                       std::optional<std::size_t> total_records)
    : impl_(std::make_unique<Impl>()) {
  options.validate();
  impl_->options = options;
  impl_->table = std::move(table);
  impl_->total_records = total_records;
  if (options.self_contained) impl_->self_contained.emplace(impl_->table, options);
  Impl* impl = impl_.get();
  impl_->budget.emplace(options, [impl](std::size_t end, std::string& out) { impl->write_header(end, out); });
}

IncrementalEncoder::~IncrementalEncoder() = default;
IncrementalEncoder::IncrementalEncoder(IncrementalEncoder&&) noexcept = default;
IncrementalEncoder& IncrementalEncoder::operator=(IncrementalEncoder&&) noexcept = default;

void IncrementalEncoder::prime(std::span<const Value> sample) {
  if (impl_->plan || !impl_->sample.empty() || impl_->records_pushed > 0)
    throw EncodingError("prime() must come before the first push()");
  for (const Value& record : sample)
    if (!record.is_object()) throw EncodingError("every record must be a JSON object");
  impl_->fix_plan(sample);
  impl_->primed_left = sample.size();
}

void IncrementalEncoder::push(const Value& record) {
  Impl& s = *impl_;
  if (s.finished) throw EncodingError("push() after finish()");
  if (!record.is_object())
    throw EncodingError("record " + std::to_string(s.records_pushed + 1) + " of table '" + s.table +
                        "' is not a JSON object");
  if (s.plan) {
    if (s.primed_left > 0) --s.primed_left;
    s.encode(record, s.records_pushed);
  } else {
    s.sample.push_back(detail::copy_value(record, s.sample_arena));
    if (s.sample.size() == s.options.sample_size) {
      s.fix_plan(s.sample);
      for (std::size_t i = 0; i < s.sample.size(); ++i) s.encode(s.sample[i], i);
      s.sample.clear();
      s.sample_arena = Arena();
    }
  }
  ++s.records_pushed;
}

void IncrementalEncoder::set_progress(double fraction) noexcept { impl_->progress_hint = fraction; }

void IncrementalEncoder::set_total_records(std::size_t total) noexcept { impl_->total_records = total; }

void IncrementalEncoder::finish() {
  Impl& s = *impl_;
  if (s.finished) return;
  if (!s.plan) {
    s.fix_plan(s.sample);
    for (std::size_t i = 0; i < s.sample.size(); ++i) s.encode(s.sample[i], i);
  }
  if (s.rows_in_chunk > 0 || s.chunks_completed == 0 || (!s.held && s.open_ended)) s.complete_chunk();
  while (s.rows_in_chunk > 0) s.complete_chunk();  // rows a self-contained chunk moved out
  s.release_held(true);
  s.finished = true;
}

void IncrementalEncoder::release() {
  Impl& s = *impl_;
  s.release_held(s.total_records && s.records_chunked >= *s.total_records);
}

void IncrementalEncoder::flush() {
  Impl& s = *impl_;
  if (s.finished) return;
  if (!s.plan && !s.sample.empty()) {
    s.fix_plan(s.sample);
    for (std::size_t i = 0; i < s.sample.size(); ++i) s.encode(s.sample[i], i);
    s.sample.clear();
    s.sample_arena = Arena();
  }
  if (s.rows_in_chunk > 0) {
    s.short_chunks = true;
    s.flushing = true;
    while (s.rows_in_chunk > 0) s.complete_chunk();  // rows a self-contained chunk moved out
    s.flushing = false;
  }
  release();
}

std::optional<Chunk> IncrementalEncoder::pop() {
  if (impl_->ready.empty()) return std::nullopt;
  Chunk c = std::move(impl_->ready.front());
  impl_->ready.pop_front();
  return c;
}

std::size_t IncrementalEncoder::records_pushed() const noexcept { return impl_->records_pushed; }
std::size_t IncrementalEncoder::chunks_completed() const noexcept { return impl_->chunks_completed; }

std::string IncrementalEncoder::checkpoint(const Chunk& chunk) const {
  const Impl& s = *impl_;
  if (!s.plan) throw EncodingError("checkpoint() before the first chunk");
  // The plan part is the same for every chunk until a column is added:
  // made once, not per chunk (it holds the dictionary).
  if (s.checkpoint_plan.empty() || s.checkpoint_columns != chunk.schema_columns) {
    s.checkpoint_plan = detail::plan_checkpoint(*s.plan, chunk.schema_columns, s.table, s.options.chunk_size);
    s.checkpoint_columns = chunk.schema_columns;
  }
  std::string text = detail::write_checkpoint(s.checkpoint_plan, chunk.chunk_id + 1, chunk.metadata.end_idx);
  return s.self_contained ? s.self_contained->add_to_checkpoint(std::move(text)) : text;
}

IncrementalEncoder IncrementalEncoder::resume(EncoderOptions options, std::string table,
                                              std::string_view checkpoint,
                                              std::optional<std::size_t> total_records) {
  IncrementalEncoder encoder(options, table, total_records);
  Impl& s = *encoder.impl_;
  s.plan = std::make_unique<Plan>();
  detail::ResumePoint at = detail::read_checkpoint(checkpoint, table, options.chunk_size, *s.plan);
  detail::SelfContainedChunks::resume(checkpoint, s.self_contained ? &*s.self_contained : nullptr);
  s.columns_declared = s.plan->columns.size();
  s.chunks_completed = at.next_chunk_id;
  s.records_chunked = at.next_record;
  s.records_pushed = at.next_record;
  return encoder;
}

ChunkStream::ChunkStream(IncrementalEncoder encoder, std::span<const Value> records)
    : encoder_(std::move(encoder)), records_(records) {}

std::optional<Chunk> ChunkStream::next() {
  while (true) {
    if (auto chunk = encoder_.pop()) return chunk;
    if (next_record_ < records_.size()) {
      encoder_.push(records_[next_record_++]);
    } else if (!finished_) {
      encoder_.finish();
      finished_ = true;
    } else {
      return std::nullopt;
    }
  }
}

StreamEncoder::StreamEncoder(EncoderOptions options) : options_(options) { options_.validate(); }

std::pair<std::string, std::span<const Value>> select_table(const Value& data,
                                                            std::optional<std::string_view> table) {
  if (data.is_array()) return {std::string(table.value_or("records")), data.items()};
  if (!data.is_object())
    throw EncodingError("the data must be an object of tables, {\"name\": [records...]}, or an array of records");
  auto members = data.members();
  auto names = [&] {
    std::string list;
    for (const Member& m : members) list += (list.empty() ? "" : ", ") + std::string(m.key);
    return list;
  };
  const Member* chosen = nullptr;
  if (table) {
    for (const Member& m : members)
      if (m.key == *table) chosen = &m;
    if (!chosen)
      throw EncodingError("table '" + std::string(*table) + "' not found; the data has: " +
                          (members.empty() ? std::string("no tables") : names()));
  } else {
    if (members.empty()) throw EncodingError("the data has no tables");
    if (members.size() > 1)
      throw EncodingError("Multiple tables found (" + names() + "): specify the table to encode");
    chosen = &members[0];
  }
  if (!chosen->value.is_array())
    throw EncodingError("table '" + std::string(chosen->key) + "' is not an array of records");
  return {std::string(chosen->key), chosen->value.items()};
}

ChunkStream StreamEncoder::stream_encode(const Value& data, std::optional<std::string_view> table) const {
  auto [name, records] = select_table(data, table);
  IncrementalEncoder encoder(options_, name, records.size());
  encoder.prime(records.first(std::min(records.size(), options_.sample_size)));
  return ChunkStream(std::move(encoder), records);
}

std::string StreamEncoder::encode(const Value& data, std::optional<std::string_view> table) const {
  std::string out;
  for (auto& chunk : stream_encode(data, table)) {
    if (!out.empty()) out.push_back('\n');
    out += chunk.data;
  }
  return out;
}

}  // namespace aton
