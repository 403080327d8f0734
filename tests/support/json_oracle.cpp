#include "support/json_oracle.hpp"

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <sstream>
#include <stdexcept>

namespace aton::test {

namespace {

// Reads a JSON file exactly: numbers as Decimal, objects as ("object",
// [(key, value), ...]) so that order and duplicate keys are kept, and
// NaN / Infinity refused (they are not JSON).
constexpr const char* kReader = R"(
import json, sys
from decimal import Decimal

def refuse(name):
    raise ValueError(name + " is not JSON")

def load(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"), parse_float=Decimal, parse_int=Decimal,
                          parse_constant=refuse, object_pairs_hook=lambda pairs: ("object", pairs))

def kind(v):
    if v is None: return "null"
    if isinstance(v, bool): return "a boolean"
    if isinstance(v, Decimal): return "a number"
    if isinstance(v, str): return "a string"
    if isinstance(v, list): return "an array"
    return "an object"
)";

constexpr const char* kDifference = R"(
def differ(e, a, at):
    where = at or "/"
    if kind(e) != kind(a):
        return where + ": expected " + kind(e) + ", got " + kind(a)
    if isinstance(e, Decimal):
        same = e == a and (e != 0 or e.is_signed() == a.is_signed())
        return None if same else where + ": expected " + str(e) + ", got " + str(a)
    if isinstance(e, list):
        if len(e) != len(a):
            return where + ": expected %d items, got %d" % (len(e), len(a))
        for i, (x, y) in enumerate(zip(e, a)):
            d = differ(x, y, at + "/" + str(i))
            if d: return d
        return None
    if isinstance(e, tuple):
        if len(e[1]) != len(a[1]):
            return where + ": expected %d members, got %d" % (len(e[1]), len(a[1]))
        for (k, x), (l, y) in zip(e[1], a[1]):
            if k != l:
                return where + ": expected the key " + json.dumps(k) + ", got " + json.dumps(l)
            d = differ(x, y, at + "/" + k)
            if d: return d
        return None
    return None if e == a else where + ": expected " + json.dumps(e) + ", got " + json.dumps(a)

try:
    expected = load(sys.argv[1])
except ValueError as e:
    print("the expected text is not JSON: " + str(e)); sys.exit(2)
try:
    actual = load(sys.argv[2])
except ValueError as e:
    print("the actual text is not JSON: " + str(e)); sys.exit(2)
d = differ(expected, actual, "")
print(d or "", end="")
sys.exit(1 if d else 0)
)";

constexpr const char* kShape = R"(
v = load(sys.argv[1])
if kind(v) != "an object":
    print("not an object"); sys.exit(2)
for name, value in v[1]:
    print(json.dumps(name), 1 if isinstance(value, list) else 0, len(value) if isinstance(value, list) else 0)
)";

ProcessResult python(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"python3", "-c", script};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

}  // namespace

std::optional<std::string> json_difference(std::string_view expected, std::string_view actual) {
  TempDir dir;
  auto e = dir.write("expected.json", expected);
  auto a = dir.write("actual.json", actual);
  auto r = python(std::string(kReader) + kDifference, {e.string(), a.string()});
  if (r.exit_code == 0) return std::nullopt;
  if (r.exit_code == 1 || r.exit_code == 2) return r.out;
  return "python3 could not compare the texts (exit " + std::to_string(r.exit_code) + "): " + r.err;
}

std::vector<JsonMemberShape> json_object_shape(std::string_view object_text) {
  TempDir dir;
  auto path = dir.write("object.json", object_text);
  auto r = python(std::string(kReader) + kShape, {path.string()});
  if (r.exit_code != 0)
    throw std::runtime_error("python3 could not read the object (exit " + std::to_string(r.exit_code) +
                             "): " + r.out + r.err);
  std::vector<JsonMemberShape> members;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    // "NAME" IS_ARRAY ITEMS, the name as a JSON string (test names are plain ASCII).
    std::size_t close = line.rfind('"');
    JsonMemberShape m;
    m.name = line.substr(1, close - 1);
    std::istringstream rest(line.substr(close + 1));
    int is_array = 0;
    rest >> is_array >> m.items;
    m.is_array = is_array != 0;
    members.push_back(m);
  }
  return members;
}

}  // namespace aton::test
