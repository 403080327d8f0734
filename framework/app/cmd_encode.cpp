// `aton encode`: a JSON document of records to an ATON stream.
#include "cli_io.hpp"
#include "command.hpp"
#include "command_line.hpp"
#include "encoder_thread.hpp"
#include "exit_codes.hpp"
#include "messages.hpp"

#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/stream_encoder.hpp>
#include <aton/tokenizer.hpp>

#include <boost/program_options.hpp>

#include <iostream>
#include <new>
#include <optional>
#include <system_error>

namespace po = boost::program_options;

namespace aton::app {
namespace {

constexpr const char* kHelp = R"(Usage: aton encode [INPUT|-] [options]

Encodes a JSON document of records into ATON, written as the streaming
encoder's chunks joined by newlines (the guide's "File Writing" shape).
INPUT is {"<table>": [records...], ...} or a top-level array of records
(its table is named by --table, else "records"); without --table the first
member that is an array is the table, and a second one is an error. Without
INPUT, or with -, reads stdin. The input is read once, front to back, and
memory stays flat however large it is: a file is mapped and let go of
behind the records already encoded; stdin (or a pipe, a device) is read in
blocks, each record held to --max-record-bytes. Reading and encoding run on
two threads.

Options:
)";

constexpr const char* kExamples = R"(
Examples:
  aton encode users.json
  aton encode data.json --table orders --chunk-size 500 --compression ultra -o orders.aton
  aton encode data.json --chunk-size 200 --self-contained   # one chunk per prompt
  aton encode orders.json --stats -o /dev/null    (tokens as JSON and in each mode)
  aton encode events.json --max-tokens 4000 --chunk-size 100000 -o events.aton   (chunks of at most 4000 tokens)
  aton encode events.json --tokenizer o200k_base   (choices by o200k_base tokens, not bytes)
  printf '{"records":[{"id":1,"name":"First","value":10.5}]}' | aton encode -

Exit codes: 0 ok, 2 bad arguments, 4 unreadable or malformed input, or data
the encoder refuses (several tables and no --table, an unknown table, no
table at all as in {}, a record longer than --max-record-bytes, a record
too large for any chunk under --max-tokens/--max-bytes with --oversize
error, a file truncated while it was read); the output file is then not
written. 3: --max-tokens without the tokenizer's rank file installed.
)";

// Records handed to the encoder thread at a time: enough to make the
// hand-off cheap, few enough to keep memory small.
constexpr std::size_t kBatchRecords = 256;

int run_encode(int argc, char** argv) {
  std::string input = "-", output = "-", compression = "balanced", on_new_key = "extend";
  std::string table;
  std::size_t chunk_size = 100, sample_size = 1000, max_tokens = 0, max_bytes = 0;
  bool self_contained = false;
  std::string tokenizer = "o200k_base", oversize = "error";
  JsonReadOptions read_options;
  bool stats = false;
  po::options_description options;
  options.add_options()
      ("table,t", po::value(&table), "the table to encode (required when the document has several)")
      ("chunk-size,c", po::value(&chunk_size)->default_value(chunk_size), "the most records per chunk, at least 1")
      ("compression,m", po::value(&compression)->default_value(compression),
       "fast | balanced | ultra | adaptive")
      ("sample-size", po::value(&sample_size)->default_value(sample_size),
       "records analysed to choose the schema, defaults and dictionary")
      ("on-new-key", po::value(&on_new_key)->default_value(on_new_key),
       "a key first seen after the sample: extend (declare it with @schema+) | error")
      ("self-contained", po::bool_switch(&self_contained),
       "every chunk decodes alone: an @chunk[id:N, stream:\"S\"] line, the whole schema, the defaults and "
       "the dictionary entries its rows use, then table(N): (no table+(N): continuations)")
      ("max-tokens", po::value(&max_tokens)->default_value(max_tokens),
       "the most tokens a chunk's text may take, header included (0: no budget); chunks are filled up to it")
      ("max-bytes", po::value(&max_bytes)->default_value(max_bytes),
       "the most bytes a chunk's text may take, header included (0: no budget)")
      ("oversize", po::value(&oversize)->default_value(oversize),
       "a record too large for any chunk under the budget: error (exit 4) | own_chunk (a chunk of its own, "
       "over the budget, with a warning)")
      ("tokenizer", po::value(&tokenizer)->default_value(tokenizer),
       "o200k_base | cl100k_base: whose tokens --max-tokens and --stats count (docs/TOKENIZER.md); given "
       "explicitly, the encoder also makes its choices by these tokens rather than bytes (fewer tokens, "
       "still lossless; docs/FORMAT.md, \"Choices by tokens\")")
      ("stats", po::bool_switch(&stats),
       "also print on stderr the bytes and tokens of the records as compact JSON and as ATON in each mode, "
       "side by side (encodes them in every mode: slower)")
      ("max-record-bytes", po::value(&read_options.max_record_bytes)->default_value(read_options.max_record_bytes),
       "the most bytes one record may take on stdin or a pipe (a longer one is an error)")
      ("output,o", po::value(&output)->default_value(output),
       "where to write; - is stdout. A file is replaced whole once complete (a symlink: the file it points "
       "to); a device or FIFO is written through");
  po::variables_map vm;
  if (auto done = parse_command_line(argc, argv, "encode", kHelp, kExamples, options, input, vm)) return *done;
  if (chunk_size == 0 || sample_size == 0 || read_options.max_record_bytes == 0) {
    std::cerr << "aton encode: --chunk-size, --sample-size and --max-record-bytes must be at least 1\n";
    return kExitUsage;
  }
  EncoderOptions encoder_options;
  encoder_options.chunk_size = chunk_size;
  encoder_options.sample_size = sample_size;
  encoder_options.self_contained = self_contained;
  auto mode = parse_compression(compression);
  if (!mode) {
    std::cerr << "aton encode: unknown compression '" << compression
              << "'; use fast, balanced, ultra or adaptive\n";
    return kExitUsage;
  }
  encoder_options.compression = *mode;
  if (on_new_key != "extend" && on_new_key != "error") {
    std::cerr << "aton encode: --on-new-key takes extend or error, not '" << on_new_key << "'\n";
    return kExitUsage;
  }
  encoder_options.on_new_key = on_new_key == "error" ? NewKeyPolicy::Error : NewKeyPolicy::Extend;
  auto encoding = encoding_from_name(tokenizer);
  auto oversize_policy = parse_oversize(oversize);
  if (!encoding || !oversize_policy) {
    std::cerr << "aton encode: " << (encoding ? "--oversize takes error or own_chunk, not '" + oversize + "'"
                                              : "--tokenizer takes o200k_base or cl100k_base, not '" + tokenizer + "'")
              << "\n";
    return kExitUsage;
  }
  // The output file shows no counts: tokens are counted for a budget, or
  // when --tokenizer is given (the choices are then made by tokens).
  encoder_options.tokenizer = max_tokens > 0 || !vm["tokenizer"].defaulted() ? encoding : std::nullopt;
  encoder_options.max_tokens = max_tokens;
  encoder_options.max_bytes = max_bytes;
  encoder_options.oversize = *oversize_policy;

  std::string source_name = input == "-" ? "stdin" : input;
  // What the command was doing, for "out of memory while ...".
  const char* doing = "reading the input";
  try {
    InputText input_text(input);
    doing = "encoding";
    std::optional<std::string_view> chosen;
    if (!table.empty()) chosen = table;
    // Records stream from the parser to the encoder on another thread, in
    // batches: memory holds a few batches and the stretch of the mapped text
    // they view, never the document's tree.
    std::optional<Output> out;
    std::optional<EncodeStats> side_by_side;
    std::optional<EncoderThread> encoder;
    auto start = [&](std::string_view table_name) {
      out.emplace(output);
      if (stats) side_by_side.emplace(encoder_options, std::string(table_name), *encoding);
      encoder.emplace(encoder_options, std::string(table_name), *out,
                      [&](std::size_t offset) { input_text.release_before(offset); },
                      side_by_side ? &*side_by_side : nullptr);
    };
    std::string name = for_each_batch(input_text, chosen, kBatchRecords, [&](std::string_view table_name, RecordBatch& batch) {
      if (!encoder) start(table_name);
      encoder->push(batch);
    }, read_options);
    if (!encoder) start(name);  // an empty table still gives its header
    encoder->finish();
    // The encoder thread read the records' strings in place: zeros if the file shrank meanwhile.
    if (input_text.truncated())
      throw EncodingError("the file was truncated while it was read (it shrank under the reader, as log rotation "
                          "by copytruncate does); nothing is written as complete: encode a copy that does not change");
    doing = "writing the output";
    out->commit();
    if (side_by_side) side_by_side->print(stderr, encoder_options.compression);
    return kExitOk;
  } catch (const JsonError& e) {
    print_error("encode", source_name + ": " + e.what());
  } catch (const TokenizerError& e) {
    print_error("encode", e.what());
    return kExitInvalidConfig;
  } catch (const EncodingError& e) {
    print_error("encode", source_name + ": " + e.what());
  } catch (const Error& e) {
    print_error("encode", e.what());
  } catch (const std::bad_alloc&) {
    // Caught here, not let out: the temporary output is removed on the way.
    print_error("encode", source_name + ": out of memory while " + doing);
  } catch (const std::system_error& e) {
    print_error("encode", std::string("cannot start the encoder's thread (out of memory while ") + doing +
                              ", or too many threads): " + e.what());
  }
  return kExitInvalidInput;
}

const CommandRegistration registration{"encode", "encode a JSON document of records into ATON", 10, &run_encode};

}  // namespace
}  // namespace aton::app
