// Finding plugin files and loading them safely.
//
// A plugin is a shared library aton_<name>.so exporting aton_plugin_entry()
// (see plugins/sdk/include/aton/plugin.h). Loading it runs its code (the
// library's constructors run inside dlopen), so load_plugin() first refuses
// a file someone other than this user or root could have put there or
// changed: owned by another user, writable by every user, or in a folder
// every user may write to without the sticky bit. Then it opens it with
// Boost.DLL and checks, before anything else is called: the entry point
// exists; the ABI major version equals the host's and the minor version is
// not newer; the descriptor and its API table are at least as large as ABI
// 1.0 requires; the kind matches its API table; the descriptor's name is the
// file's name word.
//
// Lifetime: every Plugin, and every instance made from one, holds a
// shared_ptr to the library, so the code stays mapped for as long as
// anything made from it lives. Copies of a Plugin are cheap.
//
// Errors are aton::PluginError and always name the plugin and the file.
#pragma once

#include <aton/plugin.h>

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aton::host {

class Plugin {
 public:
  const std::string& name() const noexcept { return name_; }
  aton_plugin_kind kind() const noexcept { return descriptor_->kind; }
  std::string_view version() const noexcept;
  std::string_view description() const noexcept;
  const std::filesystem::path& file() const noexcept { return file_; }
  std::span<const aton_option> options() const noexcept;
  const aton_plugin_descriptor& descriptor() const noexcept { return *descriptor_; }
  const std::shared_ptr<boost::dll::shared_library>& library() const noexcept { return library_; }

 private:
  friend Plugin load_plugin(const std::filesystem::path& file);
  std::shared_ptr<boost::dll::shared_library> library_;  // first: outlives the pointers below
  const aton_plugin_descriptor* descriptor_ = nullptr;
  std::string name_;
  std::filesystem::path file_;
};

// "source" or "sink".
std::string_view kind_name(aton_plugin_kind kind) noexcept;

// The plugin name a file stands for: "aton_csv.so" -> "csv"; nothing for a
// file that is not a plugin.
std::optional<std::string> plugin_name_of(const std::filesystem::path& file);

// Loads and checks one plugin file. Throws PluginError.
Plugin load_plugin(const std::filesystem::path& file);

// A folder to search, and why it is searched (shown in errors).
struct PluginDir {
  std::filesystem::path path;
  std::string origin;  // "build tree", "install prefix", "ATON_PLUGIN_PATH", "plugin_dirs"
};

// The default folders, in search order: <exe>/../lib/aton/plugins (the build
// tree, and the install prefix when the libdir is lib), the install prefix's
// own libdir, then each folder of ATON_PLUGIN_PATH (colon-separated).
std::vector<PluginDir> default_plugin_dirs();

struct PluginFile {
  std::string name;
  std::filesystem::path path;
  bool shadowed = false;  // an earlier folder has a plugin of the same name
};

// The plugins on the search path. The first folder that has a plugin of a
// given name wins; later ones are listed as shadowed.
class PluginCatalog {
 public:
  explicit PluginCatalog(std::vector<PluginDir> dirs = default_plugin_dirs());

  // Appends folders (a config's plugin_dirs) and rescans.
  void add_dirs(const std::vector<PluginDir>& dirs);

  const std::vector<PluginDir>& dirs() const noexcept { return dirs_; }
  const std::vector<PluginFile>& files() const noexcept { return files_; }

  // The winning file for `name`, or nothing.
  const PluginFile* find(std::string_view name) const noexcept;

  // Loads `name` and checks its kind. Throws PluginError: not found (listing
  // the plugins that were found and the folders searched), wrong kind, or
  // whatever load_plugin() refuses.
  Plugin load(std::string_view name, aton_plugin_kind kind) const;

 private:
  void scan();
  std::vector<PluginDir> dirs_;
  std::vector<PluginFile> files_;
};

}  // namespace aton::host
