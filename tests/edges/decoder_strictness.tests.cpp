// What `aton decode` refuses in a stream of chunks, with the line and column:
// a @dict that changes a dictionary entry already declared, a raw NUL byte
// outside quotes, and continuation chunks it can tell are out of order.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

using namespace aton::test;

namespace {

ProcessResult decode(const std::string& text) {
  ProcessOptions options;
  options.input = text;
  return run_aton({"decode", "-"}, options);
}

void check_refused(const ProcessResult& r, std::initializer_list<std::string> parts) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 4);
  CHECK(r.out.empty());
  for (const auto& part : parts) CHECK_THAT(r.err, Catch::Contains(part));
}

}  // namespace

TEST_CASE("a @dict before a continuation that redefines an entry is refused with its position",
          "[edges][decode]") {
  const std::string chunk0 = "@schema[city:str]\n@dict[#0:\"Paris\"]\nt(1):\n#0\n";
  SECTION("another string for #0") {
    check_refused(decode(chunk0 + "@dict[#0:\"Lyon\"]\nt+(1):\n#0\n"),
                  {"line 5, column 7", "#0", "already"});
  }
  SECTION("the same string again is refused too: an entry is declared once") {
    check_refused(decode(chunk0 + "@dict[#1:\"Nice\", #0:\"Paris\"]\nt+(1):\n#1\n"),
                  {"line 5, column 18", "#0", "already"});
  }
  SECTION("one @dict that declares an entry twice") {
    check_refused(decode("@schema[city:str]\n@dict[#0:\"Paris\", #0:\"Lyon\"]\nt(1):\n#0\n"),
                  {"line 2, column 19", "#0", "twice"});
  }
  SECTION("new entries before a continuation are still taken") {
    auto r = decode(chunk0 + "@dict[#1:\"Nice\"]\nt+(1):\n#1\n");
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "{\"t\":[{\"city\":\"Paris\"},{\"city\":\"Nice\"}]}\n");
  }
}

TEST_CASE("a raw NUL byte outside quotes is refused with its line and column", "[edges][decode]") {
  using namespace std::string_literals;
  SECTION("in a bare value") {
    check_refused(decode("@schema[a:str, b:int]\nt(1):\nab\0cd, 1\n"s), {"line 3, column 3", "NUL"});
  }
  SECTION("in a bare key of a literal row") {
    check_refused(decode("@schema[a:int]\nt(1):\n!{k\0:1}\n"s), {"line 3, column 4", "NUL"});
  }
  SECTION("in a table name") {
    check_refused(decode("@schema[a:int]\nt\0(1):\n1\n"s), {"line 2, column 2", "NUL"});
  }
  SECTION("escaped inside a quoted string it is a character like any other") {
    auto r = decode("@schema[a:str]\nt(1):\n\"x\\u0000y\"\n");
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "{\"t\":[{\"a\":\"x\\u0000y\"}]}\n");
  }
}

TEST_CASE("a continuation after the short last chunk of its stream is refused as out of order",
          "[edges][decode]") {
  const std::string chunk0 = "@schema[id:int]\nt(2):\n1\n2\n";
  const std::string full = "t+(2):\n3\n4\n";
  const std::string last = "t+(1):\n5\n";
  SECTION("in order it decodes") {
    auto r = decode(chunk0 + full + last);
    INFO(r.err);
    CHECK(r.exit_code == 0);
  }
  SECTION("the last chunk before another continuation") {
    check_refused(decode(chunk0 + last + full), {"line 7", "out of order", "line 5"});
  }
  SECTION("a continuation longer than the first chunk of its stream") {
    check_refused(decode("@schema[id:int]\nt(1):\n1\nt+(2):\n2\n3\n"), {"line 4", "2 rows", "1 row"});
  }
}

namespace {

// The chunk id in a per_chunk file's name (its digits), padded or not.
std::size_t id_of(const std::filesystem::path& file) {
  std::string digits;
  for (char c : file.filename().string())
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
  return std::stoul(digits);
}

}  // namespace

TEST_CASE("per_chunk files joined in name order without padding are refused by aton decode",
          "[edges][decode]") {
  // 23 records in chunks of 2: chunks 0 to 11, the last one short. Joined as
  // a shell glob sorts unpadded names (0 1 10 11 2 3 ... 9), chunk 11 comes
  // before chunk 2.
  TempDir dir;
  std::string input = "[";
  for (int i = 0; i < 23; ++i) input += (i ? "," : "") + std::string("{\"id\":") + std::to_string(i) + "}";
  dir.write("users.json", input + "]");
  std::filesystem::create_directories(dir / "parts");
  auto config = dir.write("pipeline.json",
                          R"({"source": {"plugin": "json", "path": "users.json", "table": "users"},
                              "encoder": {"chunk_size": 2},
                              "sinks": [{"plugin": "file", "per_chunk": "parts/part-{chunk_id}.aton"}]})");
  auto run = run_aton({"run", config.string(), "--progress", "none"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);

  std::vector<std::filesystem::path> parts;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "parts")) parts.push_back(entry.path());
  REQUIRE(parts.size() == 12);
  std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return id_of(a) < id_of(b); });
  auto joined = [&](const std::vector<std::size_t>& order) {
    std::string text;
    for (std::size_t id : order) text += read_file(parts[id]) + "\n";
    return text;
  };

  auto in_order = decode(joined({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  INFO(in_order.err);
  CHECK(in_order.exit_code == 0);
  check_refused(decode(joined({0, 1, 10, 11, 2, 3, 4, 5, 6, 7, 8, 9})), {"out of order"});
}
