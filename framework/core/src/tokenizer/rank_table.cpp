#include "rank_table.hpp"

#include "bytes_hash.hpp"

#include <aton/tokenizer.hpp>

#include <bit>
#include <charconv>

namespace aton::tokenizer {
namespace {

// The value of a base64 digit, or -1.
int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Appends the bytes of standard base64 with padding; false when malformed.
bool decode_base64(std::string_view text, std::string& out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int d[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        d[k] = 0;
        ++pad;
      } else if (pad > 0 || (d[k] = base64_digit(c)) < 0) {
        return false;
      }
    }
    std::uint32_t v = (d[0] << 18) | (d[1] << 12) | (d[2] << 6) | d[3];
    out.push_back(static_cast<char>(v >> 16));
    if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xFF));
  }
  return true;
}

[[noreturn]] void refuse(const std::string& file, std::size_t line, const std::string& what) {
  throw TokenizerError(file + ":" + std::to_string(line) + ": " + what +
                       "; a rank file holds one \"<token as base64> <rank>\" line per token, ranks from 0");
}

}  // namespace

RankTable::RankTable(std::string_view text, const std::string& file) {
  // Base64 is 4 characters for 3 bytes; a line is some 18 characters.
  bytes_.reserve(text.size() * 3 / 4);
  offsets_.reserve(text.size() / 16);
  offsets_.push_back(0);
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.empty()) refuse(file, line_no, "an empty line");
    std::size_t space = line.find(' ');
    if (space == std::string_view::npos) refuse(file, line_no, "no space between token and rank");
    if (!decode_base64(line.substr(0, space), bytes_)) refuse(file, line_no, "the token is not base64");
    std::string_view rank_text = line.substr(space + 1);
    std::uint32_t rank = 0;
    auto [end, ec] = std::from_chars(rank_text.data(), rank_text.data() + rank_text.size(), rank);
    if (ec != std::errc() || end != rank_text.data() + rank_text.size())
      refuse(file, line_no, "the rank is not a number");
    if (rank != offsets_.size() - 1)
      refuse(file, line_no, "rank " + std::to_string(rank) + " where " + std::to_string(offsets_.size() - 1) +
                                " was due");
    offsets_.push_back(static_cast<std::uint32_t>(bytes_.size()));
  }
  if (size() == 0) throw TokenizerError(file + ": no tokens (an empty rank file)");

  slots_.assign(std::bit_ceil(size() * 2), Slot{0, kNone});
  std::size_t mask = slots_.size() - 1;
  for (std::uint32_t r = 0; r < size(); ++r) {
    std::string_view token = bytes(r);
    const auto* p = reinterpret_cast<const unsigned char*>(token.data());
    std::uint64_t hash = hash_bytes(p, token.size());
    if (find(p, token.size(), hash) != kNone)
      refuse(file, r + 1, "the token of rank " + std::to_string(r) + " came before");
    std::size_t i = hash & mask;
    while (slots_[i].rank != kNone) i = (i + 1) & mask;
    slots_[i] = Slot{static_cast<std::uint32_t>(hash >> 32), r};
  }
  for (int b = 0; b < 256; ++b) {
    unsigned char byte = static_cast<unsigned char>(b);
    byte_ranks_[b] = find(&byte, 1);
    if (byte_ranks_[b] == kNone)
      throw TokenizerError(file + ": the byte " + std::to_string(b) + " is not a token (every byte must be one)");
  }
}

std::uint32_t RankTable::find(const unsigned char* p, std::size_t n) const noexcept {
  return find(p, n, hash_bytes(p, n));
}

}  // namespace aton::tokenizer
