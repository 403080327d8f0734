#include "byte_pair.hpp"

#include "bytes_hash.hpp"

#include <algorithm>
#include <queue>

namespace aton::tokenizer {
namespace {

constexpr std::uint32_t kNone = RankTable::kNone;

// Pieces up to this many bytes merge on the stack, scanning all pairs for
// the lowest rank after each merge (quadratic, but few bytes); longer ones
// keep their pairs in a heap.
constexpr std::size_t kSmallPiece = 128;

std::uint32_t rank_of(const RankTable& ranks, const unsigned char* p, std::size_t n) {
  return ranks.find(p, n, hash_bytes(p, n));
}

void merge_small(const RankTable& ranks, const unsigned char* p, std::size_t n, std::vector<std::uint32_t>& out) {
  // Part i is p[start[i], start[i + 1]) with token part[i]; pair[i] is the
  // rank of parts i and i + 1 together.
  std::uint32_t start[kSmallPiece + 1], part[kSmallPiece], pair[kSmallPiece];
  std::size_t parts = n;
  for (std::size_t i = 0; i < n; ++i) {
    start[i] = static_cast<std::uint32_t>(i);
    part[i] = ranks.byte_rank(p[i]);
    pair[i] = i + 1 < n ? rank_of(ranks, p + i, 2) : kNone;
  }
  start[n] = static_cast<std::uint32_t>(n);
  while (parts > 1) {
    std::size_t best = 0;
    for (std::size_t i = 1; i + 1 < parts; ++i)
      if (pair[i] < pair[best]) best = i;
    if (pair[best] == kNone) break;
    part[best] = pair[best];
    std::copy(start + best + 2, start + parts + 1, start + best + 1);
    std::copy(part + best + 2, part + parts, part + best + 1);
    std::copy(pair + best + 2, pair + parts, pair + best + 1);
    --parts;
    pair[best] = best + 1 < parts ? rank_of(ranks, p + start[best], start[best + 2] - start[best]) : kNone;
    if (best > 0) pair[best - 1] = rank_of(ranks, p + start[best - 1], start[best + 1] - start[best - 1]);
  }
  out.insert(out.end(), part, part + parts);
}

// The same merges for long pieces (a run of symbols or letters thousands of
// bytes long): parts as a linked list over their first bytes, candidate
// pairs in a heap by (rank, position). A heap entry is stale once its part
// merged away or its pair changed; it is skipped when it comes up.
void merge_large(const RankTable& ranks, const unsigned char* p, std::size_t n, std::vector<std::uint32_t>& out) {
  struct Candidate {
    std::uint32_t rank;
    std::uint32_t start;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : start > o.start; }
  };
  std::vector<std::uint32_t> end(n), prev(n), part(n), pair(n);
  std::vector<bool> gone(n, false);
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  for (std::size_t i = 0; i < n; ++i) {
    end[i] = static_cast<std::uint32_t>(i + 1);
    prev[i] = static_cast<std::uint32_t>(i - 1);  // unused for part 0
    part[i] = ranks.byte_rank(p[i]);
    pair[i] = i + 1 < n ? rank_of(ranks, p + i, 2) : kNone;
    if (pair[i] != kNone) heap.push({pair[i], static_cast<std::uint32_t>(i)});
  }
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    std::uint32_t s = c.start;
    if (gone[s] || pair[s] != c.rank) continue;
    std::uint32_t next = end[s], after = end[next];
    part[s] = c.rank;
    end[s] = after;
    gone[next] = true;
    pair[next] = kNone;
    if (after < n) prev[after] = s;
    pair[s] = after < n ? rank_of(ranks, p + s, end[after] - s) : kNone;
    if (pair[s] != kNone) heap.push({pair[s], s});
    if (s > 0) {
      std::uint32_t q = prev[s];
      pair[q] = rank_of(ranks, p + q, after - q);
      if (pair[q] != kNone) heap.push({pair[q], q});
    }
  }
  for (std::size_t s = 0; s < n; s = end[s]) out.push_back(part[s]);
}

}  // namespace

void byte_pair_encode(const RankTable& ranks, const unsigned char* p, std::size_t n, std::vector<std::uint32_t>& out) {
  if (std::uint32_t whole = rank_of(ranks, p, n); whole != kNone) {
    out.push_back(whole);
  } else if (n <= kSmallPiece) {
    merge_small(ranks, p, n, out);
  } else {
    merge_large(ranks, p, n, out);
  }
}

}  // namespace aton::tokenizer
