#include "chunk_budget.hpp"

#include <algorithm>
#include <charconv>

namespace aton::detail {

ChunkBudget::ChunkBudget(const EncoderOptions& options, PrefixWriter write_prefix)
    : max_tokens_(options.max_tokens), max_bytes_(options.max_bytes), write_prefix_(std::move(write_prefix)) {
  // Counting is asked for (options.tokenizer) or needed by a budget in
  // tokens; only the budget needs the rank file: without it, chunks just
  // carry no count.
  if (max_tokens_ > 0)
    tokenizer_ = &Tokenizer::get(options.budget_encoding());
  else if (options.tokenizer && Tokenizer::available(*options.tokenizer))
    tokenizer_ = &Tokenizer::get(*options.tokenizer);
  if (tokenizer_ && limits()) {
    body_tally_.emplace(*tokenizer_);
    tried_tally_.emplace(*tokenizer_);
  }
}

ChunkBudget::Size ChunkBudget::prefix_size(std::size_t end) {
  scratch_.clear();
  write_prefix_(end, scratch_);
  return {tokenizer_ ? tokenizer_->count(scratch_) : 0, scratch_.size()};
}

// The row count N: its own pieces.
ChunkBudget::Size ChunkBudget::count_size(std::size_t rows) const {
  char digits[24];
  auto r = std::to_chars(digits, digits + sizeof digits, rows);
  std::string_view text(digits, static_cast<std::size_t>(r.ptr - digits));
  return {tokenizer_ ? tokenizer_->count(text) : 0, text.size()};
}

void ChunkBudget::start(std::size_t end) {
  open_ = true;
  rows_ = 0;
  columns_ = end;
  prefix_ = prefix_size(end);
  growth_ = {0, 0};
  body_ = "):";
  body_end_ = body_bytes_ = body_.size();
  Size body{0, body_bytes_};
  if (body_tally_) {
    body_tally_->reset();
    body.tokens = body_tally_->count(body_);
  }
  Size n = count_size(0);
  size_ = {prefix_.tokens + n.tokens + body.tokens, prefix_.bytes + n.bytes + body.bytes};
}

const ChunkBudget::Size& ChunkBudget::try_row(std::string_view row, std::size_t end, Size growth) {
  tried_columns_ = end;
  tried_growth_ = {growth_.tokens + growth.tokens, growth_.bytes + growth.bytes};
  tried_prefix_ = end == columns_ ? prefix_ : prefix_size(end);
  // The growth is part of the header: a prefix with it, for the sums below.
  Size header{tried_prefix_.tokens + tried_growth_.tokens, tried_prefix_.bytes + tried_growth_.bytes};
  tried_body_bytes_ = body_bytes_ + 1 + row.size();
  Size body{0, tried_body_bytes_};
  Size n = count_size(rows_ + 1);
  // The text itself only for counting tokens; a row tried and not added is
  // forgotten.
  if (body_tally_) {
    body_.resize(body_end_);
    body_.push_back('\n');
    body_.append(row);
    *tried_tally_ = *body_tally_;
    // Every token is at least a byte: while the tokens counted so far plus
    // the bytes not yet counted are within the budget, so is the chunk, and
    // the rows wait to be counted in one pass (at the end of the chunk, or
    // once the bound is over the budget); a long pass runs faster than one
    // per row.
    auto bound = [&] { return tried_tally_->settled_tokens() + (body_.size() - tried_tally_->settled_bytes()); };
    body.tokens = bound();
    body.exact = false;
    if (max_tokens_ > 0 && header.tokens + n.tokens + body.tokens > max_tokens_) {
      // Count the rows added for good first, so that a row that does not
      // fit takes only its own count with it; then bound again.
      body_tally_->count(std::string_view(body_).substr(0, body_end_));
      *tried_tally_ = *body_tally_;
      body.tokens = bound();
      if (header.tokens + n.tokens + body.tokens > max_tokens_) {
        body.tokens = tried_tally_->count(body_);
        body.exact = true;
      }
    }
  }
  tried_ = {header.tokens + n.tokens + body.tokens, header.bytes + n.bytes + body.bytes, body.exact};
  return tried_;
}

void ChunkBudget::add() {
  ++rows_;
  columns_ = tried_columns_;
  prefix_ = tried_prefix_;
  growth_ = tried_growth_;
  if (body_tally_) *body_tally_ = *tried_tally_;
  size_ = tried_;
  body_end_ = body_.size();
  body_bytes_ = tried_body_bytes_;
}

std::optional<std::size_t> ChunkBudget::chunk_tokens(std::string_view data) {
  if (!tokenizer_) return std::nullopt;
  if (!body_tally_ || !open_) return tokenizer_->count(data);
  if (!size_.exact) {
    body_.resize(body_end_);
    size_.tokens = prefix_.tokens + growth_.tokens + count_size(rows_).tokens + body_tally_->count(body_);
    size_.exact = true;
  }
  return size_.tokens;
}

std::size_t ChunkBudget::excess(const Size& size) const noexcept {
  std::size_t tokens = max_tokens_ > 0 && size.tokens > max_tokens_ ? size.tokens - max_tokens_ : 0;
  std::size_t bytes = max_bytes_ > 0 && size.bytes > max_bytes_ ? size.bytes - max_bytes_ : 0;
  return std::max(tokens, bytes);
}

std::string ChunkBudget::over(const Size& size) const {
  std::string parts;
  if (max_tokens_ > 0 && size.tokens > max_tokens_)
    parts = std::to_string(size.tokens) + " tokens (max_tokens " + std::to_string(max_tokens_) + ")";
  if (max_bytes_ > 0 && size.bytes > max_bytes_)
    parts += (parts.empty() ? "" : " and ") + std::to_string(size.bytes) + " bytes (max_bytes " +
             std::to_string(max_bytes_) + ")";
  return parts;
}

}  // namespace aton::detail
