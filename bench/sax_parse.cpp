// aton_bench_sax: the parse limit for the benchmarks in bench/run.
//
//   aton_bench_sax FILE            a JSON document (an array of records)
//   aton_bench_sax FILE --jsonl    JSON Lines, one record per line
//
// Parses FILE with RapidJSON's SAX reader and does nothing else: no values
// are built, no strings are copied. It prints "<records> records <bytes>
// bytes" (a record is an object one level below the top array, or one line
// of JSON Lines), so bench/run can divide by the same counts as for aton.
// Whatever a streaming JSON-to-anything tool does, it cannot beat this on
// the same file with the same parser; aton's throughput is reported as a
// fraction of it. Exit code 1 on a parse error, 2 on bad arguments.
#include <rapidjson/error/en.h>
#include <rapidjson/filereadstream.h>
#include <rapidjson/reader.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace {

// Counts the objects that start at `record_depth`; every other event is
// accepted and dropped.
struct RecordCounter : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, RecordCounter> {
  unsigned depth = 0;
  unsigned record_depth = 1;
  unsigned long long records = 0;

  bool StartObject() {
    if (depth++ == record_depth) ++records;
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    --depth;
    return true;
  }
  bool StartArray() {
    ++depth;
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    --depth;
    return true;
  }
};

// Skips the whitespace between two JSON Lines values; false at the end.
bool more_values(rapidjson::FileReadStream& in) {
  while (in.Peek() == ' ' || in.Peek() == '\n' || in.Peek() == '\r' || in.Peek() == '\t') in.Take();
  return in.Peek() != '\0';
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && std::strcmp(argv[2], "--jsonl") != 0)) {
    std::fprintf(stderr, "usage: %s FILE [--jsonl]\n", argv[0]);
    return 2;
  }
  const bool jsonl = argc == 3;
  std::FILE* file = std::fopen(argv[1], "rb");
  if (!file) {
    std::perror(argv[1]);
    return 2;
  }
  std::vector<char> buffer(1 << 16);
  rapidjson::FileReadStream in(file, buffer.data(), buffer.size());
  rapidjson::Reader reader;
  RecordCounter counter;
  counter.record_depth = jsonl ? 0 : 1;

  bool ok = true;
  if (jsonl) {
    while (ok && more_values(in))
      ok = !reader.Parse<rapidjson::kParseStopWhenDoneFlag>(in, counter).IsError();
  } else {
    ok = !reader.Parse(in, counter).IsError();
  }
  if (!ok) {
    std::fprintf(stderr, "%s: byte %zu: %s\n", argv[1], reader.GetErrorOffset(),
                 rapidjson::GetParseError_En(reader.GetParseErrorCode()));
    std::fclose(file);
    return 1;
  }
  std::printf("%llu records %zu bytes\n", counter.records, in.Tell());
  std::fclose(file);
  return 0;
}
