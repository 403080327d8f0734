// An oracle for JSON that shares nothing with the code under test: Python's
// json module, run as python3 in a subprocess, reads the texts (numbers as
// exact decimals, object members as ordered lists of pairs), and a
// comparison written in Python decides, not aton::parse_json, aton::to_json,
// aton's JsonReader or Value::operator==. (RapidJSON cannot be the oracle
// here: it refuses numbers such as 1e400, which aton keeps.)
//
// Equal means: the same kinds, object members with the same keys in the
// same order (duplicates included), the same strings, and numbers of the
// same decimal value however written (1.50, 1.5 and 15e-1 are equal; -0
// and 0 are not).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aton::test {

// Nothing when `actual` is the JSON `expected` is, else where it differs
// first (a JSON pointer) and how, or why a text is not JSON.
std::optional<std::string> json_difference(std::string_view expected, std::string_view actual);

// The members of a JSON object text, in order, duplicates included: each
// name, whether its value is an array, and how many items it has.
struct JsonMemberShape {
  std::string name;
  bool is_array = false;
  std::size_t items = 0;
};
std::vector<JsonMemberShape> json_object_shape(std::string_view object_text);

}  // namespace aton::test
