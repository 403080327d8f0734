// The csv-spectrum test data (npm package csv-spectrum): each csv beside the
// json it should give, compared with infer_types: false. The package is
// fetched with npm into the build folder at test time, never committed.
#include "sources/source_pipeline.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <filesystem>

namespace fs = std::filesystem;
using aton::test::json_quoted;
using aton::test::run_source;
using aton::test::TempDir;

namespace {

fs::path csv_spectrum() {
  fs::path prefix = fs::path(ATON_BUILD_DIR) / "npm";
  fs::path package = prefix / "node_modules" / "csv-spectrum";
  if (!fs::exists(package / "csvs")) {
    aton::test::ProcessOptions options;
    options.timeout = std::chrono::minutes(3);
    auto npm = aton::test::run_process(
        {"npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", prefix.string(), "csv-spectrum@2"},
        options);
    INFO(npm.err);
    REQUIRE(npm.exit_code == 0);
  }
  return package;
}

// The expected records as {"records": [...]} in the decoder's compact form.
std::string expected_json(const fs::path& file) {
  rapidjson::Document doc;
  std::string text = aton::test::read_file(file);
  doc.Parse(text.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  std::string out = "{\"records\":[";
  auto append_record = [&](const rapidjson::Value& record) {
    out += out.back() == '[' ? "{" : ",{";
    bool first = true;
    for (const auto& m : record.GetObject()) {
      out += first ? "" : ",";
      first = false;
      out += json_quoted(m.name.GetString()) + ":";
      std::string v(m.value.GetString(), m.value.GetStringLength());
      std::string escaped = "\"";
      for (char c : v) {
        if (c == '"' || c == '\\') escaped += '\\', escaped += c;
        else if (c == '\n') escaped += "\\n";
        else if (c == '\r') escaped += "\\r";
        else escaped += c;
      }
      out += escaped + "\"";
    }
    out += "}";
  };
  if (doc.IsArray())
    for (const auto& r : doc.GetArray()) append_record(r);
  else
    append_record(doc);
  return out + "]}";
}

}  // namespace

TEST_CASE("csv: passes the csv-spectrum test data", "[sources][csv][csv-spectrum]") {
  fs::path package = csv_spectrum();
  TempDir dir;
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(package / "csvs")) {
    std::string name = entry.path().stem().string();
    // This fixture's json disagrees with its own csv (phone 1234567890 vs
    // 2095257564 in the csv): checked below on the fields that agree.
    if (name == "location_coordinates") continue;
    INFO(name);
    auto run = run_source(dir, R"({"plugin": "csv", "infer_types": false, "path": )" + json_quoted(entry.path()) + "}");
    INFO(run.process.err);
    REQUIRE(run.process.exit_code == 0);
    CHECK(run.json == expected_json(package / "json" / (name + ".json")));
    ++compared;
  }
  CHECK(compared >= 11);

  auto coordinates = run_source(dir, R"({"plugin": "csv", "infer_types": false, "path": )" +
                                         json_quoted(package / "csvs" / "location_coordinates.csv") + "}");
  REQUIRE(coordinates.process.exit_code == 0);
  CHECK(coordinates.json ==
        "{\"records\":[{\"Contact Phone Number\":\"2095257564\",\"Location Coordinates\":\"37\xEF\xBF\xBD"
        "36'37.8\\\"N 121\xEF\xBF\xBD" "2'17.9\\\"W\",\"Cities\":\"Modesto\",\"Counties\":\"Stanislaus\"}]}");
}
