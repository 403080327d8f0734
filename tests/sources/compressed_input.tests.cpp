// Gzip and zstd input: the decompressor on its own, then the json and csv
// sources end to end (real `aton run`, real plugins, file sink) on
// compressed files and a compressed standard input.
#include "common/decompressor.hpp"
#include "sources/source_pipeline.hpp"
#include "support/compression.hpp"

#include <catch2/catch.hpp>

#include <string>

using aton::test::check_failed;
using aton::test::json_quoted;
using aton::test::run_source;
using aton::test::TempDir;
using aton::sources::Compression;
using aton::sources::Decompressor;
using aton::Decoder;

namespace {

std::string sample_lines(std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i)
    out += "{\"id\": " + std::to_string(i) + ", \"name\": \"user " + std::to_string(i % 37) + " \u00e9\"}\n";
  return out;
}

// Feeds `data` `step` bytes at a time and takes the output `out_step` bytes
// at a time: the decompressor's state must carry over every boundary.
std::string decompress_in_steps(Compression kind, const std::string& data, std::size_t step, std::size_t out_step) {
  Decompressor d(kind, "test.z");
  std::string text;
  std::string buffer(out_step, '\0');
  for (std::size_t at = 0; at < data.size(); at += step) {
    d.feed(data.data() + at, std::min(step, data.size() - at));
    while (!d.needs_input()) text.append(buffer.data(), d.produce(buffer.data(), buffer.size()));
  }
  d.finish();
  return text;
}

}  // namespace

TEST_CASE("the decompressor reads gzip members and zstd frames back to back across any split of input and output",
          "[sources][compression]") {
  std::string text = sample_lines(400);
  for (auto [kind, data] : {std::pair{Compression::gzip, aton::test::gzip_text(text, 3)},
                            std::pair{Compression::zstd, aton::test::zstd_text(text, 3)}}) {
    INFO(aton::sources::compression_name(kind));
    REQUIRE(aton::sources::compression_of(reinterpret_cast<const unsigned char*>(data.data()), data.size()) == kind);
    CHECK(decompress_in_steps(kind, data, data.size(), 1 << 16) == text);
    CHECK(decompress_in_steps(kind, data, 1, 7) == text);
    CHECK(decompress_in_steps(kind, data, 4096, 1) == text);
  }
  unsigned char plain[] = {'{', '"', 'a', '"'};
  CHECK(aton::sources::compression_of(plain, sizeof plain) == Compression::none);
}

TEST_CASE("the decompressor says where a stream is cut short or corrupt", "[sources][compression]") {
  std::string text = sample_lines(2000);
  for (auto [kind, data] : {std::pair{Compression::gzip, aton::test::gzip_text(text, 2)},
                            std::pair{Compression::zstd, aton::test::zstd_text(text, 2)}}) {
    std::string name = aton::sources::compression_name(kind);
    INFO(name);
    SECTION(name + " cut short") {
      std::string cut = data.substr(0, data.size() / 2);
      CHECK_THROWS_WITH(decompress_in_steps(kind, cut, 1000, 4096),
                        Catch::Contains("test.z: the " + name + " data is cut short") &&
                            Catch::Contains("at compressed byte " + std::to_string(cut.size())));
    }
    SECTION(name + " corrupt in the middle") {
      std::string bad = data;
      for (std::size_t i = bad.size() / 4; i < bad.size() / 4 + 64; ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
      CHECK_THROWS_WITH(decompress_in_steps(kind, bad, 1000, 4096),
                        Catch::Contains("test.z: corrupt " + name + " data at compressed byte"));
    }
    SECTION(name + " followed by bytes that are not compressed") {
      CHECK_THROWS_WITH(decompress_in_steps(kind, data + "{\"x\": 1}\n", 1000, 4096),
                        Catch::Contains("test.z: corrupt " + name + " data at compressed byte " +
                                        std::to_string(data.size())));
    }
  }
}

TEST_CASE("json and csv read gzip and zstd files and standard input exactly as the plain text",
          "[sources][compression]") {
  TempDir dir;
  std::string lines = sample_lines(9);
  std::string array = R"([{"id": 1, "big": 123456789012345678901234567890}, {"id": 2, "t": "caf\u00e9"}, {"id": 3}])";
  std::string csv = "id,name\r\n1,\"a, b\"\r\n2,08123\r\n3,x\r\n";
  struct Case {
    const char* name;
    std::string plain_file, text, options;
  };
  const Case cases[] = {{"json lines", "in.jsonl", lines, R"("plugin": "json")"},
                        {"json array", "in.json", array, R"("plugin": "json")"},
                        {"csv", "in.csv", csv, R"("plugin": "csv")"}};
  for (const Case& c : cases) {
    SECTION(c.name) {
      auto plain = run_source(dir, "{" + c.options + ", \"path\": " + json_quoted(dir.write(c.plain_file, c.text)) + "}");
      INFO(plain.process.err);
      REQUIRE(plain.process.exit_code == 0);
      REQUIRE(plain.json.size() > 20);
      for (auto [suffix, data] : {std::pair{".gz", aton::test::gzip_text(c.text, 2)},
                                  std::pair{".zst", aton::test::zstd_text(c.text, 2)}}) {
        INFO(suffix);
        // Named .jsonl.gz: the layout from the name under the suffix.
        auto file = dir.write(c.plain_file + suffix, data);
        auto run = run_source(dir, "{" + c.options + ", \"path\": " + json_quoted(file) + "}");
        INFO(run.process.err);
        REQUIRE(run.process.exit_code == 0);
        CHECK(run.json == plain.json);
        // Not counted first: totals are known only at the end.
        REQUIRE(run.total_chunks.size() >= 2);
        CHECK(run.total_chunks.front() == -1);
        CHECK(run.total_chunks.back() == static_cast<std::int64_t>(run.total_chunks.size()));

        // Told by the bytes, not the name; and through a pipe.
        auto piped = run_source(dir, "{" + c.options + (c.plain_file == std::string("in.jsonl") ? R"(, "format": "jsonl")" : "") + "}",
                                2, aton::test::with_input(data));
        INFO(piped.process.err);
        REQUIRE(piped.process.exit_code == 0);
        CHECK(piped.json == plain.json);
      }
    }
  }
}

TEST_CASE("a truncated or corrupt compressed input fails naming the file and the compressed byte",
          "[sources][compression]") {
  TempDir dir;
  std::string text = sample_lines(3000);
  std::string gz = aton::test::gzip_text(text);
  auto cut = dir.write("cut.jsonl.gz", gz.substr(0, gz.size() - 100));
  check_failed(run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(cut) + "}", 50),
               "cut.jsonl.gz: the gzip data is cut short: the file ends inside a gzip member at compressed byte " +
                   std::to_string(gz.size() - 100));

  std::string zst = aton::test::zstd_text(text);
  for (std::size_t i = zst.size() / 2; i < zst.size() / 2 + 32; ++i) zst[i] = static_cast<char>(~zst[i]);
  auto bad = dir.write("bad.csv.zst", zst);
  check_failed(run_source(dir, R"({"plugin": "csv", "header": false, "columns": ["a", "b"], "path": )" +
                                   json_quoted(bad) + "}"),
               "bad.csv.zst: corrupt zstd data at compressed byte");

  auto follow = run_source(dir, R"({"plugin": "json", "follow": true, "path": )" +
                                    json_quoted(dir.write("f.jsonl", gz)) + "}");
  check_failed(follow, "f.jsonl is gzip-compressed: a compressed file cannot be followed");
}

TEST_CASE("standard input redirected from a compressed file is told by the bytes read and not by the file's start",
          "[sources][compression]") {
  TempDir dir;
  std::string text = sample_lines(500);
  // A shell that read a first line of the file before aton: stdin is the
  // file, at an offset past a plain first line, then gzip members.
  auto input = dir.write("in.bin", "a line read by the shell\n" + aton::test::gzip_text(text, 2));
  auto config = dir.write("stdin.json", R"({"source": {"plugin": "json", "format": "jsonl"},
    "sinks": [{"plugin": "file", "path": "stdin.aton"}]})");
  auto plain = run_source(dir, R"({"plugin": "json", "path": )" + json_quoted(dir.write("in.jsonl", text)) + "}");
  REQUIRE(plain.process.exit_code == 0);

  // The shell's `read` leaves the file's offset just past the line.
  auto run = aton::test::run_process(
      {"sh", "-c", "{ read -r line; exec \"$0\" run \"$1\" --progress none; } < \"$2\"", ATON_BINARY,
       config.string(), input.string()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  Decoder decoder;
  decoder.feed(aton::test::read_file(dir / "stdin.aton"));
  CHECK(decoder.to_json() == plain.json);
}
