// What `aton decode` writes, as the streaming decoder hands it records:
// - Shape::object (the default): {"<table>": [records...], ...}, tables in
//   the order they were first opened, each table's records together in
//   document order. The first table is written as it comes; the records of
//   the others wait in a SpillFile (on disk, not in memory) until its array
//   is closed, since a table may come back later in the input.
// - Shape::lines (--jsonl): one record a line.
// - Shape::array (--array): the records as one bare JSON array.
// lines and array write one table: a second one is an error that says to
// choose it with --table. With `table`, only that table is written (in any
// shape), and finish() fails when the input had none of that name.
//
// Output goes out in blocks of about 1 MiB as it is made (a small output
// all at once at the end); finish() writes the rest. Errors are aton::Error
// (what the input holds that this output cannot show, I/O).
#pragma once

#include "cli_io.hpp"
#include "spill_file.hpp"

#include <aton/decoder.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton::app {

class DecodeOutput final : public RecordHandler {
 public:
  enum class Shape { object, lines, array };

  DecodeOutput(Output& out, Shape shape, std::optional<std::string> table);

  void table_opened(std::size_t table, std::string_view name) override;
  void record(const DecodedRecord& record) override;
  // The input ended: closes what is open, copies the spilled tables out and
  // flushes to `out` (which the caller commits).
  void finish();

 private:
  enum class Route : unsigned char { skip, direct, spill };
  struct Table {
    std::string name;
    Route route = Route::skip;
    bool has_records = false;
  };
  void flush_if_full();

  Output& out_;
  Shape shape_;
  std::optional<std::string> wanted_;
  std::vector<Table> tables_;  // by the decoder's table index
  std::optional<std::size_t> direct_;
  std::optional<SpillFile> spill_;
  std::string buffer_;
  std::string record_;  // a spilled record's text
};

}  // namespace aton::app
