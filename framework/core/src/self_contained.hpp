// Self-contained chunks (EncoderOptions::self_contained): every chunk of a
// stream is a document of its own, `table(N):` with the header it needs,
// instead of the guide's continuation `table+(N):`. Internal to the core;
// docs/FORMAT.md, 5 ("Self-contained chunks") is the syntax.
//
// A chunk's header is
//   @chunk[id:3, stream:"5e0c9a21"]   its place in its stream
//   @schema[...]                      every column known when it completes
//   @defaults[...]                    the stream's defaults, all of them
//   @dict[...]                        only the entries its rows use
// Its rows were written with the plan's dictionary; here their references
// are renumbered to the chunk's own dictionary, and an entry used too
// rarely in this chunk to pay for its declaration is written as the string
// itself (bare or quoted by the plan's rule). Both decode to the same
// string, so the chunk stays lossless.
//
// The stream id is a hash of the table, the options and the first chunk's
// text: the same input with the same options gives the same id (and the
// same text), different data a different one. A checkpoint carries it, so
// a resumed stream keeps it.
#pragma once

#include "plan.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aton::detail {

class SelfContainedChunks {
 public:
  SelfContainedChunks(std::string_view table, const EncoderOptions& options);

  // Appends chunk `chunk_id`'s header lines (everything before its table
  // line) to `out`, and rewrites `rows` (row lines written with `plan`,
  // each ending in '\n') to use the chunk's dictionary. The first chunk
  // written fixes the stream id.
  void write_header(const Plan& plan, std::size_t chunk_id, std::string& rows, std::string& out);

  // For a budget's estimate of the chunk being filled (chunk_budget.hpp).
  // Appends the @chunk line chunk `chunk_id` would have (with a stand-in
  // id before the first chunk fixes it).
  void write_chunk_line(const Plan& plan, std::size_t chunk_id, std::string& out) const;
  // start_estimate() begins a chunk. new_entries() appends to `out` the
  // declarations ("#N:\"...\"" and a separator, "@dict[]\n" for the first)
  // of the plan's entries `row` uses that the chunk's rows so far do not;
  // take_entries() counts them as used. An estimate: the chunk written
  // renumbers its entries and may write rare ones out.
  void start_estimate();
  void new_entries(const Plan& plan, std::string_view row, std::string& out);
  void take_entries();
  // The first chunk is being written again (rows moved out of it): its
  // final text fixes the stream id.
  void unfix_stream() noexcept { stream_.clear(); }

  // `checkpoint` (IncrementalEncoder's JSON object) with the stream id added.
  std::string add_to_checkpoint(std::string checkpoint) const;
  // Takes the stream id back from such a checkpoint. Throws EncodingError
  // when it has none (made without self_contained), or when `self_contained`
  // is off and it has one.
  static void resume(std::string_view checkpoint, SelfContainedChunks* self_contained);

 private:
  struct Reference {
    std::size_t at, length;  // of "#N" in the rows
    std::uint32_t entry;     // N, in the plan's dictionary
  };
  void find_references(std::string_view rows);
  void choose_entries(const Plan& plan);
  void rewrite_rows(std::string& rows);

  std::string table_;
  std::string options_text_;  // what of the options the stream id covers
  std::string stream_;        // empty until the first chunk is written
  // Scratch, reused chunk after chunk.
  std::vector<Reference> references_;
  std::vector<std::uint32_t> uses_;        // per plan entry, in this chunk
  std::vector<std::uint32_t> used_;        // plan entries used, in first-use order
  std::vector<std::string> replacement_;   // per plan entry: "#k" or the literal
  std::vector<std::string_view> entries_;  // the chunk's dictionary
  std::string header_, rewritten_;
  // The estimate: plan entries the chunk being filled uses, and those the
  // row tried last adds.
  std::vector<bool> estimated_;
  std::vector<std::uint32_t> estimated_list_, pending_;
};

}  // namespace aton::detail
