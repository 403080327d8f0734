// The encoder's part of a checkpoint: a Plan and a stream position as JSON
// text, and back. Internal to the core; see IncrementalEncoder::checkpoint.
#pragma once

#include "plan.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace aton::detail {

struct ResumePoint {
  std::size_t next_chunk_id = 0;
  std::size_t next_record = 0;
};

// `columns`: how many of the plan's columns to keep (those declared so far).
std::string write_checkpoint(const Plan& plan, std::size_t columns, std::string_view table,
                             std::size_t chunk_size, std::size_t next_chunk_id, std::size_t next_record);

// Fills `plan`; throws EncodingError when the text is not such a checkpoint,
// or was made for another table or chunk size.
ResumePoint read_checkpoint(std::string_view text, std::string_view table, std::size_t chunk_size, Plan& plan);

}  // namespace aton::detail
