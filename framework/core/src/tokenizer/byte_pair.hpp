// Byte pair encoding of one piece, as tiktoken does it: a piece that is a
// token is that token; otherwise its bytes start as one part each and the
// adjacent pair whose bytes have the lowest rank merges, the leftmost on a
// tie, until no pair is a token. The parts left are the tokens.
#pragma once

#include "rank_table.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace aton::tokenizer {

// Appends the tokens of the piece p[0, n) (n > 0) to `out`.
void byte_pair_encode(const RankTable& ranks, const unsigned char* p, std::size_t n, std::vector<std::uint32_t>& out);

}  // namespace aton::tokenizer
