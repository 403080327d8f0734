#include "self_contained.hpp"

#include "aton_writer.hpp"

#include <aton/errors.hpp>
#include <aton/json.hpp>

#include <algorithm>
#include <charconv>

namespace aton::detail {

namespace {

// FNV-1a: small, stable across platforms and runs, enough to tell one
// stream from another (it is no protection against forgery).
std::uint64_t fnv1a(std::string_view text, std::uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// Calls f(at, length, entry) for each "#N" in `rows`. Outside quoted
// strings, a '#' in a row is always a dictionary reference: strings
// starting with '#' are quoted, bare strings and names never hold one
// (docs/FORMAT.md, 3).
template <typename F>
void for_each_reference(std::string_view rows, F f) {
  const char* text = rows.data();
  std::size_t n = rows.size();
  for (std::size_t i = 0; i < n;) {
    char c = text[i];
    if (c == '"') {
      for (++i; i < n && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
      ++i;
    } else if (c == '#') {
      std::size_t start = i++;
      std::uint32_t entry = 0;
      auto r = std::from_chars(text + i, text + n, entry);
      i = static_cast<std::size_t>(r.ptr - text);
      f(start, i - start, entry);
    } else {
      ++i;
    }
  }
}

}  // namespace

SelfContainedChunks::SelfContainedChunks(std::string_view table, const EncoderOptions& options)
    : table_(table),
      options_text_(std::string(compression_name(options.compression)) + ";" + std::to_string(options.chunk_size)) {}

void SelfContainedChunks::find_references(std::string_view rows) {
  references_.clear();
  used_.clear();
  for_each_reference(rows, [&](std::size_t at, std::size_t length, std::uint32_t entry) {
    references_.push_back({at, length, entry});
    if (uses_[entry]++ == 0) used_.push_back(entry);
  });
}

// The entries that pay for their declaration in this chunk keep a
// reference, numbered from #0 by what they save; the rest are written out.
void SelfContainedChunks::choose_entries(const Plan& plan) {
  entries_.clear();
  struct Choice {
    std::uint32_t entry;
    std::size_t weight;  // uses x literal length: what a reference replaces
  };
  std::vector<Choice> order;
  order.reserve(used_.size());
  for (std::uint32_t entry : used_) {
    std::string& literal = replacement_[entry];
    literal.clear();
    write_value(Value::string(plan.dictionary[entry]), plan, false, literal);
    order.push_back({entry, uses_[entry] * literal.size()});
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const Choice& a, const Choice& b) { return a.weight > b.weight; });
  std::string quoted;
  for (const Choice& choice : order) {
    std::size_t uses = uses_[choice.entry];
    std::size_t reference = 1 + std::to_string(entries_.size()).size();
    quoted.clear();
    append_json_string(plan.dictionary[choice.entry], quoted);
    // "#k:" + the quoted string + a separator, and "@dict[]\n" for the first.
    std::size_t declaration = reference + 1 + quoted.size() + plan.separator().size() + (entries_.empty() ? 8 : 0);
    std::size_t literal = replacement_[choice.entry].size();
    if (literal > reference && uses * (literal - reference) > declaration) {
      std::string& text = replacement_[choice.entry];
      text = "#" + std::to_string(entries_.size());
      entries_.push_back(plan.dictionary[choice.entry]);
    }
  }
}

void SelfContainedChunks::rewrite_rows(std::string& rows) {
  rewritten_.clear();
  rewritten_.reserve(rows.size());
  std::size_t from = 0;
  for (const Reference& r : references_) {
    rewritten_.append(rows, from, r.at - from);
    rewritten_.append(replacement_[r.entry]);
    from = r.at + r.length;
  }
  rewritten_.append(rows, from);
  rows.swap(rewritten_);
}

void SelfContainedChunks::write_header(const Plan& plan, std::size_t chunk_id, std::string& rows, std::string& out) {
  header_.clear();
  write_schema_line(plan, 0, false, header_);
  write_defaults_line(plan, header_);
  if (!plan.dictionary.empty()) {
    if (uses_.size() < plan.dictionary.size()) {
      uses_.resize(plan.dictionary.size());
      replacement_.resize(plan.dictionary.size());
    }
    find_references(rows);
    choose_entries(plan);
    if (!references_.empty()) rewrite_rows(rows);
    for (std::uint32_t entry : used_) uses_[entry] = 0;
    write_dictionary_line(entries_, plan, header_);
  }
  if (stream_.empty()) {
    std::uint64_t h = fnv1a(rows, fnv1a(header_, fnv1a(options_text_, fnv1a(table_))));
    auto folded = static_cast<std::uint32_t>(h ^ (h >> 32));
    char hex[9];
    for (int i = 7; i >= 0; --i, folded >>= 4) hex[i] = "0123456789abcdef"[folded & 0xf];
    stream_.assign(hex, 8);
  }
  write_chunk_line(plan, chunk_id, out);
  out.append(header_);
}

void SelfContainedChunks::write_chunk_line(const Plan& plan, std::size_t chunk_id, std::string& out) const {
  out.append("@chunk[id:");
  out.append(std::to_string(chunk_id));
  out.append(plan.separator());
  out.append("stream:\"");
  out.append(stream_.empty() ? std::string_view("00000000") : std::string_view(stream_));
  out.append("\"]\n");
}

void SelfContainedChunks::start_estimate() {
  for (std::uint32_t entry : estimated_list_) estimated_[entry] = false;
  estimated_list_.clear();
  pending_.clear();
}

void SelfContainedChunks::new_entries(const Plan& plan, std::string_view row, std::string& out) {
  pending_.clear();
  if (plan.dictionary.empty()) return;
  if (estimated_.size() < plan.dictionary.size()) estimated_.resize(plan.dictionary.size());
  for_each_reference(row, [&](std::size_t, std::size_t, std::uint32_t entry) {
    if (estimated_[entry] || std::find(pending_.begin(), pending_.end(), entry) != pending_.end()) return;
    if (estimated_list_.empty() && pending_.empty()) out.append("@dict[]\n");
    pending_.push_back(entry);
    out.push_back('#');
    out.append(std::to_string(entry));
    out.push_back(':');
    append_json_string(plan.dictionary[entry], out);
    out.append(plan.separator());
  });
}

void SelfContainedChunks::take_entries() {
  for (std::uint32_t entry : pending_) {
    estimated_[entry] = true;
    estimated_list_.push_back(entry);
  }
  pending_.clear();
}

std::string SelfContainedChunks::add_to_checkpoint(std::string checkpoint) const {
  // The checkpoint is one JSON object: the id goes in before its last '}'.
  std::size_t end = checkpoint.rfind('}');
  checkpoint.insert(end, ",\"stream\":\"" + stream_ + "\"");
  return checkpoint;
}

void SelfContainedChunks::resume(std::string_view checkpoint, SelfContainedChunks* self_contained) {
  Arena arena;
  const Value* stream = nullptr;
  Value root;
  try {
    root = parse_json(checkpoint, arena);
    if (root.is_object()) stream = root.find("stream");
  } catch (const JsonError&) {
    // read_checkpoint() has refused it already; nothing to add here.
  }
  const char* refuse = "cannot resume the encoder from this checkpoint: ";
  if (self_contained && (!stream || !stream->is_string() || stream->as_string().empty()))
    throw EncodingError(std::string(refuse) + "it was made without self_contained, which is on now");
  if (!self_contained && stream)
    throw EncodingError(std::string(refuse) + "it was made with self_contained, which is off now");
  if (self_contained) self_contained->stream_ = std::string(stream->as_string());
}

}  // namespace aton::detail
