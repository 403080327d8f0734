// The record builder a source plugin writes into (aton_record_builder):
// the plugin's events, or its values as JSON text (ABI 1.2), become Values
// in a batch's arena. It checks that they form records (top-level objects,
// keys before values, balanced nesting, at most 512 levels) and refuses
// what does not, keeping the reason for the host's error message; nothing
// it does throws across the boundary.
#pragma once

#include <aton/arena.hpp>
#include <aton/plugin.h>
#include <aton/value.hpp>
#include <aton/value_builder.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aton::host {

class BatchBuilder {
 public:
  BatchBuilder();
  BatchBuilder(const BatchBuilder&) = delete;
  BatchBuilder& operator=(const BatchBuilder&) = delete;

  // What the plugin is given; it points at this object.
  const aton_record_builder& api() const noexcept { return api_; }

  // Starts a batch whose records go into `arena`; `first_record` is the
  // index of its first record in the input, for messages.
  void start(Arena& arena, std::size_t first_record);

  // After the plugin's call: why an event was refused ("record 12: ..."),
  // or empty.
  const std::string& refusal() const noexcept { return refusal_; }
  // The records completed so far, and whether one is still open.
  std::vector<Value>& records() noexcept { return values_.values(); }
  bool inside_record() const noexcept { return values_.depth() != 0; }
  std::size_t completed() const noexcept { return completed_; }

 private:
  template <class F>
  static int on(void* self, F&& event) noexcept;
  std::string where() const;
  [[noreturn]] static void fail(const std::string& what);

  void scalar();
  void value_slot();
  void open(bool is_object);
  void close(bool is_object);
  void key(std::string_view k);
  int json_value(std::string_view text, std::uint32_t flags, aton_json_result& result);

  aton_record_builder api_{};
  Arena idle_{16};  // until start() gives the batch's arena
  ValueBuilder values_;
  bool key_pending_ = false;  // inside an object: a key came, its value not yet
  std::size_t first_record_ = 0;
  std::size_t completed_ = 0;  // records finished in this batch
  std::string refusal_;
  std::string problem_;  // the text json_value's result points at
};

}  // namespace aton::host
