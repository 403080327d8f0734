// The tokenizer's speed: aton::Tokenizer::count() on whole files (the ATON
// text bench/run makes), one thread, for o200k_base and cl100k_base.
//
//   aton_bench_tokenizer [--repeats N] [--json] FILE...
//
// For each file and encoding: the first pass on a fresh thread (its piece
// cache empty: "cold"), then the best of N passes on a thread that counted
// the file once already ("warm"; ATON repeats its pieces within a file, so
// the two differ by how much a file repeats beyond its first screen). MB is
// 2^20 bytes; times are of the count() call alone (the file is read into
// memory first): the CPU time of its thread (one core, what the target of
// 100 MB/s is about, and what other load on a shared machine disturbs
// least) and the wall clock. Prints a Markdown table, or one JSON object per
// line with --json. Rank files as for any aton program (aton/tokenizer.hpp).
#include <aton/tokenizer.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Wall and CPU seconds of the calling thread.
struct Times {
  double wall = 1e300;
  double cpu = 1e300;
};

double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

Times time_of(const std::function<void()>& f) {
  auto start = Clock::now();
  double cpu = thread_cpu_seconds();
  f();
  return {std::chrono::duration<double>(Clock::now() - start).count(), thread_cpu_seconds() - cpu};
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "aton_bench_tokenizer: cannot read %s\n", path.c_str());
    std::exit(1);
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 3;
  bool json = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--repeats" && i + 1 < argc) {
      repeats = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "-h" || arg == "--help") {
      std::printf("usage: aton_bench_tokenizer [--repeats N] [--json] FILE...\n");
      return 0;
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: aton_bench_tokenizer [--repeats N] [--json] FILE...\n");
    return 2;
  }

  const aton::TokenEncoding encodings[] = {aton::TokenEncoding::o200k_base, aton::TokenEncoding::cl100k_base};
  try {
    for (auto encoding : encodings) {
      double load = time_of([&] { aton::Tokenizer::get(encoding); }).wall;
      if (!json)
        std::fprintf(stderr, "%s loaded in %.0f ms from %s\n", std::string(aton::encoding_name(encoding)).c_str(),
                     load * 1000, aton::Tokenizer::get(encoding).ranks_file().c_str());
    }
  } catch (const aton::Error& e) {
    std::fprintf(stderr, "aton_bench_tokenizer: %s\n", e.what());
    return 1;
  }

  if (!json) {
    std::printf("| file | MB | encoding | tokens | bytes/token | cold MB/s (cpu) | warm MB/s (cpu) | cold MB/s (wall) "
                "| warm MB/s (wall) |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
  }
  for (const auto& file : files) {
    std::string text = read_all(file);
    double mb = text.size() / (1024.0 * 1024.0);
    for (auto encoding : encodings) {
      const aton::Tokenizer& tokenizer = aton::Tokenizer::get(encoding);
      std::size_t tokens = 0;
      Times cold, warm;
      // Threads start with empty piece caches.
      std::thread([&] { cold = time_of([&] { tokens = tokenizer.count(text); }); }).join();
      std::thread([&] {
        tokenizer.count(text);
        for (int r = 0; r < repeats; ++r) {
          std::size_t again = 0;
          Times t = time_of([&] { again = tokenizer.count(text); });
          warm.wall = std::min(warm.wall, t.wall);
          warm.cpu = std::min(warm.cpu, t.cpu);
          if (again != tokens) {
            std::fprintf(stderr, "aton_bench_tokenizer: %s counted %zu then %zu\n", file.c_str(), tokens, again);
            std::exit(1);
          }
        }
      }).join();
      std::string name(aton::encoding_name(encoding));
      if (json) {
        std::printf("{\"file\": \"%s\", \"bytes\": %zu, \"encoding\": \"%s\", \"tokens\": %zu, "
                    "\"cold_wall_s\": %.6f, \"cold_cpu_s\": %.6f, \"warm_wall_s\": %.6f, \"warm_cpu_s\": %.6f}\n",
                    file.c_str(), text.size(), name.c_str(), tokens, cold.wall, cold.cpu, warm.wall, warm.cpu);
      } else {
        std::printf("| %s | %.1f | %s | %zu | %.2f | %.0f | %.0f | %.0f | %.0f |\n", file.c_str(), mb, name.c_str(),
                    tokens, tokens ? static_cast<double>(text.size()) / tokens : 0.0, mb / cold.cpu, mb / warm.cpu,
                    mb / cold.wall, mb / warm.wall);
      }
      std::fflush(stdout);
    }
  }
  return 0;
}
