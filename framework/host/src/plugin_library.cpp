#include <aton/host/plugin_library.hpp>

#include <aton/errors.hpp>

#include <boost/dll/runtime_symbol_info.hpp>

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <set>
#include <system_error>

namespace fs = std::filesystem;

namespace aton::host {

namespace {

constexpr std::string_view kPrefix = "aton_";
constexpr std::string_view kSuffix = ".so";

// The sizes ABI 1.0 guarantees: a plugin built against 1.x is at least this
// large; a newer minor version only appends.
constexpr std::size_t kMinDescriptorSize = offsetof(aton_plugin_descriptor, reserved);
constexpr std::size_t kMinSourceApiSize = offsetof(aton_source_api, save_position);
constexpr std::size_t kMinSinkApiSize = offsetof(aton_sink_api, save_state);

[[noreturn]] void refuse(std::string_view name, const fs::path& file, const std::string& why) {
  throw PluginError("plugin '" + std::string(name) + "' (" + file.string() + "): " + why);
}

std::string str(const char* s) { return s ? std::string(s) : std::string(); }

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Whether every user may write to `dir` without the sticky bit, which
// would keep them from replacing other users' files there (/tmp has it).
bool open_to_everyone(const fs::path& dir, mode_t& mode) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return false;
  mode = st.st_mode;
  return (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX);
}

// Loading a library runs its code: its constructors run inside dlopen(),
// before any check of ours. So a file that someone other than this user or
// root could have put there, or changed, is refused before it is loaded:
// one owned by another user, one every user may write, one in a folder
// every user may write to (without the sticky bit).
void check_trusted(std::string_view name, const fs::path& file) {
  struct stat st;
  if (::stat(file.c_str(), &st) != 0) return;  // missing: the loader says so
  const uid_t me = ::geteuid();
  const std::string why = ": loading a plugin runs its code, so aton loads only files that no one but you or root can "
                          "have changed";
  if (st.st_uid != me && st.st_uid != 0)
    refuse(name, file, "refused: the file is owned by user " + std::to_string(st.st_uid) + ", not by you (user " +
                           std::to_string(me) + ") or root" + why + "; use a copy of your own");
  if (st.st_mode & S_IWOTH)
    refuse(name, file, "refused: every user may write the file (mode " + octal_mode(st.st_mode) + ")" + why +
                           "; chmod o-w " + file.string());
  std::error_code ec;
  std::vector<fs::path> dirs{file.parent_path()};
  if (fs::path real = fs::canonical(file, ec); !ec && real.parent_path() != dirs.front())
    dirs.push_back(real.parent_path());  // a symlink's target sits elsewhere
  for (const auto& dir : dirs) {
    mode_t mode = 0;
    if (open_to_everyone(dir.empty() ? fs::path(".") : dir, mode))
      refuse(name, file, "refused: every user may write to its folder " + dir.string() + " (mode " +
                             octal_mode(mode) + ", no sticky bit), so anyone could have put it there" + why +
                             "; chmod o-w " + dir.string());
  }
}

}  // namespace

std::string_view kind_name(aton_plugin_kind kind) noexcept {
  switch (kind) {
    case ATON_PLUGIN_SOURCE: return "source";
    case ATON_PLUGIN_SINK: return "sink";
  }
  return "unknown";
}

std::string_view Plugin::version() const noexcept {
  return descriptor_->version ? descriptor_->version : "";
}

std::string_view Plugin::description() const noexcept {
  return descriptor_->description ? descriptor_->description : "";
}

std::span<const aton_option> Plugin::options() const noexcept {
  if (!descriptor_->options) return {};
  return {descriptor_->options, descriptor_->option_count};
}

std::optional<std::string> plugin_name_of(const fs::path& file) {
  std::string base = file.filename().string();
  if (base.size() <= kPrefix.size() + kSuffix.size() || !base.starts_with(kPrefix) ||
      !base.ends_with(kSuffix))
    return std::nullopt;
  return base.substr(kPrefix.size(), base.size() - kPrefix.size() - kSuffix.size());
}

Plugin load_plugin(const fs::path& file) {
  std::string name = plugin_name_of(file).value_or(file.filename().string());
  check_trusted(name, file);
  auto library = std::make_shared<boost::dll::shared_library>();
  boost::dll::fs::error_code ec;
  // rtld_local (the default) keeps two plugins' symbols apart; rtld_now makes
  // a missing symbol a load error here instead of a crash later.
  library->load(boost::dll::fs::path(file.string()),
                boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec || !library->is_loaded()) {
    // Boost.DLL reports only an errno-style code; the dynamic loader's own
    // text (missing dependency, wrong architecture, undefined symbol) is
    // still in dlerror().
    const char* loader = dlerror();
    std::string why = loader ? loader : (ec ? ec.message() : "unknown reason");
    // The loader could not map the library or one it needs (libzstd, say):
    // memory ran out (an address-space limit), not a broken plugin.
    if (why.find("failed to map segment") != std::string::npos ||
        why.find("Cannot allocate memory") != std::string::npos)
      throw std::bad_alloc();
    refuse(name, file, "cannot load the shared library: " + why);
  }
  if (!library->has(ATON_PLUGIN_ENTRY_NAME))
    refuse(name, file,
           "no entry point: the library does not export " ATON_PLUGIN_ENTRY_NAME
           "() (declare it with ATON_SOURCE_PLUGIN or ATON_SINK_PLUGIN)");
  auto entry = library->get<const aton_plugin_descriptor*()>(ATON_PLUGIN_ENTRY_NAME);
  const aton_plugin_descriptor* d = entry();
  if (!d) refuse(name, file, ATON_PLUGIN_ENTRY_NAME "() returned no descriptor");

  auto version = [](std::uint32_t major, std::uint32_t minor) {
    return std::to_string(major) + "." + std::to_string(minor);
  };
  if (d->abi_major != ATON_PLUGIN_ABI_MAJOR || d->abi_minor > ATON_PLUGIN_ABI_MINOR)
    refuse(name, file,
           "ABI mismatch: the plugin was built for plugin ABI " + version(d->abi_major, d->abi_minor) +
               ", this aton speaks ABI " + version(ATON_PLUGIN_ABI_MAJOR, ATON_PLUGIN_ABI_MINOR) +
               " (same major version, minor version no newer); rebuild the plugin against this "
               "aton's SDK");
  if (d->struct_size < kMinDescriptorSize)
    refuse(name, file, "descriptor too small (" + std::to_string(d->struct_size) + " bytes, ABI " +
                           version(ATON_PLUGIN_ABI_MAJOR, 0) + " needs " +
                           std::to_string(kMinDescriptorSize) + ")");
  if (str(d->name) != name)
    refuse(name, file, "the descriptor calls the plugin '" + str(d->name) +
                           "' but the file is named for '" + name +
                           "'; a plugin's name and its file's name must be the same word");
  if (d->kind == ATON_PLUGIN_SOURCE) {
    if (!d->source || d->sink) refuse(name, file, "a source plugin must give a source API and no sink API");
    const auto* s = d->source;
    if (s->struct_size < kMinSourceApiSize || !s->create || !s->table_name || !s->next_batch ||
        !s->position || !s->last_error || !s->destroy)
      refuse(name, file, "incomplete source API (too small or a function missing)");
  } else if (d->kind == ATON_PLUGIN_SINK) {
    if (!d->sink || d->source) refuse(name, file, "a sink plugin must give a sink API and no source API");
    const auto* s = d->sink;
    if (s->struct_size < kMinSinkApiSize || !s->create || !s->write || !s->finish || !s->abort ||
        !s->last_error || !s->destroy)
      refuse(name, file, "incomplete sink API (too small or a function missing)");
  } else {
    refuse(name, file, "unknown plugin kind " + std::to_string(static_cast<int>(d->kind)));
  }
  for (std::size_t i = 0; i < d->option_count; ++i)
    if (!d->options || !d->options[i].name || !d->options[i].type)
      refuse(name, file, "option " + std::to_string(i) + " has no name or no type");

  Plugin plugin;
  plugin.library_ = std::move(library);
  plugin.descriptor_ = d;
  plugin.name_ = std::move(name);
  plugin.file_ = file;
  return plugin;
}

std::vector<PluginDir> default_plugin_dirs() {
  std::vector<PluginDir> dirs;
  boost::dll::fs::error_code ec;
  fs::path exe = boost::dll::program_location(ec).string();
  if (!ec && !exe.empty()) {
    fs::path prefix = exe.parent_path().parent_path();
    dirs.push_back({prefix / "lib" / "aton" / "plugins", "build tree"});
    fs::path installed = prefix / ATON_PLUGIN_INSTALL_RELDIR;
    if (installed.lexically_normal() != dirs.back().path.lexically_normal())
      dirs.push_back({installed, "install prefix"});
  }
  if (const char* env = std::getenv("ATON_PLUGIN_PATH")) {
    std::string_view rest = env;
    while (!rest.empty()) {
      std::size_t colon = rest.find(':');
      std::string_view part = rest.substr(0, colon);
      if (!part.empty()) dirs.push_back({fs::path(part), "ATON_PLUGIN_PATH"});
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  return dirs;
}

PluginCatalog::PluginCatalog(std::vector<PluginDir> dirs) : dirs_(std::move(dirs)) { scan(); }

void PluginCatalog::add_dirs(const std::vector<PluginDir>& dirs) {
  dirs_.insert(dirs_.end(), dirs.begin(), dirs.end());
  scan();
}

void PluginCatalog::scan() {
  files_.clear();
  std::set<std::string> seen;
  for (const auto& dir : dirs_) {
    std::error_code ec;
    std::vector<PluginFile> here;
    for (const auto& entry : fs::directory_iterator(dir.path, ec)) {
      if (auto name = plugin_name_of(entry.path()); name && !entry.is_directory(ec))
        here.push_back({*name, entry.path(), false});
    }
    std::sort(here.begin(), here.end(),
              [](const PluginFile& a, const PluginFile& b) { return a.name < b.name; });
    for (auto& f : here) {
      f.shadowed = !seen.insert(f.name).second;
      files_.push_back(std::move(f));
    }
  }
}

const PluginFile* PluginCatalog::find(std::string_view name) const noexcept {
  for (const auto& f : files_)
    if (!f.shadowed && f.name == name) return &f;
  return nullptr;
}

Plugin PluginCatalog::load(std::string_view name, aton_plugin_kind kind) const {
  const PluginFile* file = find(name);
  if (!file) {
    std::string found;
    for (const auto& f : files_) {
      if (f.shadowed) continue;
      found += found.empty() ? "" : ", ";
      found += f.name;
    }
    std::string searched;
    for (const auto& d : dirs_) searched += (searched.empty() ? " " : ", ") + d.path.string() + " (" + d.origin + ")";
    throw PluginError("plugin '" + std::string(name) + "' not found: no aton_" + std::string(name) +
                      ".so in the plugin folders. Plugins found: " +
                      (found.empty() ? std::string("none") : found) + ". Folders searched:" +
                      (searched.empty() ? std::string(" none") : searched) +
                      ". Add a folder with ATON_PLUGIN_PATH or plugin_dirs in the config.");
  }
  Plugin plugin = load_plugin(file->path);
  if (plugin.kind() != kind)
    throw PluginError("plugin '" + plugin.name() + "' (" + plugin.file().string() + ") is a " +
                      std::string(kind_name(plugin.kind())) + ", not a " +
                      std::string(kind_name(kind)));
  return plugin;
}

}  // namespace aton::host
