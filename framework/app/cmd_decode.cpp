// `aton decode`: an ATON document or stream of chunks back to JSON.
#include "cli_io.hpp"
#include "command.hpp"
#include "command_line.hpp"
#include "exit_codes.hpp"
#include "messages.hpp"

#include <aton/decoder.hpp>
#include <aton/errors.hpp>

#include <boost/program_options.hpp>

#include <iostream>

namespace po = boost::program_options;

namespace aton::app {
namespace {

constexpr const char* kHelp = R"(Usage: aton decode [INPUT|-] [options]

Decodes ATON (a document, or a stream of chunks such as `aton encode` or the
file sink writes) and writes {"<table>": [records...], ...} as compact JSON:
key order kept, absent keys left out, numbers exactly as they were written.
A table written in several blocks (runs appended to one file, documents
joined) comes out as one array, its records in document order. Chunks that
cannot stand in the order given (a continuation after the last chunk) are
refused. Self-contained chunks (aton encode --self-contained) decode alone,
one or any run of them; among them a missing, repeated or out-of-order
chunk of one stream is refused, naming the chunk. Without INPUT, or with -,
reads stdin.

Options:
)";

constexpr const char* kExamples = R"(
Examples:
  aton decode users.aton
  aton encode users.json | aton decode - -o roundtrip.json

Exit codes: 0 ok, 2 bad arguments, 4 unreadable or malformed input (the
message gives the line and column).
)";

int run_decode(int argc, char** argv) {
  std::string input = "-", output = "-";
  po::options_description options;
  options.add_options()
      ("output,o", po::value(&output)->default_value(output),
       "where to write; - is stdout. A file is replaced whole once complete (a symlink: the file it points "
       "to); a device or FIFO is written through");
  po::variables_map vm;
  if (auto done = parse_command_line(argc, argv, "decode", kHelp, kExamples, options, input, vm)) return *done;
  std::string source_name = input == "-" ? "stdin" : input;
  try {
    InputText input_text(input);
    std::string_view text = input_text.view();
    Decoder decoder;
    decoder.feed(text);
    Output out(output);
    out.write(decoder.to_json());
    out.write("\n");
    out.commit();
    return kExitOk;
  } catch (const DecodingError& e) {
    print_error("decode", source_name + ": " + e.what());
  } catch (const Error& e) {
    print_error("decode", e.what());
  }
  return kExitInvalidInput;
}

const CommandRegistration registration{"decode", "decode ATON back into JSON", 20, &run_decode};

}  // namespace
}  // namespace aton::app
