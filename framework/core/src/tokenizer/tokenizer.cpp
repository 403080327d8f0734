// aton::Tokenizer: loading, the thread caches, and the loop that splits a
// text into pieces and counts or encodes each.
#include <aton/tokenizer.hpp>

#include "byte_pair.hpp"
#include "bytes_hash.hpp"
#include "hot_pieces.hpp"
#include "piece_cache.hpp"
#include "pretokenizer.hpp"
#include "rank_table.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <span>
#include <sstream>

namespace aton {
namespace fs = std::filesystem;
using tokenizer::RankTable;

namespace {

struct EncodingInfo {
  TokenEncoding encoding;
  std::string_view name;
  // What the rank file must be: tiktoken's file has this many tokens, and
  // these bytes hash to this (bytes_hash.hpp over the whole file; the set-up
  // checks the SHA-256 tiktoken publishes, this catches a wrong or damaged
  // file at load).
  std::size_t tokens;
  std::uint64_t fingerprint;
};

constexpr std::array<EncodingInfo, 2> kEncodings = {{
    {TokenEncoding::o200k_base, "o200k_base", 199998, 0x18d6512afc7f79c8ull},
    {TokenEncoding::cl100k_base, "cl100k_base", 100256, 0x98bba5b7ba38e979ull},
}};

const EncodingInfo& info(TokenEncoding encoding) { return kEncodings[static_cast<std::size_t>(encoding)]; }

std::string file_name(TokenEncoding encoding) { return std::string(encoding_name(encoding)) + ".tiktoken"; }

std::string hex(std::uint64_t v) {
  std::ostringstream out;
  out << "0x" << std::hex << v;
  return out.str();
}

std::atomic<std::uint64_t> next_serial{1};

// The caches of one thread for one tokenizer.
struct PieceCaches {
  tokenizer::HotPieces hot;
  tokenizer::PieceCache merged;

  void clear() {
    hot.clear();
    merged.clear();
  }
};

// Each thread's piece caches: one set per tokenizer it uses, two at most (a
// third tokenizer takes over the set used longer ago).
struct ThreadCaches {
  struct Entry {
    std::uint64_t serial = 0;
    PieceCaches caches;
  };
  Entry entries[2];
  unsigned older = 0;
  std::vector<std::uint32_t> scratch;

  PieceCaches& for_tokenizer(std::uint64_t serial) {
    for (unsigned i = 0; i < 2; ++i) {
      if (entries[i].serial == serial) {
        older = 1 - i;
        return entries[i].caches;
      }
    }
    Entry& e = entries[older];
    e.serial = serial;
    e.caches.clear();
    older = 1 - older;
    return e.caches;
  }
};

thread_local ThreadCaches thread_caches;

}  // namespace

std::string_view encoding_name(TokenEncoding encoding) noexcept { return info(encoding).name; }

std::optional<TokenEncoding> encoding_from_name(std::string_view name) noexcept {
  for (const auto& e : kEncodings)
    if (e.name == name) return e.encoding;
  return std::nullopt;
}

struct Tokenizer::Impl {
  Impl(const EncodingInfo& info, fs::path file, std::string_view text)
      : info(info), file(std::move(file)), ranks(text, this->file.string()) {}

  const EncodingInfo& info;
  fs::path file;
  RankTable ranks;
  std::uint64_t serial = next_serial.fetch_add(1);

  // The tokens of one piece: their number, and their ids appended to `out`
  // when it is given. Most pieces are in the thread's hot pieces; then come
  // the rank table (a piece that is one token) and the cache of merged
  // pieces; byte pair merges only for a piece met the first time.
  std::size_t piece(const unsigned char* p, std::size_t n, PieceCaches& caches,
                    std::vector<std::uint32_t>* out) const {
    using tokenizer::HotPieces;
    std::uint64_t hash = tokenizer::hash_bytes(p, n);
    if (n <= HotPieces::kMaxPiece) {
      if (const HotPieces::Entry* e = caches.hot.find(p, n, hash)) {
        if (out) out->insert(out->end(), e->ids, e->ids + e->tokens);
        return e->tokens;
      }
    }
    if (std::uint32_t rank = ranks.find(p, n, hash); rank != RankTable::kNone) {
      caches.hot.insert(p, n, hash, &rank, 1);
      if (out) out->push_back(rank);
      return 1;
    }
    std::span<const std::uint32_t> tokens = caches.merged.find(p, n, hash);
    if (tokens.empty()) {
      std::vector<std::uint32_t>& merged = thread_caches.scratch;
      merged.clear();
      tokenizer::byte_pair_encode(ranks, p, n, merged);
      caches.merged.insert(p, n, hash, merged);
      tokens = merged;
    }
    caches.hot.insert(p, n, hash, tokens.data(), tokens.size());
    if (out) out->insert(out->end(), tokens.begin(), tokens.end());
    return tokens.size();
  }

  template <std::size_t (*PieceEnd)(std::string_view, std::size_t)>
  std::size_t run(std::string_view text, std::vector<std::uint32_t>* out) const {
    PieceCaches& caches = thread_caches.for_tokenizer(serial);
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t tokens = 0;
    for (std::size_t pos = 0; pos < text.size();) {
      std::size_t end = PieceEnd(text, pos);
      tokens += piece(bytes + pos, end - pos, caches, out);
      pos = end;
    }
    return tokens;
  }

  // The tokens of text[from, end), where a piece starts at `from`; `last`
  // receives where the last two pieces start and their tokens.
  struct Tail {
    std::size_t start[2] = {0, 0};  // [0] the second-to-last piece, [1] the last
    std::size_t tokens[2] = {0, 0};
  };
  template <std::size_t (*PieceEnd)(std::string_view, std::size_t)>
  std::size_t run_tail(std::string_view text, std::size_t from, Tail& last) const {
    PieceCaches& caches = thread_caches.for_tokenizer(serial);
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t tokens = 0;
    last = Tail{{from, from}, {0, 0}};
    for (std::size_t pos = from; pos < text.size();) {
      std::size_t end = PieceEnd(text, pos);
      std::size_t n = piece(bytes + pos, end - pos, caches, nullptr);
      last = Tail{{last.start[1], pos}, {last.tokens[1], n}};
      tokens += n;
      pos = end;
    }
    return tokens;
  }

  std::size_t run_tail(std::string_view text, std::size_t from, Tail& last) const {
    return info.encoding == TokenEncoding::o200k_base ? run_tail<tokenizer::o200k_piece_end>(text, from, last)
                                                      : run_tail<tokenizer::cl100k_piece_end>(text, from, last);
  }

  std::size_t run(std::string_view text, std::vector<std::uint32_t>* out) const {
    return info.encoding == TokenEncoding::o200k_base ? run<tokenizer::o200k_piece_end>(text, out)
                                                      : run<tokenizer::cl100k_piece_end>(text, out);
  }
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

TokenEncoding Tokenizer::encoding() const noexcept { return impl_->info.encoding; }
const fs::path& Tokenizer::ranks_file() const noexcept { return impl_->file; }

std::size_t Tokenizer::count(std::string_view text) const { return impl_->run(text, nullptr); }

void Tokenizer::encode(std::string_view text, std::vector<std::uint32_t>& out) const { impl_->run(text, &out); }

std::vector<std::uint32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<std::uint32_t> out;
  encode(text, out);
  return out;
}

std::size_t TokenTally::count(std::string_view text) {
  if (text.size() < settled_bytes_) reset();  // not an extension: start again
  Tokenizer::Impl::Tail last;
  std::size_t tail = tokenizer_->impl_->run_tail(text, settled_bytes_, last);
  std::size_t total = settled_tokens_ + tail;
  settled_tokens_ = total - last.tokens[0] - last.tokens[1];
  settled_bytes_ = last.start[0];
  return total;
}

std::unique_ptr<Tokenizer> Tokenizer::load_file(TokenEncoding encoding, const fs::path& ranks_file) {
  const EncodingInfo& want = info(encoding);
  std::string text;
  {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(ranks_file.c_str(), "rb"), &std::fclose);
    if (!in)
      throw TokenizerError(ranks_file.string() + ": cannot open the " + std::string(want.name) +
                           " rank file: " + std::strerror(errno));
    char buffer[1 << 16];
    while (std::size_t got = std::fread(buffer, 1, sizeof buffer, in.get())) text.append(buffer, got);
    if (std::ferror(in.get())) throw TokenizerError(ranks_file.string() + ": cannot read: " + std::strerror(errno));
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  std::uint64_t fingerprint = tokenizer::hash_bytes(bytes, text.size());
  auto impl = std::make_unique<Impl>(want, ranks_file, text);
  if (impl->ranks.size() != want.tokens || fingerprint != want.fingerprint)
    throw TokenizerError(ranks_file.string() + ": not tiktoken's " + std::string(want.name) + " ranks (" +
                         std::to_string(impl->ranks.size()) + " tokens, fingerprint " + hex(fingerprint) +
                         "; expected " + std::to_string(want.tokens) + " tokens, fingerprint " +
                         hex(want.fingerprint) + "). Write it again with scripts/tokenizer/setup BUILD_DIR.");
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

std::unique_ptr<Tokenizer> Tokenizer::load(TokenEncoding encoding, const std::vector<TokenizerFolder>& folders) {
  std::string name = file_name(encoding);
  std::string searched;
  for (const auto& folder : folders) {
    std::error_code ec;
    fs::path file = folder.path / name;
    if (fs::is_regular_file(file, ec)) return load_file(encoding, file);
    searched += "\n  " + folder.path.string() + " (" + folder.origin + ")";
  }
  throw TokenizerError(std::string(encoding_name(encoding)) + " token counts need the rank file " + name +
                       ", and no folder searched has it:" + (searched.empty() ? " none" : searched) +
                       "\nFrom a clone: scripts/tokenizer/setup BUILD_DIR writes it from the npm package tiktoken "
                       "(needs node and npm) and `cmake --install` installs it. Or name a folder holding "
                       "tiktoken's " + name + " in ATON_TOKENIZER_PATH.");
}

bool Tokenizer::available(TokenEncoding encoding) {
  std::string name = file_name(encoding);
  for (const auto& folder : tokenizer_search_path()) {
    std::error_code ec;
    if (fs::is_regular_file(folder.path / name, ec)) return true;
  }
  return false;
}

const Tokenizer& Tokenizer::get(TokenEncoding encoding) {
  static std::mutex loading;
  static std::atomic<const Tokenizer*> loaded[kEncodings.size()];
  auto& slot = loaded[static_cast<std::size_t>(encoding)];
  if (const Tokenizer* t = slot.load(std::memory_order_acquire)) return *t;
  std::lock_guard lock(loading);
  if (const Tokenizer* t = slot.load(std::memory_order_relaxed)) return *t;
  // Kept until the process ends (threads may still count during exit).
  const Tokenizer* t = load(encoding, tokenizer_search_path()).release();
  slot.store(t, std::memory_order_release);
  return *t;
}

}  // namespace aton
