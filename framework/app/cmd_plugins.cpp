// `aton plugins`: lists the plugins found; --describe NAME shows one's options.
#include "command.hpp"
#include "exit_codes.hpp"
#include "messages.hpp"

#include <aton/errors.hpp>
#include <aton/host/pipeline_config.hpp>
#include <aton/host/plugin_library.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>

namespace po = boost::program_options;

namespace aton::app {
namespace {

constexpr const char* kHelp = R"(Usage: aton plugins [--describe NAME]

Lists every plugin found, with its name, kind, version and file. Folders
searched, in order: the build tree's or install prefix's lib/aton/plugins
beside this binary, then each folder of ATON_PLUGIN_PATH (colon-separated).
The first folder that has a plugin of a given name wins; the files it
shadows are listed, not loaded. A file that cannot be loaded, or is not
trusted (loading a plugin runs its code: a file another user owns, or that
every user may write or put there, is refused), is listed with the reason.

Options:
)";

constexpr const char* kExamples = R"(
Examples:
  aton plugins
  aton plugins --describe file
  ATON_PLUGIN_PATH=$HOME/aton-plugins aton plugins

Exit codes: 0 ok, 2 bad arguments, 5 the plugin to describe was not found
or was refused.
)";

int list(const host::PluginCatalog& catalog) {
  std::cout << std::left << std::setw(14) << "NAME" << std::setw(8) << "KIND" << std::setw(10) << "VERSION"
            << "FILE\n";
  for (const auto& f : catalog.files()) {
    // Loading runs a plugin's code: a file no run would load is not loaded.
    if (f.shadowed) {
      std::cout << std::setw(14) << f.name << std::setw(8) << "-" << std::setw(10) << "-" << f.path.string()
                << "  (shadowed by an earlier folder; not loaded)\n";
      continue;
    }
    try {
      host::Plugin p = host::load_plugin(f.path);
      std::cout << std::setw(14) << p.name() << std::setw(8) << host::kind_name(p.kind()) << std::setw(10)
                << p.version() << f.path.string() << "\n";
    } catch (const Error& e) {
      std::cout << std::setw(14) << f.name << std::setw(8) << "-" << std::setw(10) << "-" << f.path.string()
                << "  (refused: " << e.what() << ")\n";
    }
  }
  if (catalog.files().empty()) {
    std::cout << "(no plugins found; folders searched:";
    for (const auto& d : catalog.dirs()) std::cout << " " << d.path.string();
    std::cout << ")\n";
  }
  return kExitOk;
}

int describe(const host::PluginCatalog& catalog, const std::string& name) {
  const host::PluginFile* file = catalog.find(name);
  host::Plugin p = file ? host::load_plugin(file->path)
                        : catalog.load(name, ATON_PLUGIN_SOURCE);  // throws "not found", listing plugins
  std::cout << p.name() << " " << p.version() << " (" << host::kind_name(p.kind()) << ")\n"
            << "  " << p.description() << "\n  file: " << p.file().string() << "\n\nOptions:\n";
  if (p.options().empty()) std::cout << "  (none)\n";
  for (const aton_option& o : p.options()) {
    std::cout << "  " << o.name << " (" << o.type << (o.required ? ", required" : "");
    if (o.default_json) std::cout << ", default " << o.default_json;
    std::cout << ")\n      " << (o.description ? o.description : "") << "\n";
    if (o.schema_json) std::cout << "      schema: " << o.schema_json << "\n";
  }
  std::cout << "\nJSON Schema of its keys:\n  " << host::plugin_schema(p) << "\n";
  return kExitOk;
}

int run_plugins(int argc, char** argv) {
  std::string name;
  po::options_description options;
  options.add_options()
      ("help,h", "show this help")
      ("describe,d", po::value(&name), "show the options of plugin NAME");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "aton plugins: " << e.what() << "\nRun `aton plugins --help` for usage.\n";
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << kHelp << options << kExamples;
    return kExitOk;
  }
  try {
    host::PluginCatalog catalog;
    return name.empty() ? list(catalog) : describe(catalog, name);
  } catch (const Error& e) {
    print_error("plugins", e.what());
    return kExitPluginError;
  }
}

const CommandRegistration registration{"plugins", "list the plugins found, or describe one", 50, &run_plugins};

}  // namespace
}  // namespace aton::app
