// `aton decode`: an ATON document or stream of chunks back to JSON, read
// and written as it goes (the streaming aton::Decoder and DecodeOutput):
// memory holds one line and one record, whatever the input's size.
#include "cli_io.hpp"
#include "command.hpp"
#include "command_line.hpp"
#include "decode_output.hpp"
#include "exit_codes.hpp"
#include "messages.hpp"

#include <aton/decoder.hpp>
#include <aton/errors.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
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

It streams: records are written as they are read, in blocks of about
1 MiB, and memory stays flat at any input size. The records of a second
table wait in an unnamed temporary file in $TMPDIR (else /tmp) until the
first table's array is closed. --jsonl and --array write one table, so a
top-level array round-trips exactly:
  aton encode x.json | aton decode --array   (the same JSON as x)

Options:
)";

constexpr const char* kExamples = R"(
Examples:
  aton decode users.aton
  aton encode users.json | aton decode - -o roundtrip.json
  aton decode events.aton --jsonl | grep '"level":"error"'
  aton decode all.aton --table orders --array -o orders.json

Exit codes: 0 ok, 2 bad arguments, 4 unreadable or malformed input (the
message gives the line and column), or an input --jsonl/--array/--table
cannot show. A file given with -o is then left as it was; stdout or a FIFO
has had the blocks written before the error.
)";

// The input is handed to the decoder in pieces this long, and a mapped
// file's pages before the decoder's position are released behind it.
constexpr std::size_t kPiece = std::size_t{4} << 20;

int run_decode(int argc, char** argv) {
  std::string input = "-", output = "-", table;
  bool jsonl = false, array = false;
  po::options_description options;
  options.add_options()
      ("output,o", po::value(&output)->default_value(output),
       "where to write; - is stdout. A file is replaced whole once complete (a symlink: the file it points "
       "to); a device or FIFO is written through as the records come")
      ("jsonl", po::bool_switch(&jsonl), "one record a line (JSON Lines), for one table")
      ("array", po::bool_switch(&array),
       "one table's records as a bare JSON array: what aton encode read from a top-level array")
      ("table,t", po::value(&table), "write only this table (its name in the ATON text)");
  po::variables_map vm;
  if (auto done = parse_command_line(argc, argv, "decode", kHelp, kExamples, options, input, vm)) return *done;
  if (jsonl && array) {
    std::cerr << "aton decode: --jsonl and --array are two shapes of output: choose one\n";
    return kExitUsage;
  }
  std::string source_name = input == "-" ? "stdin" : input;
  try {
    InputText text(input);
    Output out(output);
    DecodeOutput shaped(out,
                        jsonl   ? DecodeOutput::Shape::lines
                        : array ? DecodeOutput::Shape::array
                                : DecodeOutput::Shape::object,
                        vm.count("table") ? std::optional<std::string>(table) : std::nullopt);
    Decoder decoder(shaped);
    do {
      for (std::string_view window = text.window(); !window.empty(); window = text.window()) {
        std::size_t n = std::min(window.size(), kPiece);
        decoder.push(window.substr(0, n));
        text.consume(n);
        text.release_before(text.offset());
      }
    } while (text.more());
    if (text.truncated())
      throw Error(source_name + " was truncated while it was read (it shrank under the reader, as log rotation "
                                "by copytruncate does): decode a copy that does not change");
    decoder.finish();
    shaped.finish();
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
