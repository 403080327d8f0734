// What token counts and budgets cost the encoder, and how full budgets are.
//
//   aton_bench_budget [--max-tokens N] [--mode M] [--repeats R] [--only VARIANT] FILE.json...
//
// Each FILE is a JSON document of records (an array, or an object with one
// table). It is parsed into memory once; then StreamEncoder::encode runs on
// one thread in four variants, best of R passes each, timed by the CPU time
// of the thread:
//   plain       no tokenizer, chunk_size 1000 (what `aton encode` does)
//   counting    chunk_size 1000, every chunk's tokens counted (o200k_base;
//               the default of the C++ API and of `aton run`)
//   max_tokens  chunk_size 1,000,000 and max_tokens N (default 4000)
//   max_bytes   chunk_size 1,000,000 and max_bytes 4 N
//   max_tokens+self_contained  max_tokens with every chunk self-contained
// and prints a Markdown table: input MB/s (2^20 bytes of the JSON file),
// x plain (the target for max_tokens is 0.50 or more), chunks, and for the
// budgets the fill: the largest chunk by a fresh count and the share of
// chunks, the last one aside, holding at least 75% of the budget (the
// target: 90% of chunks >= 3000 tokens at max_tokens 4000).
#include <aton/arena.hpp>
#include <aton/json.hpp>
#include <aton/stream_encoder.hpp>
#include <aton/tokenizer.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "aton_bench_budget: cannot read %s\n", path.c_str());
    std::exit(1);
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Variant {
  const char* name;
  aton::EncoderOptions options;
};

struct Result {
  double seconds = 1e300;
  std::size_t chunks = 0;
  std::size_t largest = 0;  // tokens (or bytes for max_bytes) of the largest chunk
  std::size_t full = 0;     // chunks but the last at >= 75% of the budget
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t max_tokens = 4000;
  int repeats = 3;
  aton::Compression mode = aton::Compression::Balanced;
  std::vector<std::string> files;
  std::string only;  // --only VARIANT: that one alone (for a profiler)
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
      continue;
    }
    if (a == "--max-tokens" && i + 1 < argc) max_tokens = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--repeats" && i + 1 < argc) repeats = std::atoi(argv[++i]);
    else if (a == "--mode" && i + 1 < argc) mode = aton::parse_compression(argv[++i]).value_or(mode);
    else files.push_back(a);
  }
  if (files.empty() || max_tokens == 0 || repeats < 1) {
    std::fprintf(stderr, "usage: aton_bench_budget [--max-tokens N] [--mode M] [--repeats R] FILE.json...\n");
    return 2;
  }
  const aton::Tokenizer& tokenizer = aton::Tokenizer::get();
  std::printf("| data | mode | variant | MB | MB/s (cpu) | x plain | chunks | largest chunk | chunks >= 75%% full |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& file : files) {
    std::string text = read_all(file);
    aton::Arena arena;
    aton::Value data = aton::parse_json(text, arena);
    std::vector<Variant> variants(5);
    variants[0].name = "plain";
    variants[0].options.tokenizer.reset();
    variants[0].options.chunk_size = 1000;
    variants[1].name = "counting";
    variants[1].options.chunk_size = 1000;
    variants[2].name = "max_tokens";
    variants[2].options.chunk_size = 1'000'000;
    variants[2].options.max_tokens = max_tokens;
    variants[3].name = "max_bytes";
    variants[3].options.tokenizer.reset();
    variants[3].options.chunk_size = 1'000'000;
    variants[3].options.max_bytes = 4 * max_tokens;
    variants[4].name = "max_tokens+self_contained";
    variants[4].options.chunk_size = 1'000'000;
    variants[4].options.max_tokens = max_tokens;
    variants[4].options.self_contained = true;
    double plain = 0;
    for (auto& v : variants) {
      if (!only.empty() && only != v.name) continue;
      v.options.compression = mode;
      Result r;
      for (int pass = 0; pass < repeats; ++pass) {
        std::vector<aton::Chunk> chunks;
        double start = thread_cpu_seconds();
        for (auto& chunk : aton::StreamEncoder(v.options).stream_encode(data)) chunks.push_back(std::move(chunk));
        r.seconds = std::min(r.seconds, thread_cpu_seconds() - start);
        if (pass > 0) continue;
        r.chunks = chunks.size();
        std::size_t budget = v.options.max_tokens ? v.options.max_tokens : v.options.max_bytes;
        for (std::size_t i = 0; i < chunks.size(); ++i) {
          std::size_t size = v.options.max_bytes ? chunks[i].data.size() : tokenizer.count(chunks[i].data);
          r.largest = std::max(r.largest, size);
          if (budget && i + 1 < chunks.size() && size * 4 >= budget * 3) ++r.full;
        }
      }
      double mb = static_cast<double>(text.size()) / (1 << 20);
      if (v.name == std::string("plain")) plain = r.seconds;
      bool budgeted = v.options.max_tokens || v.options.max_bytes;
      char fill[64] = "";
      if (budgeted && r.chunks > 1)
        std::snprintf(fill, sizeof fill, "%.1f%%", 100.0 * static_cast<double>(r.full) / static_cast<double>(r.chunks - 1));
      std::string largest = budgeted ? std::to_string(r.largest) + (v.options.max_bytes ? " bytes" : " tokens") : "";
      std::printf("| %s | %s | %s | %.1f | %.0f | %.2f | %zu | %s | %s |\n", file.substr(file.rfind('/') + 1).c_str(),
                  std::string(aton::compression_name(mode)).c_str(), v.name, mb, mb / r.seconds, plain / r.seconds,
                  r.chunks, largest.c_str(), fill);
    }
  }
  return 0;
}
