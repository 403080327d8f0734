// What the sql plugin reads rows through: one implementation per database.
#pragma once

#include <aton/plugin.hpp>

#include <cstddef>
#include <cstdint>

namespace aton::sql_source {

class RowStream {
 public:
  virtual ~RowStream() = default;
  // Emits up to `max` rows as records; fewer only at the end. Throws
  // std::runtime_error carrying the database's own message.
  virtual std::size_t read(sdk::RecordBuilder& out, std::size_t max) = 0;
  // The query's row count from COUNT(*), or -1 when not counted.
  virtual std::int64_t total() const = 0;
};

}  // namespace aton::sql_source
