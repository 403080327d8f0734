// aton::Tokenizer against tiktoken itself: the npm package tiktoken (its
// Rust core as WebAssembly), run by node on the same texts, must give the
// same token ids for o200k_base and cl100k_base. The reference is computed
// at test time into a temporary folder, never committed; the build folder's
// tokenizer is set up first when it is not (scripts/tokenizer/setup: rank
// files and the reference package, from npm). When either cannot be had
// the test fails: it never passes by comparing nothing.
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/token_strings.hpp"

#include <aton/tokenizer.hpp>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace fs = std::filesystem;
using aton::TokenEncoding;
using aton::Tokenizer;
using aton::test::TempDir;
using aton::test::TokenText;

namespace {

const fs::path kBuild = ATON_BUILD_DIR;
const fs::path kRanks = kBuild / "share" / "aton" / "tokenizer";
const fs::path kReferencePackage = kBuild / "npm" / "tokenizer" / "node_modules" / "tiktoken";
constexpr TokenEncoding kEncodings[] = {TokenEncoding::o200k_base, TokenEncoding::cl100k_base};

// The build folder's rank files and reference package, set up when missing.
void set_up_tokenizer() {
  if (fs::exists(kRanks / "o200k_base.tiktoken") && fs::exists(kRanks / "cl100k_base.tiktoken") &&
      fs::exists(kReferencePackage / "package.json"))
    return;
  aton::test::ProcessOptions options;
  options.timeout = std::chrono::minutes(5);
  auto setup = aton::test::run_process({std::string(ATON_SOURCE_DIR) + "/scripts/tokenizer/setup", kBuild.string()},
                                       options);
  INFO("scripts/tokenizer/setup " << kBuild.string() << " failed: the tokenizer tests need node, npm and the npm "
                                  << "registry once\n" << setup.out << setup.err);
  REQUIRE(setup.exit_code == 0);
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A text for a failure message: printable ASCII as is, everything else as
// \u{X} (invisible spaces and marks are what such failures are about),
// long texts cut.
std::string shown(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < 200;) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0x20 && b < 0x7F) {
      out += s[i++];
      continue;
    }
    int len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? b : b & (0x7F >> len);
    for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    char buf[16];
    std::snprintf(buf, sizeof buf, "\\u{%X}", static_cast<unsigned>(cp));
    out += buf;
    i += len;
  }
  out += "\"";
  return s.size() > 200 ? out + "... (" + std::to_string(s.size()) + " bytes)" : out;
}

std::string ids_text(const std::vector<std::uint32_t>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size() && i < 60; ++i) out += (i ? " " : "") + std::to_string(ids[i]);
  return ids.size() > 60 ? out + " ... (" + std::to_string(ids.size()) + " tokens)" : out;
}

using Ids = std::vector<std::uint32_t>;

// tiktoken's ids of each text: [text][encoding].
std::vector<std::array<Ids, 2>> reference(const std::vector<TokenText>& texts) {
  TempDir dir;
  std::string json = "[";
  for (std::size_t i = 0; i < texts.size(); ++i) json += (i ? ",\n" : "") + json_string(texts[i].text);
  fs::path input = dir.write("texts.json", json + "]");
  fs::path output = dir / "reference.txt";
  aton::test::ProcessOptions options;
  options.timeout = std::chrono::minutes(5);
  auto node = aton::test::run_process({"node", std::string(ATON_SOURCE_DIR) + "/scripts/tokenizer/reference.mjs",
                                       kReferencePackage.string(), input.string(), output.string()},
                                      options);
  INFO("the reference (node scripts/tokenizer/reference.mjs) failed with exit code "
       << node.exit_code << (node.exit_code == 127 ? " (node is not on PATH)" : "") << ":\n" << node.err);
  REQUIRE(node.exit_code == 0);

  std::vector<std::array<Ids, 2>> out;
  std::string text = aton::test::read_file(output);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    REQUIRE(eol != std::string::npos);
    std::array<Ids, 2> ids;
    int field = 0;
    for (const char *p = text.data() + pos, *end = text.data() + eol; p < end;) {
      if (*p == '\t') {
        ++field;
        ++p;
      } else if (*p == ' ') {
        ++p;
      } else {
        std::uint32_t id = 0;
        auto [next, ec] = std::from_chars(p, end, id);
        if (ec != std::errc() || field > 1) FAIL("the reference wrote a line that is not ids: " << text.substr(pos, 80));
        ids[field].push_back(id);
        p = next;
      }
    }
    REQUIRE(field == 1);
    out.push_back(std::move(ids));
    pos = eol + 1;
  }
  REQUIRE(out.size() == texts.size());
  return out;
}

// Compares every text's ids and count with tiktoken's; returns the number
// of texts compared.
std::size_t compare_with_tiktoken(const std::vector<TokenText>& texts) {
  set_up_tokenizer();
  auto expected = reference(texts);
  std::size_t mismatches = 0;
  std::string report;
  for (int e = 0; e < 2; ++e) {
    const Tokenizer& tokenizer = Tokenizer::get(kEncodings[e]);
    for (std::size_t i = 0; i < texts.size(); ++i) {
      Ids ids = tokenizer.encode(texts[i].text);
      std::size_t count = tokenizer.count(texts[i].text);
      if (ids == expected[i][e] && count == ids.size()) continue;
      if (++mismatches <= 10)
        report += std::string(aton::encoding_name(kEncodings[e])) + ", " + texts[i].kind + " " + shown(texts[i].text) +
                  "\n  aton:     " + ids_text(ids) + " (count " + std::to_string(count) + ")\n  tiktoken: " +
                  ids_text(expected[i][e]) + "\n";
    }
  }
  INFO(mismatches << " texts differ; the first ones:\n" << report);
  CHECK(mismatches == 0);
  return texts.size();
}

// Record files of examples/ and tests/data: each table of each, encoded in
// every mode with chunks of 3 records and of 100 (headers repeat in the
// first), as whole texts and line by line; and the raw text of every file.
std::vector<TokenText> aton_texts() {
  std::vector<TokenText> out;
  std::size_t encoded = 0;
  for (const char* root : {"examples", "tests/data"}) {
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(ATON_SOURCE_DIR) / root)) {
      if (!entry.is_regular_file()) continue;
      std::string ext = entry.path().extension().string();
      if (ext != ".json" && ext != ".aton" && ext != ".csv" && ext != ".jsonl") continue;
      std::string raw = aton::test::read_file(entry.path());
      out.push_back({"file " + entry.path().filename().string(), raw});
      if (ext != ".json") continue;
      rapidjson::Document doc;
      doc.Parse(raw.c_str());
      std::vector<std::vector<std::string>> tables;  // extra arguments per table
      if (doc.IsArray()) tables.push_back({});
      if (doc.IsObject())
        for (const auto& m : doc.GetObject())
          if (m.value.IsArray()) tables.push_back({"--table", m.name.GetString()});
      for (const auto& table : tables) {
        for (const char* mode : {"fast", "balanced", "ultra", "adaptive"}) {
          for (const char* chunk : {"3", "100"}) {
            std::vector<std::string> args = {"encode", entry.path().string(), "--compression", mode, "--chunk-size", chunk};
            args.insert(args.end(), table.begin(), table.end());
            auto run = aton::test::run_aton(args);
            if (run.exit_code != 0) continue;  // files the encoder refuses on purpose
            ++encoded;
            std::string kind = std::string("ATON ") + mode + " of " + entry.path().filename().string();
            out.push_back({kind, run.out});
            for (std::size_t pos = 0; pos < run.out.size();) {
              std::size_t eol = std::min(run.out.find('\n', pos), run.out.size());
              out.push_back({kind + " (a line)", run.out.substr(pos, eol + 1 - pos)});
              pos = eol + 1;
            }
          }
        }
      }
    }
  }
  // Each file of tests/data/corpus and examples/data in four modes at two chunk sizes.
  INFO(encoded << " ATON texts encoded");
  REQUIRE(encoded >= 150);
  return out;
}

}  // namespace

TEST_CASE("tokenizer gives the token ids of tiktoken for o200k_base and cl100k_base on generated texts",
          "[tokenizer]") {
  auto texts = aton::test::token_test_texts();
  REQUIRE(texts.size() >= 10000);
  std::size_t compared = compare_with_tiktoken(texts);
  std::cout << "tokenizer: " << compared << " generated texts compared with tiktoken, both encodings\n";
}

TEST_CASE("tokenizer gives the token ids of tiktoken on the ATON of every mode and every example file", "[tokenizer]") {
  auto texts = aton_texts();
  std::size_t compared = compare_with_tiktoken(texts);
  std::cout << "tokenizer: " << compared << " ATON texts and lines compared with tiktoken, both encodings\n";
}

TEST_CASE("tokenizer gives the token ids of tiktoken on a sweep of code points of every plane", "[tokenizer]") {
  auto texts = aton::test::code_point_sweep();
  std::size_t compared = compare_with_tiktoken(texts);
  std::cout << "tokenizer: " << compared << " sweep texts compared with tiktoken, both encodings\n";
}

TEST_CASE("tokenizer without a rank file names the file and the folders searched and how to set it up",
          "[tokenizer]") {
  TempDir empty;
  try {
    Tokenizer::load(TokenEncoding::cl100k_base, {{empty.path(), "a test folder"}});
    FAIL("loaded without a rank file");
  } catch (const aton::TokenizerError& e) {
    std::string what = e.what();
    INFO(what);
    CHECK(what.find("cl100k_base.tiktoken") != std::string::npos);
    CHECK(what.find(empty.path().string() + " (a test folder)") != std::string::npos);
    CHECK(what.find("scripts/tokenizer/setup") != std::string::npos);
    CHECK(what.find("ATON_TOKENIZER_PATH") != std::string::npos);
  }
  // A ConfigError, so the CLI answers as for any option it cannot honour.
  CHECK_THROWS_AS(Tokenizer::load(TokenEncoding::o200k_base, {}), aton::ConfigError);
}

TEST_CASE("tokenizer refuses a rank file that is not the exact ranks of its encoding", "[tokenizer]") {
  set_up_tokenizer();
  TempDir dir;
  std::string o200k = aton::test::read_file(kRanks / "o200k_base.tiktoken");
  auto refused = [&](const fs::path& file, TokenEncoding encoding) -> std::string {
    try {
      Tokenizer::load_file(encoding, file);
    } catch (const aton::TokenizerError& e) {
      return e.what();
    }
    return "(loaded)";
  };
  SECTION("a line that is not a token") {
    std::string text = o200k.substr(0, o200k.find('\n') + 1) + "not base64! 1\n";
    std::string what = refused(dir.write("o200k_base.tiktoken", text), TokenEncoding::o200k_base);
    INFO(what);
    CHECK(what.find("o200k_base.tiktoken:2: the token is not base64") != std::string::npos);
  }
  SECTION("a file cut short") {
    std::size_t cut = 0;
    for (int line = 0; line < 1000; ++line) cut = o200k.find('\n', cut) + 1;
    std::string what = refused(dir.write("o200k_base.tiktoken", o200k.substr(0, cut)), TokenEncoding::o200k_base);
    INFO(what);
    CHECK(what.find("not tiktoken's o200k_base ranks (1000 tokens") != std::string::npos);
  }
  SECTION("the other encoding's file") {
    std::string what = refused(kRanks / "cl100k_base.tiktoken", TokenEncoding::o200k_base);
    INFO(what);
    CHECK(what.find("not tiktoken's o200k_base ranks (100256 tokens") != std::string::npos);
  }
  SECTION("a missing file") {
    std::string what = refused(dir / "nothing.tiktoken", TokenEncoding::o200k_base);
    INFO(what);
    CHECK(what.find("nothing.tiktoken: cannot open the o200k_base rank file") != std::string::npos);
  }
}

TEST_CASE("tokenizer searches ATON_TOKENIZER_PATH first then next to the program then the build tree",
          "[tokenizer]") {
  const char* old = std::getenv("ATON_TOKENIZER_PATH");
  std::string saved = old ? old : "";
  ::setenv("ATON_TOKENIZER_PATH", "/opt/a::/opt/b", 1);
  auto folders = aton::tokenizer_search_path();
  if (old)
    ::setenv("ATON_TOKENIZER_PATH", saved.c_str(), 1);
  else
    ::unsetenv("ATON_TOKENIZER_PATH");
  REQUIRE(folders.size() >= 4);
  CHECK(folders[0].path == "/opt/a");
  CHECK(folders[1].path == "/opt/b");
  CHECK(folders[0].origin == "ATON_TOKENIZER_PATH");
  // The test binary is build/bin/aton_tests: next to it is the build tree.
  CHECK(folders[2].path == kRanks.lexically_normal());
  CHECK(folders[2].origin == "next to the program");
  CHECK(folders.back().origin == "install prefix");
}

TEST_CASE("tokenizer counts the same from many threads at once", "[tokenizer]") {
  set_up_tokenizer();
  auto texts = aton::test::token_test_texts();
  texts.resize(2000);
  std::vector<std::array<std::size_t, 2>> expected(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i)
    for (int e = 0; e < 2; ++e) expected[i][e] = Tokenizer::get(kEncodings[e]).count(texts[i].text);
  constexpr int kThreads = 4;
  std::vector<std::size_t> wrong(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread walks the texts from its own start, so caches differ.
      for (std::size_t k = 0; k < texts.size(); ++k) {
        std::size_t i = (k + t * 500) % texts.size();
        for (int e = 0; e < 2; ++e)
          if (Tokenizer::get(kEncodings[e]).count(texts[i].text) != expected[i][e]) ++wrong[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) CHECK(wrong[t] == 0);
}

TEST_CASE("tokenizer counts stay the same after its piece cache fills and empties", "[tokenizer]") {
  set_up_tokenizer();
  const Tokenizer& tokenizer = Tokenizer::get(TokenEncoding::o200k_base);
  std::string probe = "zqxw vvkq plmn, 12345 qwxz!";
  std::size_t before = tokenizer.count(probe);
  Ids ids_before = tokenizer.encode(probe);
  // Some 100,000 distinct pieces of several tokens each: more than the cache holds.
  std::string flood;
  std::uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 100000; ++i) {
    flood += ' ';
    for (int k = 0; k < 9; ++k) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      flood += static_cast<char>('a' + x % 26);
    }
  }
  CHECK(tokenizer.count(flood) == tokenizer.encode(flood).size());
  CHECK(tokenizer.count(probe) == before);
  CHECK(tokenizer.encode(probe) == ids_before);
}
