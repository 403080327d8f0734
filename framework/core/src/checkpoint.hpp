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

// The part of a checkpoint that changes only with the plan: the table, the
// chunk size, the first `columns` columns (those declared so far) and the
// dictionary. A stream's chunks share it until a column is added.
std::string plan_checkpoint(const Plan& plan, std::size_t columns, std::string_view table, std::size_t chunk_size);

// A whole checkpoint: the stream's position, then `plan_part`.
std::string write_checkpoint(std::string_view plan_part, std::size_t next_chunk_id, std::size_t next_record);

// Fills `plan`; throws EncodingError when the text is not such a checkpoint,
// or was made for another table or chunk size.
ResumePoint read_checkpoint(std::string_view text, std::string_view table, std::size_t chunk_size, Plan& plan);

}  // namespace aton::detail
