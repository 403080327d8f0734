// The events of one value, kept until the value has parsed completely and
// then replayed into the host's record builder, which cannot take events
// back: a value cut short by the end of a read block is simply parsed again
// over a longer window, and the host never sees the half of it.
//
// A JsonReader Target. Strings that view the window are kept as views
// (valid until the window moves); strings decoded into the reader's scratch
// buffer are copied here.
#pragma once

#include <aton/plugin.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aton::json_source {

class RecordTape {
 public:
  void clear() {
    events_.clear();
    copies_.clear();
  }

  void null() { events_.push_back({Kind::Null, {nullptr}, 0}); }
  void boolean(bool b) { events_.push_back({b ? Kind::True : Kind::False, {nullptr}, 0}); }
  void number(std::string_view t) { events_.push_back({Kind::Number, {t.data()}, t.size()}); }
  void string(std::string_view s, bool in_text) { text(Kind::String, s, in_text); }
  void key(std::string_view k, bool in_text) { text(Kind::Key, k, in_text); }
  void begin_object() { events_.push_back({Kind::BeginObject, {nullptr}, 0}); }
  void end_object() { events_.push_back({Kind::EndObject, {nullptr}, 0}); }
  void begin_array() { events_.push_back({Kind::BeginArray, {nullptr}, 0}); }
  void end_array() { events_.push_back({Kind::EndArray, {nullptr}, 0}); }

  void replay(sdk::RecordBuilder& out) const {
    for (const Event& e : events_) {
      switch (e.kind) {
        case Kind::Null: out.null(); break;
        case Kind::True: out.boolean(true); break;
        case Kind::False: out.boolean(false); break;
        case Kind::Number: out.number_text(view(e)); break;
        case Kind::String: out.string(view(e)); break;
        case Kind::Key: out.key(view(e)); break;
        case Kind::CopiedString: out.string(copied(e)); break;
        case Kind::CopiedKey: out.key(copied(e)); break;
        case Kind::BeginObject: out.begin_object(); break;
        case Kind::EndObject: out.end_object(); break;
        case Kind::BeginArray: out.begin_array(); break;
        case Kind::EndArray: out.end_array(); break;
      }
    }
  }

  std::size_t size() const { return events_.size(); }

 private:
  enum class Kind : std::uint8_t {
    Null, True, False, Number, String, Key, CopiedString, CopiedKey,
    BeginObject, EndObject, BeginArray, EndArray
  };
  struct Event {
    Kind kind;
    union {
      const char* text;  // a view into the window
      std::size_t at;    // a copied string's offset in copies_, which moves as it grows
    };
    std::size_t size;
  };

  void text(Kind kind, std::string_view s, bool in_text) {
    if (in_text) return events_.push_back({kind, {s.data()}, s.size()});
    Event e{kind == Kind::String ? Kind::CopiedString : Kind::CopiedKey, {nullptr}, s.size()};
    e.at = copies_.size();
    copies_.append(s);
    events_.push_back(e);
  }
  static std::string_view view(const Event& e) { return {e.text, e.size}; }
  std::string_view copied(const Event& e) const {
    return {copies_.data() + e.at, e.size};
  }

  std::vector<Event> events_;
  std::string copies_;
};

}  // namespace aton::json_source
