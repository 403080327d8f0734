// Exact token counts of OpenAI's BPE encodings: o200k_base (GPT-4o, o1,
// o3, GPT-4.1, GPT-5; the default) and cl100k_base (GPT-4, GPT-3.5).
//
// Tokens are tiktoken's `encode_ordinary(text)`: the same ids, so the same
// count, on every input (tested against tiktoken's own Rust core, run by
// node, on some 20,000 texts). Special tokens such as <|endoftext|> in the
// text are ordinary text, as the API treats text a user sends.
//
// What it needs: the rank file of each encoding, `<name>.tiktoken` in
// tiktoken's own form (o200k_base.tiktoken, cl100k_base.tiktoken), byte
// for byte the file tiktoken downloads. scripts/tokenizer/setup BUILD_DIR
// writes them into BUILD_DIR/share/aton/tokenizer from the npm package
// tiktoken (scripts/test, scripts/demo and bench/run call it), and
// `cmake --install` copies them to <prefix>/share/aton/tokenizer. Nothing is
// fetched at run time. A build without them works; only what counts tokens
// fails, with a TokenizerError that names the file and how to get it.
//
// Where rank files are looked for, in order (tokenizer_search_path()):
//   1. each folder of the environment variable ATON_TOKENIZER_PATH
//      (colon-separated), e.g. tiktoken's own cache folder after renaming;
//   2. <folder of the running program>/../share/aton/tokenizer: the build
//      tree for build/bin/aton and build/tests/aton_tests, the install
//      prefix for an installed aton;
//   3. the build tree and the install prefix this library was built for.
// The first folder holding the file wins. A file that is found but is not
// the encoding's exact ranks (another file, cut short, edited) is an error,
// not skipped: the counts would be wrong.
//
// Unicode: the split rules' character classes are Unicode 16.0's, the
// version of Rust's regex crate that tiktoken matches with. Text is UTF-8;
// a byte that is not valid UTF-8 counts as a character of its own and
// encodes as that byte (tiktoken itself only takes valid text).
//
// Threads: a Tokenizer is immutable after loading. count() and encode() may
// be called from any number of threads at once. Each thread keeps its own
// cache of the pieces it met (the split rules cut text into pieces, and
// ATON rows repeat theirs), bounded to a few megabytes per encoding, freed
// when the thread ends.
#pragma once

#include <aton/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton {

// A rank file that cannot be found, read or trusted. A ConfigError: asking
// for token counts on an installation without the ranks is a set-up
// problem, not bad data.
class TokenizerError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

enum class TokenEncoding {
  o200k_base,
  cl100k_base,
};

// "o200k_base", "cl100k_base".
std::string_view encoding_name(TokenEncoding encoding) noexcept;
// The encoding of that name, or nothing.
std::optional<TokenEncoding> encoding_from_name(std::string_view name) noexcept;

// A folder searched for rank files, and why (shown in errors).
struct TokenizerFolder {
  std::filesystem::path path;
  std::string origin;  // "ATON_TOKENIZER_PATH", "next to the program", "build tree", "install prefix"
};

// The folders searched, in order (see above), duplicates removed.
std::vector<TokenizerFolder> tokenizer_search_path();

class Tokenizer {
 public:
  // The encoding's tokenizer, loaded from the search path on first use and
  // shared until the process ends. Throws TokenizerError when no folder has
  // the rank file or the file found is not right; a later call tries again.
  static const Tokenizer& get(TokenEncoding encoding = TokenEncoding::o200k_base);

  // Whether get(encoding) finds a rank file (without loading or checking it).
  static bool available(TokenEncoding encoding);

  // Loads the first rank file found in `folders`, or the file `ranks_file`.
  // For callers that keep their own tokenizers (tests, tools); get() is the
  // usual way. Throws TokenizerError as get() does.
  static std::unique_ptr<Tokenizer> load(TokenEncoding encoding, const std::vector<TokenizerFolder>& folders);
  static std::unique_ptr<Tokenizer> load_file(TokenEncoding encoding, const std::filesystem::path& ranks_file);

  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  TokenEncoding encoding() const noexcept;
  // The file the ranks came from.
  const std::filesystem::path& ranks_file() const noexcept;

  // The number of tokens of `text`: encode(text).size(), without the ids.
  std::size_t count(std::string_view text) const;
  // The token ids of `text`, appended to `out`.
  void encode(std::string_view text, std::vector<std::uint32_t>& out) const;
  std::vector<std::uint32_t> encode(std::string_view text) const;

 private:
  friend class TokenTally;
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The token count of a text that grows at its end (a chunk whose rows are
// added one at a time), each byte tokenized about once instead of the whole
// text again at every step. count(text) equals Tokenizer::count(text).
//
// Why it is exact: the split rules look behind nothing, and ahead of a
// piece only into the next one (a contraction `'ll` after letters, a blank
// left to the next word, a newline run); so every piece before the last two
// of a text stays the same piece whatever is appended, and the tally only
// splits again from the start of the last two.
//
// A value type: copy it to try an extension and go back to the copy.
class TokenTally {
 public:
  explicit TokenTally(const Tokenizer& tokenizer) noexcept : tokenizer_(&tokenizer) {}

  // Tokens of `text`, which begins with the text of the previous call
  // (any text after a reset()) and adds whole UTF-8 characters to it: a
  // text cut inside a character splits as if its bytes were symbols, which
  // the rest of the character then changes further back.
  std::size_t count(std::string_view text);
  void reset() noexcept { settled_bytes_ = settled_tokens_ = 0; }

  // For a text too long to keep whole: its first settled_bytes() bytes are
  // counted for good. A caller may drop up to that many from the front of
  // its text and say so with dropped(n); the next count() is then given
  // the rest and still returns the tokens of the whole.
  std::size_t settled_bytes() const noexcept { return settled_bytes_; }
  std::size_t settled_tokens() const noexcept { return settled_tokens_; }
  void dropped(std::size_t bytes) noexcept { settled_bytes_ -= bytes; }

 private:
  const Tokenizer* tokenizer_;
  std::size_t settled_bytes_ = 0;   // text[0, settled_bytes_) splits into final pieces...
  std::size_t settled_tokens_ = 0;  // ...of this many tokens
};

}  // namespace aton
