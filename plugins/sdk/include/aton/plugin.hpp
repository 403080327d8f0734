// C++ conveniences for writing an aton plugin. Header-only; needs RapidJSON.
//
// Derive from aton::sdk::Source or aton::sdk::Sink, throw std::exception
// freely, and declare the plugin with ATON_SOURCE_PLUGIN or ATON_SINK_PLUGIN:
//
//   class MySink : public aton::sdk::Sink {
//    public:
//     MySink(const aton::sdk::Context& context) : path_(context.config.string("path")) {}
//     void write(const aton_chunk& chunk) override { ... }
//   };
//   static const aton_option kOptions[] = {
//     {"path", "path", nullptr, 1, "Where to write.", nullptr},
//   };
//   ATON_SINK_PLUGIN(MySink, "mysink", "1.0.0", "Writes chunks somewhere.", kOptions)
//
// The glue generated here catches every exception at the boundary and turns
// it into ATON_ERROR plus text, so nothing ever unwinds into the host.
//
// Resumable runs (ABI 1.1) are opt-in: give the class these members and the
// glue fills in the matching slots (without them the slots stay NULL and
// `aton run --resume` says the plugin cannot resume):
//   source: std::string save_position();            // after the last record emitted
//           void restore_position(std::string_view);  // before the first next_batch
//   sink:   std::string save_state();               // after the last write
//           void restore_state(std::string_view);     // before the first write
//           void suspend() noexcept;                   // optional: stop, keep what resume needs
//
// Checking a config without starting (ABI 1.3) is opt-in the same way: give
// the class
//   static void check(const aton::sdk::Config& config, aton::sdk::Problems& problems);
// which adds every problem it finds (problems.add(Problems::key("url"),
// "...")) and starts nothing: no file written, no connection, no input read.
// The glue fills the check slot with it, so `aton validate` lists its
// problems and `aton run` refuses them (exit 3) before any plugin starts;
// and create() calls it first, so the constructor never sees a config
// check() refuses and needs no checks of its own for what check() covers.
#pragma once

#include <aton/plugin.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <map>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace aton::sdk {

// The plugin's config: a JSON object already validated by the host against
// the declared options, with defaults filled in.
class Config {
 public:
  explicit Config(std::string_view json) {
    doc_.Parse(json.data(), json.size());
    if (doc_.HasParseError() || !doc_.IsObject())
      throw std::runtime_error("the host passed a config that is not a JSON object");
  }
  bool has(const char* name) const {
    auto it = doc_.FindMember(name);
    return it != doc_.MemberEnd() && !it->value.IsNull();
  }
  std::string string(const char* name, std::string fallback = {}) const {
    auto it = doc_.FindMember(name);
    if (it == doc_.MemberEnd() || !it->value.IsString()) return fallback;
    return {it->value.GetString(), it->value.GetStringLength()};
  }
  std::int64_t integer(const char* name, std::int64_t fallback = 0) const {
    auto it = doc_.FindMember(name);
    return it != doc_.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : fallback;
  }
  double number(const char* name, double fallback = 0) const {
    auto it = doc_.FindMember(name);
    return it != doc_.MemberEnd() && it->value.IsNumber() ? it->value.GetDouble() : fallback;
  }
  bool boolean(const char* name, bool fallback = false) const {
    auto it = doc_.FindMember(name);
    return it != doc_.MemberEnd() && it->value.IsBool() ? it->value.GetBool() : fallback;
  }
  // An object of string values, such as HTTP headers.
  std::map<std::string, std::string> string_map(const char* name) const {
    std::map<std::string, std::string> out;
    auto it = doc_.FindMember(name);
    if (it == doc_.MemberEnd() || !it->value.IsObject()) return out;
    for (const auto& m : it->value.GetObject())
      if (m.value.IsString()) out[m.name.GetString()] = m.value.GetString();
    return out;
  }
  // The raw value, for anything else.
  const rapidjson::Value* get(const char* name) const {
    auto it = doc_.FindMember(name);
    return it == doc_.MemberEnd() ? nullptr : &it->value;
  }

 private:
  rapidjson::Document doc_;
};

// The problems a plugin's static check() finds in its config (ABI 1.3).
class Problems {
 public:
  struct Problem {
    std::string pointer;  // into the plugin's config object; "" for all of it
    std::string message;  // what is wrong and what to do; no secrets
  };

  // A pointer to the option `name` ("/url"), or to `inner` within it
  // ("/headers/X-Token"), '~' and '/' escaped as RFC 6901 says.
  static std::string key(std::string_view name) { return "/" + escaped(name); }
  static std::string key(std::string_view name, std::string_view inner) { return key(name) + key(inner); }

  void add(std::string pointer, std::string message) { list_.push_back({std::move(pointer), std::move(message)}); }
  bool empty() const noexcept { return list_.empty(); }
  const std::vector<Problem>& list() const noexcept { return list_; }

  // The JSON array check() hands over: the items that fit whole in `limit`
  // bytes, the terminating NUL included (at least "[]" when limit >= 3).
  std::string json(std::size_t limit) const {
    std::string out = "[";
    for (const auto& p : list_) {
      rapidjson::StringBuffer item;
      rapidjson::Writer<rapidjson::StringBuffer> w(item);
      w.StartObject();
      w.Key("pointer");
      w.String(p.pointer.data(), static_cast<rapidjson::SizeType>(p.pointer.size()));
      w.Key("message");
      w.String(p.message.data(), static_cast<rapidjson::SizeType>(p.message.size()));
      w.EndObject();
      std::size_t grown = out.size() + (out.size() > 1 ? 1 : 0) + item.GetSize();
      if (grown + 2 > limit) break;  // "]" and the NUL must fit too
      if (out.size() > 1) out += ',';
      out.append(item.GetString(), item.GetSize());
    }
    return out + "]";
  }

  // One line: "/query: ...; /url: ...", for create() to refuse with.
  std::string joined() const {
    std::string out;
    for (const auto& p : list_) {
      if (!out.empty()) out += "; ";
      out += (p.pointer.empty() ? std::string() : p.pointer + ": ") + p.message;
    }
    return out;
  }

 private:
  static std::string escaped(std::string_view token) {
    std::string out;
    for (char c : token) {
      if (c == '~') out += "~0";
      else if (c == '/') out += "~1";
      else out += c;
    }
    return out;
  }
  std::vector<Problem> list_;
};

// What a plugin instance is made from.
struct Context {
  const aton_host_api* host;
  Config config;

  void log(aton_log_level level, const std::string& message) const {
    if (host && host->log) host->log(host->host, level, message.c_str());
  }
  bool cancelled() const { return host && host->is_cancelled && host->is_cancelled(host->host); }
};

// Thrown by RecordBuilder when the host refuses an event; the glue then
// returns ATON_ERROR and the host reports its own reason.
struct BuilderRefused : std::exception {
  const char* what() const noexcept override { return "the host refused a record event"; }
};

// The host's record builder, with methods that throw BuilderRefused.
class RecordBuilder {
 public:
  explicit RecordBuilder(const aton_record_builder& b) : b_(b) {}
  void null() { check(b_.null_value(b_.host)); }
  void boolean(bool v) { check(b_.bool_value(b_.host, v ? 1 : 0)); }
  void integer(std::int64_t v) { check(b_.int_value(b_.host, v)); }
  void floating(double v) { check(b_.float_value(b_.host, v)); }
  void number_text(std::string_view t) { check(b_.number_text(b_.host, t.data(), t.size())); }
  void string(std::string_view s) { check(b_.string_value(b_.host, s.data(), s.size())); }
  void begin_array() { check(b_.begin_array(b_.host)); }
  void end_array() { check(b_.end_array(b_.host)); }
  void begin_object() { check(b_.begin_object(b_.host)); }
  void key(std::string_view k) { check(b_.key(b_.host, k.data(), k.size())); }
  void end_object() { check(b_.end_object(b_.host)); }

  // A value as its JSON text (ABI 1.2; see json_value in plugin.h). `ok`
  // false: the text holds no whole JSON value, nothing was taken, and the
  // rest says why.
  struct JsonRead {
    bool ok;
    std::size_t end;  // past the value, or at the byte at fault
    bool ran_out;     // the text ended first: more text may complete it
    std::string_view problem;
  };
  JsonRead json_value(std::string_view text, std::uint32_t flags = 0) {
    if (b_.struct_size < offsetof(aton_record_builder, json_value) + sizeof b_.json_value || !b_.json_value)
      throw std::runtime_error("this aton does not take JSON text from sources (plugin ABI 1.2 or newer needed)");
    aton_json_result r{sizeof(aton_json_result), 0, 0, nullptr};
    int rc = b_.json_value(b_.host, text.data(), text.size(), flags, &r);
    if (rc == 0) return {true, r.end, false, {}};
    if (rc != 1) throw BuilderRefused{};
    return {false, r.end, r.ran_out != 0, r.problem ? std::string_view(r.problem) : std::string_view("malformed JSON")};
  }

 private:
  static void check(int rc) {
    if (rc != 0) throw BuilderRefused{};
  }
  const aton_record_builder& b_;
};

class Source {
 public:
  virtual ~Source() = default;
  virtual std::string table() const = 0;
  // Emits up to max_records records; returns how many (0: nothing was
  // left). Fewer than max_records means the end of the input, unless
  // ended() says otherwise.
  virtual std::size_t next_batch(RecordBuilder& out, std::size_t max_records) = 0;
  // Asked after a batch of fewer than max_records records, not empty:
  // whether the input has ended. A source that hands on what has arrived (a
  // pipe whose writer is quiet, a followed file) says false, and is asked
  // for the next batch (the C ABI's ATON_OK with a short batch).
  virtual bool ended() const { return true; }
  virtual aton_source_position position() const = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(const aton_chunk& chunk) = 0;
  virtual void finish() {}
  virtual void abort() noexcept {}
};

namespace detail {

inline void copy_error(const char* text, char* error, std::size_t error_size) {
  if (!error || error_size == 0) return;
  std::size_t n = std::strlen(text);
  if (n >= error_size) n = error_size - 1;
  std::memcpy(error, text, n);
  error[n] = '\0';
}

template <class Base>
struct Instance {
  Base* object = nullptr;
  std::string table;
  std::string error;
  std::string saved;  // the last save_position/save_state text
  ~Instance() { delete object; }
};

// Runs f, turning any exception into ATON_ERROR with its text in `error`;
// running out of memory is said so, with what the plugin was `doing`.
template <class F>
aton_status guarded(std::string& error, F&& f, const char* doing = "working") noexcept {
  try {
    return f();
  } catch (const BuilderRefused&) {
    error = "record refused by the host";
  } catch (const std::bad_alloc&) {
    try {
      error = std::string("out of memory while ") + doing;
    } catch (...) {
      error.clear();  // the host says "failed without a message"
    }
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown error";
  }
  return ATON_ERROR;
}

// ---- The ABI 1.3 check slot, filled only for classes with a static check ----

template <class T, class = void>
struct has_check : std::false_type {};
template <class T>
struct has_check<T, std::void_t<decltype(T::check(std::declval<const Config&>(), std::declval<Problems&>()))>>
    : std::true_type {};

template <class T>
constexpr aton_check_fn check_slot() noexcept {
  if constexpr (has_check<T>::value)
    return [](const aton_host_api*, const char* json, std::size_t length, char* problems,
              std::size_t problems_size) noexcept {
      Problems found;
      std::string failure;
      aton_status rc = guarded(failure, [&] {
        T::check(Config(std::string_view(json, length)), found);
        return ATON_OK;
      });
      if (rc != ATON_OK) found.add("", "the check itself failed: " + failure);
      if (found.empty()) return ATON_OK;
      try {
        copy_error(found.json(problems_size).c_str(), problems, problems_size);
      } catch (...) {
        copy_error("[]", problems, problems_size);  // out of memory: the host still sees ATON_ERROR
      }
      return ATON_ERROR;
    };
  else
    return nullptr;
}

template <class T, class Base>
aton_status create(const aton_host_api* host, const char* json, std::size_t length, void** out,
                   char* error, std::size_t error_size) noexcept {
  std::string message;
  aton_status rc = guarded(message, [&] {
    if constexpr (has_check<T>::value) {
      // The constructor never sees a config its own check refuses.
      Problems found;
      T::check(Config(std::string_view(json, length)), found);
      if (!found.empty()) throw std::runtime_error(found.joined());
    }
    auto* instance = new Instance<Base>();
    try {
      instance->object = new T(Context{host, Config(std::string_view(json, length))});
    } catch (...) {
      delete instance;
      throw;
    }
    *out = instance;
    return ATON_OK;
  }, "starting");
  if (rc != ATON_OK) copy_error(message.c_str(), error, error_size);
  return rc;
}

template <class Base>
Instance<Base>& self(void* p) {
  return *static_cast<Instance<Base>*>(p);
}

template <class Base>
const char* last_error(void* p) noexcept {
  return self<Base>(p).error.c_str();
}

template <class Base>
void destroy(void* p) noexcept {
  delete static_cast<Instance<Base>*>(p);
}

// ---- ABI 1.1 slots, filled only for classes that have the members --------

// Detection in C++17 terms (the SDK does not require C++20 of a plugin).
template <class T, class = void>
struct is_resumable_source : std::false_type {};
template <class T>
struct is_resumable_source<T, std::void_t<decltype(std::string(std::declval<T&>().save_position())),
                                          decltype(std::declval<T&>().restore_position(std::string_view()))>>
    : std::true_type {};

template <class T, class = void>
struct is_resumable_sink : std::false_type {};
template <class T>
struct is_resumable_sink<T, std::void_t<decltype(std::string(std::declval<T&>().save_state())),
                                        decltype(std::declval<T&>().restore_state(std::string_view()))>>
    : std::true_type {};

template <class T, class = void>
struct has_suspend : std::false_type {};
template <class T>
struct has_suspend<T, std::void_t<decltype(std::declval<T&>().suspend())>> : std::true_type {};

template <class T, class Base, class F>
aton_status save_text(void* p, const char** text, std::size_t* length, F&& save) noexcept {
  auto& s = self<Base>(p);
  aton_status rc = guarded(s.error, [&] {
    s.saved = save(*static_cast<T*>(s.object));
    return ATON_OK;
  });
  if (rc != ATON_OK) s.saved.clear();
  *text = s.saved.c_str();
  *length = s.saved.size();
  return rc;
}

template <class T>
constexpr auto save_position_slot() noexcept {
  using Fn = aton_status (*)(void*, const char**, std::size_t*);
  if constexpr (is_resumable_source<T>::value)
    return static_cast<Fn>([](void* p, const char** text, std::size_t* length) noexcept {
      return save_text<T, Source>(p, text, length, [](T& t) { return std::string(t.save_position()); });
    });
  else
    return static_cast<Fn>(nullptr);
}

template <class T>
constexpr auto restore_position_slot() noexcept {
  using Fn = aton_status (*)(void*, const char*, std::size_t);
  if constexpr (is_resumable_source<T>::value)
    return static_cast<Fn>([](void* p, const char* text, std::size_t length) noexcept {
      auto& s = self<Source>(p);
      return guarded(s.error, [&] {
        static_cast<T*>(s.object)->restore_position(std::string_view(text, length));
        return ATON_OK;
      });
    });
  else
    return static_cast<Fn>(nullptr);
}

template <class T>
constexpr auto save_state_slot() noexcept {
  using Fn = aton_status (*)(void*, const char**, std::size_t*);
  if constexpr (is_resumable_sink<T>::value)
    return static_cast<Fn>([](void* p, const char** text, std::size_t* length) noexcept {
      return save_text<T, Sink>(p, text, length, [](T& t) { return std::string(t.save_state()); });
    });
  else
    return static_cast<Fn>(nullptr);
}

template <class T>
constexpr auto restore_state_slot() noexcept {
  using Fn = aton_status (*)(void*, const char*, std::size_t);
  if constexpr (is_resumable_sink<T>::value)
    return static_cast<Fn>([](void* p, const char* text, std::size_t length) noexcept {
      auto& s = self<Sink>(p);
      return guarded(s.error, [&] {
        static_cast<T*>(s.object)->restore_state(std::string_view(text, length));
        return ATON_OK;
      });
    });
  else
    return static_cast<Fn>(nullptr);
}

template <class T>
constexpr auto suspend_slot() noexcept {
  using Fn = void (*)(void*);
  if constexpr (is_resumable_sink<T>::value && has_suspend<T>::value)
    return static_cast<Fn>([](void* p) noexcept {
      try {
        static_cast<T*>(self<Sink>(p).object)->suspend();
      } catch (...) {
        // suspend() never fails across the boundary.
      }
    });
  else
    return static_cast<Fn>(nullptr);
}

template <class T>
const aton_source_api* source_api() noexcept {
  static const aton_source_api api = {
      sizeof(aton_source_api),
      &create<T, Source>,
      [](void* p) noexcept -> const char* {
        auto& s = self<Source>(p);
        try {
          s.table = s.object->table();
        } catch (...) {
          s.table = "records";
        }
        return s.table.c_str();
      },
      [](void* p, const aton_record_builder* b, std::size_t max, std::size_t* produced) noexcept {
        auto& s = self<Source>(p);
        *produced = 0;
        return guarded(s.error, [&] {
          RecordBuilder builder(*b);
          *produced = s.object->next_batch(builder, max);
          return *produced == max || (*produced > 0 && !s.object->ended()) ? ATON_OK : ATON_END;
        }, "reading records");
      },
      [](void* p, aton_source_position* out) noexcept {
        auto& s = self<Source>(p);
        try {
          *out = s.object->position();
        } catch (...) {
          *out = aton_source_position{sizeof(aton_source_position), 0, 0, -1, -1};
        }
        out->struct_size = sizeof(aton_source_position);
      },
      &last_error<Source>,
      &destroy<Source>,
      save_position_slot<T>(),
      restore_position_slot<T>(),
      check_slot<T>(),
      {}};
  return &api;
}

template <class T>
const aton_sink_api* sink_api() noexcept {
  static const aton_sink_api api = {
      sizeof(aton_sink_api),
      &create<T, Sink>,
      [](void* p, const aton_chunk* chunk) noexcept {
        auto& s = self<Sink>(p);
        return guarded(s.error, [&] {
          s.object->write(*chunk);
          return ATON_OK;
        }, "writing a chunk");
      },
      [](void* p) noexcept {
        auto& s = self<Sink>(p);
        return guarded(s.error, [&] {
          s.object->finish();
          return ATON_OK;
        }, "finishing");
      },
      [](void* p) noexcept { self<Sink>(p).object->abort(); },
      &last_error<Sink>,
      &destroy<Sink>,
      save_state_slot<T>(),
      restore_state_slot<T>(),
      suspend_slot<T>(),
      check_slot<T>(),
      {}};
  return &api;
}

}  // namespace detail
}  // namespace aton::sdk

#define ATON_DEFINE_PLUGIN_(KIND, SOURCE_API, SINK_API, NAME, VERSION, DESCRIPTION, OPTIONS) \
  extern "C" ATON_PLUGIN_EXPORT const aton_plugin_descriptor* aton_plugin_entry(void) {     \
    static const aton_plugin_descriptor descriptor = {                                      \
        ATON_PLUGIN_ABI_MAJOR, ATON_PLUGIN_ABI_MINOR, sizeof(aton_plugin_descriptor),       \
        KIND, NAME, VERSION, DESCRIPTION,                                                    \
        OPTIONS, sizeof(OPTIONS) / sizeof(OPTIONS[0]),                                       \
        SOURCE_API, SINK_API, {}};                                                           \
    return &descriptor;                                                                      \
  }

// Declares the entry point of a source plugin whose class is CLASS.
#define ATON_SOURCE_PLUGIN(CLASS, NAME, VERSION, DESCRIPTION, OPTIONS)                      \
  ATON_DEFINE_PLUGIN_(ATON_PLUGIN_SOURCE, ::aton::sdk::detail::source_api<CLASS>(), nullptr, \
                      NAME, VERSION, DESCRIPTION, OPTIONS)

// Declares the entry point of a sink plugin whose class is CLASS.
#define ATON_SINK_PLUGIN(CLASS, NAME, VERSION, DESCRIPTION, OPTIONS)                        \
  ATON_DEFINE_PLUGIN_(ATON_PLUGIN_SINK, nullptr, ::aton::sdk::detail::sink_api<CLASS>(),   \
                      NAME, VERSION, DESCRIPTION, OPTIONS)
