// The man page and bash completion the build makes from `aton --help`
// (packaging/help_docs.py): they name every command and option the CLI
// has, the man page renders without a warning, and the completion offers
// commands, options, option values, plugin names and the files a command reads.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

using namespace aton::test;
namespace fs = std::filesystem;

namespace {

const fs::path kManPage = fs::path(ATON_BUILD_DIR) / "share/man/man1/aton.1";
const fs::path kCompletion = fs::path(ATON_BUILD_DIR) / "share/bash-completion/completions/aton";

// Every long option `aton <command> --help` lists.
std::vector<std::string> long_options(const std::string& command) {
  auto help = run_aton({command, "--help"});
  REQUIRE(help.exit_code == 0);
  std::vector<std::string> out;
  static const std::regex option(R"(^  (?:-\w \[ )?(--[\w-]+))");
  std::istringstream lines(help.out);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, option)) out.push_back(m[1]);
  }
  return out;
}

// What bash completion offers for the words typed, the last one being
// completed, sorted; `aton` stands for the build's binary.
std::vector<std::string> complete(std::vector<std::string> words, const fs::path& working_dir = {}) {
  std::string script = "source '" + kCompletion.string() + "'\nCOMP_WORDS=('" ATON_BINARY "'";
  for (const auto& w : words) script += " '" + w + "'";
  script += ")\nCOMP_CWORD=" + std::to_string(words.size()) +
            "\n_aton\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
  ProcessOptions options;
  options.working_dir = working_dir.string();
  auto run = run_process({"bash", "--norc", "-c", script}, options);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::vector<std::string> out;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) out.push_back(line);
  std::sort(out.begin(), out.end());
  return out;
}

using Words = std::vector<std::string>;

}  // namespace

TEST_CASE("the man page has a section for every command and every option of its help", "[packaging][docs]") {
  REQUIRE(fs::exists(kManPage));
  auto rendered = run_process({"groff", "-man", "-Tutf8", "-ww", "-P-c", "-P-b", "-P-u", kManPage.string()});
  INFO(rendered.err);
  REQUIRE(rendered.exit_code == 0);
  CHECK(rendered.err.empty());  // -ww: every warning, none given
  for (const std::string command : {"encode", "decode", "run", "validate", "plugins"}) {
    INFO(command);
    CHECK(rendered.out.find("aton " + command + " ") != std::string::npos);
    // Option names stay copyable: ASCII minus signs, not typographic hyphens.
    for (const auto& option : long_options(command)) {
      INFO(option);
      CHECK(rendered.out.find(option) != std::string::npos);
    }
  }
  CHECK(rendered.out.find("EXIT STATUS") != std::string::npos);
}

TEST_CASE("bash completion offers commands, options, option values, plugin names and files", "[packaging][docs]") {
  REQUIRE(fs::exists(kCompletion));
  SECTION("commands") {
    CHECK(complete({""}) == Words{"--help", "--version", "decode", "encode", "plugins", "run", "validate"});
    CHECK(complete({"va"}) == Words{"validate"});
  }
  SECTION("a command's options, from its help") {
    CHECK(complete({"encode", "--c"}) == Words{"--chunk-size", "--compression"});
    for (const std::string command : {"encode", "decode", "run", "validate", "plugins"}) {
      INFO(command);
      auto offered = complete({command, "--"});
      for (const auto& option : long_options(command))
        CHECK(std::find(offered.begin(), offered.end(), option) != offered.end());
    }
  }
  SECTION("the values an option's help lists") {
    CHECK(complete({"encode", "-m", ""}) == Words{"adaptive", "balanced", "fast", "ultra"});
    CHECK(complete({"run", "x.json", "--progress", "j"}) == Words{"json"});
  }
  SECTION("plugin names, from aton plugins") {
    auto offered = complete({"plugins", "--describe", ""});
    for (const std::string name : {"csv", "file", "http", "json", "sql", "stdout"})
      CHECK(std::find(offered.begin(), offered.end(), name) != offered.end());
    CHECK(complete({"plugins", "-d", "st"}) == Words{"stdout"});
  }
  SECTION("the files a command reads") {
    TempDir dir;
    dir.write("pipeline.json", "{}");
    dir.write("notes.txt", "");
    dir.write("users.aton", "");
    fs::create_directory(dir / "configs");
    CHECK(complete({"run", ""}, dir.path()) == Words{"configs", "pipeline.json"});
    CHECK(complete({"validate", "p"}, dir.path()) == Words{"pipeline.json"});
    CHECK(complete({"decode", ""}, dir.path()) == Words{"configs", "users.aton"});
  }
}
