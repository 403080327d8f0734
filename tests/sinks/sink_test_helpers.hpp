// Shared by the sink tests: an input file of records, a pipeline config for
// the real `aton run`, and the check that ATON text decodes to the input.
// Header-only: only *.tests.cpp and support/*.cpp are compiled.
#pragma once

#include "support/json_oracle.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <aton/arena.hpp>
#include <aton/decoder.hpp>
#include <aton/json.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace aton::test::sinks {

// `count` user records as a JSON array; the values include quotes, commas,
// newlines and non-ASCII text so that every sink's escaping is exercised.
inline std::string users_json(std::size_t count) {
  std::string out = "[";
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out += ",\n";
    out += "{\"id\":" + std::to_string(i) + ",\"name\":\"user " + std::to_string(i) +
           (i % 7 == 0 ? ", \\\"quoted\\\"\\nand Zoë" : "") + "\",\"active\":" +
           (i % 3 ? "true" : "false") + ",\"score\":" + std::to_string(i % 100) + ".5}";
  }
  return out + "]";
}

// A pipeline config: the json source reading `input` (relative to the
// config), table "users", the given sinks (a JSON array's text).
inline std::string pipeline_json(std::string_view sinks, std::size_t chunk_size = 100,
                                 std::string_view input = "users.json", std::string_view extra = "") {
  std::string out = "{\"source\": {\"plugin\": \"json\", \"path\": \"" + std::string(input) +
                    "\", \"table\": \"users\"},\n"
                    " \"encoder\": {\"chunk_size\": " + std::to_string(chunk_size) + "},\n"
                    " \"queue\": {\"capacity\": 4},\n";
  if (!extra.empty()) out += " " + std::string(extra) + ",\n";
  return out + " \"sinks\": " + std::string(sinks) + "}\n";
}

// A pipeline config whose source is the host's test generator (records
// {"id": i, "name": ...}, table "users"): it fails when it reaches record
// `fail_at` (-1: never), after earlier chunks have reached the sinks.
inline std::string generated_pipeline_json(std::string_view sinks, std::size_t count, long fail_at,
                                           std::size_t chunk_size = 50, bool total_known = true) {
  return "{\"source\": {\"plugin\": \"test_gen\", \"table\": \"users\", \"count\": " +
         std::to_string(count) + ", \"fail_at\": " + std::to_string(fail_at) +
         ", \"total_known\": " + (total_known ? "true" : "false") + "},\n"
         " \"plugin_dirs\": [\"" ATON_TEST_PLUGIN_DIR "\"],\n"
         " \"encoder\": {\"chunk_size\": " + std::to_string(chunk_size) + "},\n"
         " \"queue\": {\"capacity\": 4},\n"
         " \"sinks\": " + std::string(sinks) + "}\n";
}

// Requires that `aton_text` decodes to exactly the records of `input_json`,
// as one table named `table`. The decoder's JSON is compared with the input
// by Python's json module (support/json_oracle.hpp), not by aton's own JSON reader.
inline void require_decodes_to(std::string_view aton_text, const std::string& input_json,
                               std::string_view table = "users") {
  aton::Decoder decoder;
  decoder.feed(aton_text);
  REQUIRE(decoder.tables().size() == 1);
  CHECK(decoder.tables()[0].name == table);
  auto difference = json_difference("{\"" + std::string(table) + "\": " + input_json + "}", decoder.to_json());
  INFO(difference.value_or(""));
  REQUIRE_FALSE(difference.has_value());
}

// Process options with one environment variable, or another time limit.
inline ProcessOptions with_env(std::string name, std::string value) {
  ProcessOptions options;
  options.env[std::move(name)] = std::move(value);
  return options;
}
inline ProcessOptions with_timeout(std::chrono::milliseconds timeout) {
  ProcessOptions options;
  options.timeout = timeout;
  return options;
}

// The names of the files in `folder`, sorted.
inline std::vector<std::string> file_names(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace aton::test::sinks
