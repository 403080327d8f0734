// `aton encode --stats`: what the records cost as compact JSON and as ATON
// in each compression mode, in bytes and tokens, side by side. Counted as
// the records stream by: one encoder per mode runs beside the one writing
// the output, and each text is counted by a TokenTally that keeps only its
// unsettled end, so memory stays flat however large the input.
#pragma once

#include <aton/encoder_options.hpp>
#include <aton/stream_encoder.hpp>
#include <aton/tokenizer.hpp>
#include <aton/value.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace aton::app {

class EncodeStats {
 public:
  // `options` are the run's; each mode's encoder takes them with its own
  // compression. Throws TokenizerError when `encoding` is not installed.
  EncodeStats(const EncoderOptions& options, const std::string& table, TokenEncoding encoding);

  void push(const Value& record);
  void finish();
  // The table, one line a format; `written` is the mode of the output.
  void print(std::FILE* out, Compression written) const;

 private:
  // One text being counted as it grows.
  struct Count {
    explicit Count(const Tokenizer& tokenizer) : tally(tokenizer) {}
    void add(std::string_view text);
    TokenTally tally;
    std::string unsettled;
    std::size_t bytes = 0;
    std::size_t tokens = 0;
  };
  struct Mode {
    Compression compression;
    IncrementalEncoder encoder;
    Count count;
  };
  void drain(Mode& mode);

  const Tokenizer& tokenizer_;
  std::string table_;
  std::size_t records_ = 0;
  Count json_;
  std::string scratch_;
  std::vector<Mode> modes_;
};

}  // namespace aton::app
