// One table written in several blocks of one document (two `mode: append`
// runs, two encodes concatenated) decodes to one array holding every
// record in document order. The oracle is Python's json module, not the
// code under test: the decoded JSON, read by Python, must equal the inputs'
// records, read by Python, concatenated.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

using namespace aton::test;

namespace {

// Python reads `decoded` and the record arrays of `tables` (pairs of a table
// name and the JSON files whose arrays, joined, that table must hold) and
// prints "same" when they are equal, key order included, and no key repeats
// at the top level of the decoded document.
ProcessResult python_compare(const std::filesystem::path& decoded,
                             const std::vector<std::pair<std::string, std::vector<std::filesystem::path>>>& tables) {
  std::string spec = "[";
  for (std::size_t i = 0; i < tables.size(); ++i) {
    spec += (i ? "," : "") + std::string("[\"") + tables[i].first + "\",[";
    for (std::size_t j = 0; j < tables[i].second.size(); ++j)
      spec += (j ? "," : "") + std::string("\"") + tables[i].second[j].string() + "\"";
    spec += "]]";
  }
  spec += "]";
  const char* script = R"PY(
import json, sys
from collections import OrderedDict
def pairs(items):
    keys = [k for k, _ in items]
    if len(keys) != len(set(keys)):
        raise SystemExit("a key repeats: %r" % keys)
    return OrderedDict(items)
decoded = json.load(open(sys.argv[1]), object_pairs_hook=lambda items: list(items))
names = [k for k, _ in decoded]
if len(names) != len(set(names)):
    raise SystemExit("a table appears twice at the top level: %r" % names)
decoded = json.load(open(sys.argv[1]), object_pairs_hook=OrderedDict)
spec = json.loads(sys.argv[2])
if list(decoded.keys()) != [name for name, _ in spec]:
    raise SystemExit("tables %r, expected %r" % (list(decoded.keys()), [n for n, _ in spec]))
for name, files in spec:
    expected = []
    for f in files:
        expected += json.load(open(f), object_pairs_hook=OrderedDict)
    got = decoded[name]
    if [list(r.items()) for r in got] != [list(r.items()) for r in expected]:
        raise SystemExit("table %s: %d records, expected %d (or they differ)" % (name, len(got), len(expected)))
print("same")
)PY";
  return run_process({"python3", "-c", script, decoded.string(), spec});
}

// `aton encode` of each input as the table named with it, the outputs
// joined into one document.
std::string encoded_joined(const std::vector<std::pair<std::filesystem::path, std::string>>& inputs) {
  std::string text;
  for (const auto& [input, table] : inputs) {
    auto encoded = run_aton({"encode", input.string(), "--table", table});
    INFO(encoded.err);
    REQUIRE(encoded.exit_code == 0);
    text += encoded.out;
  }
  return text;
}

// `aton decode` of the file `aton` into the file `json`.
void decode_into(const std::filesystem::path& aton, const std::filesystem::path& json) {
  auto decoded = run_aton({"decode", aton.string(), "-o", json.string()});
  INFO(decoded.err);
  REQUIRE(decoded.exit_code == 0);
}

void check_same(const ProcessResult& compared) {
  INFO("python: " << compared.out << compared.err);
  CHECK(compared.exit_code == 0);
  CHECK(compared.out == "same\n");
}

}  // namespace

TEST_CASE("two encodes of one table concatenated decode to one array in order", "[edges][decode]") {
  TempDir dir;
  auto first = dir.write("first.json", R"([{"id": 1, "name": "Ann"}, {"id": 2, "name": "Bo"}])");
  // Another plan: other keys, another order, a nested value.
  auto second = dir.write("second.json",
                          R"([{"name": "Cy", "id": 3, "tags": ["x"]}, {"id": 4}, {"id": 5, "name": "Ann"}])");
  decode_into(dir.write("both.aton", encoded_joined({{first, "users"}, {second, "users"}})), dir / "both.json");
  check_same(python_compare(dir / "both.json", {{"users", {first, second}}}));
}

TEST_CASE("two mode append runs of one table decode to one array in order", "[edges][decode]") {
  TempDir dir;
  auto first = dir.write("first.json", R"([{"id": 1}, {"id": 2}, {"id": 3}])");
  auto second = dir.write("second.json", R"([{"id": 4, "late": true}, {"id": 5}])");
  for (const char* input : {"first.json", "second.json"}) {
    auto config = dir.write("pipeline.json", std::string(R"({"source": {"plugin": "json", "path": ")") + input +
                                                 R"(", "table": "users"}, "encoder": {"chunk_size": 2},
                                "sinks": [{"plugin": "file", "path": "out.aton", "mode": "append"}]})");
    auto run = run_aton({"run", config.string(), "--progress", "none"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
  }
  decode_into(dir / "out.aton", dir / "out.json");
  check_same(python_compare(dir / "out.json", {{"users", {first, second}}}));
}

TEST_CASE("blocks of two tables interleaved decode to one array per table in first-seen order",
          "[edges][decode]") {
  TempDir dir;
  auto a1 = dir.write("a1.json", R"([{"x": 1}])");
  auto b1 = dir.write("b1.json", R"([{"y": "one"}, {"y": "two"}])");
  auto a2 = dir.write("a2.json", R"([{"x": 2}, {"x": 3}])");
  decode_into(dir.write("all.aton", encoded_joined({{a1, "a"}, {b1, "b"}, {a2, "a"}})), dir / "all.json");
  check_same(python_compare(dir / "all.json", {{"a", {a1, a2}}, {"b", {b1}}}));
}
