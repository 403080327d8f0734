// Exact number handling shared by the JSON reader, the encoder and decoder.
#pragma once

#include <aton/value.hpp>

#include <string>
#include <string_view>

namespace aton {

// Classifies a JSON number literal (RFC 8259 grammar; the caller has checked
// it) into the Value that keeps it exactly:
// - Int when it has no '.' or exponent and fits int64 ("-0" excepted);
// - Float when the nearest double prints back (shortest form) to the same
//   decimal value, e.g. "0.1", "1e300", "2.50";
// - Number otherwise ("1e400", 20-digit integers, 1.00000000000000000001):
//   the Value views `text`, which must outlive it.
Value classify_number(std::string_view text) noexcept;

// True when `text` is a JSON number literal.
bool is_json_number(std::string_view text) noexcept;

// Appends the canonical text of an Int, Float or Number value: ints as
// digits, floats in shortest round-trip form that always shows a '.' or an
// exponent, Numbers as their text.
void append_number(const Value& number, std::string& out);

}  // namespace aton
