// Text fit for a terminal and for one line of a log, whatever bytes it
// quotes. Messages quote input (a CSV field, an ATON line, a key, a file
// name), and input can hold bytes a terminal acts on: ESC starting a colour
// or a window-title sequence, BEL, a carriage return that hides the start
// of the line, a line feed that forges another message. printable() shows
// each such byte as an escape, so the text says what the input held and
// does nothing.
//
// Escaped: C0 controls (\t \n \r by name, the others \xHH), DEL (\x7f),
// bytes that are not UTF-8 (\xHH), and the code points a terminal or a
// bidirectional layout acts on: C1 controls U+0080..U+009F (CSI is U+009B)
// and the bidi embeddings, overrides and isolates U+202A..U+202E,
// U+2066..U+2069 (\u202e). Everything else, valid UTF-8 included, is kept.
// A backslash is kept as it is, so escaping twice changes nothing.
#pragma once

#include <string>
#include <string_view>

namespace aton {

std::string printable(std::string_view text);
void append_printable(std::string_view text, std::string& out);

// Whether printable() would change nothing.
bool is_printable(std::string_view text) noexcept;

}  // namespace aton
