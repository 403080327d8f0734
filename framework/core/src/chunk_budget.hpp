// The size of the chunk being filled, in tokens and bytes, against the
// budgets EncoderOptions::max_tokens and max_bytes; and the token count of
// each chunk (ChunkMetadata::tokens). Internal to the core.
//
// A chunk's text is its header, then one row a line:
//
//     <header lines>name+(N):\n<row>\n<row> ... \n<row>
//
// measured in three parts that the tokenizer's split rules never join (a
// piece ends at the '(' before N, N's digits are pieces of their own, and
// ')' begins a piece):
//   prefix  everything before N: the header lines, the name, "(" or "+(";
//           written by the encoder, again only at a new chunk or a new column;
//   N       the row count, a few digits;
//   body    "):" then "\n<row>" for each row: it grows a row at a time and a
//           TokenTally counts it, so each row goes through the tokenizer once.
// The sum is exact, not an estimate: a chunk whose size says it fits does.
//
// A self-contained chunk (self_contained.hpp) is another text: its header
// holds the dictionary entries its rows use, and its rows are rewritten.
// There the sum is an estimate, the prefix plus the `growth` try_row() is
// given for each row's new entries; the encoder counts the chunk's actual
// text when it completes it and moves rows that take it over to the next.
#pragma once

#include <aton/encoder_options.hpp>
#include <aton/tokenizer.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace aton::detail {

class ChunkBudget {
 public:
  // Writes the prefix of the chunk being filled, declaring columns [.., end).
  using PrefixWriter = std::function<void(std::size_t end, std::string& out)>;

  // Loads options.tokenizer when its rank file is installed. Throws
  // TokenizerError when max_tokens is set and it is not, or a file found
  // is not right.
  ChunkBudget(const EncoderOptions& options, PrefixWriter write_prefix);

  // Whether a budget is set (max_tokens or max_bytes).
  bool limits() const noexcept { return max_tokens_ > 0 || max_bytes_ > 0; }
  // The tokenizer counting chunks; null when none.
  const Tokenizer* tokenizer() const noexcept { return tokenizer_; }

  struct Size {
    std::size_t tokens = 0;  // 0 when not counted
    std::size_t bytes = 0;
    // False: `tokens` is an upper bound, not yet the count (see try_row);
    // within() holds for it all the same.
    bool exact = true;
  };
  bool within(const Size& size) const noexcept {
    return (max_tokens_ == 0 || size.tokens <= max_tokens_) && (max_bytes_ == 0 || size.bytes <= max_bytes_);
  }

  // Whether a chunk is being filled: start() was called since the last
  // close().
  bool open() const noexcept { return open_; }
  // A new chunk, no rows yet, whose header declares columns up to `end`.
  void start(std::size_t end);
  // The chunk was completed.
  void close() noexcept { open_ = false; }

  // The size of the chunk with `row` (its text, no newline) added, the
  // plan then having `end` columns and the header `growth` more: tried()
  // after this. Adds nothing.
  const Size& try_row(std::string_view row, std::size_t end, Size growth);
  const Size& try_row(std::string_view row, std::size_t end) { return try_row(row, end, Size{0, 0, true}); }
  // Adds the row try_row() was last given.
  void add();

  // The chunk with the rows added so far, and with the row tried last.
  const Size& size() const noexcept { return size_; }
  const Size& tried() const noexcept { return tried_; }
  // The columns the chunk's header declares (up to).
  std::size_t columns() const noexcept { return columns_; }

  // The tokens of a complete chunk's text `data` (the one being filled):
  // size(), counted to the end when limits() counts tokens, else `data`
  // counted; nothing without a tokenizer. size() is exact after it.
  std::optional<std::size_t> chunk_tokens(std::string_view data);

  // How far `size` is over budget, the larger of its tokens and bytes over;
  // 0 when within.
  std::size_t excess(const Size& size) const noexcept;

  // "4100 tokens and 20000 bytes", the parts that are over budget.
  std::string over(const Size& size) const;

 private:
  Size prefix_size(std::size_t end);
  Size count_size(std::size_t rows) const;

  const Tokenizer* tokenizer_ = nullptr;
  std::size_t max_tokens_ = 0;
  std::size_t max_bytes_ = 0;
  PrefixWriter write_prefix_;

  bool open_ = false;
  std::size_t rows_ = 0;
  std::size_t columns_ = 0;       // declared by prefix_
  Size prefix_;                   // of the prefix declaring columns_
  Size growth_;                   // what try_row() was given, summed
  // "):" and "\n<row>" per row, and the row tried: kept only to count its
  // tokens; its bytes are counted either way.
  std::string body_;
  std::size_t body_end_ = 0;      // where the rows added end in body_
  std::size_t body_bytes_ = 0;    // of the rows added
  std::size_t tried_body_bytes_ = 0;
  std::optional<TokenTally> body_tally_;
  Size size_;

  // The row tried last.
  std::size_t tried_columns_ = 0;
  Size tried_prefix_;
  Size tried_growth_;
  std::optional<TokenTally> tried_tally_;
  Size tried_;
  std::string scratch_;
};

}  // namespace aton::detail
