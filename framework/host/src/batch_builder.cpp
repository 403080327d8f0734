#include <aton/host/batch_builder.hpp>

#include <new>

#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/json_reader.hpp>

#include <exception>

namespace aton::host {

BatchBuilder::BatchBuilder() : values_(idle_) {
  api_.struct_size = sizeof(aton_record_builder);
  api_.host = this;
  api_.null_value = [](void* h) { return on(h, [](BatchBuilder& b) { b.scalar(); b.values_.null(); }); };
  api_.bool_value = [](void* h, int v) {
    return on(h, [v](BatchBuilder& b) { b.scalar(); b.values_.boolean(v != 0); });
  };
  api_.int_value = [](void* h, std::int64_t v) {
    return on(h, [v](BatchBuilder& b) { b.scalar(); b.values_.integer(v); });
  };
  api_.float_value = [](void* h, double v) {
    return on(h, [v](BatchBuilder& b) { b.scalar(); b.values_.floating(v); });
  };
  api_.number_text = [](void* h, const char* t, std::size_t n) {
    return on(h, [t, n](BatchBuilder& b) { b.scalar(); b.values_.number_text({t, n}); });
  };
  api_.string_value = [](void* h, const char* t, std::size_t n) {
    return on(h, [t, n](BatchBuilder& b) { b.scalar(); b.values_.string({t, n}); });
  };
  api_.begin_array = [](void* h) { return on(h, [](BatchBuilder& b) { b.open(false); }); };
  api_.end_array = [](void* h) { return on(h, [](BatchBuilder& b) { b.close(false); }); };
  api_.begin_object = [](void* h) { return on(h, [](BatchBuilder& b) { b.open(true); }); };
  api_.key = [](void* h, const char* t, std::size_t n) { return on(h, [t, n](BatchBuilder& b) { b.key({t, n}); }); };
  api_.end_object = [](void* h) { return on(h, [](BatchBuilder& b) { b.close(true); }); };
  api_.json_value = [](void* h, const char* t, std::size_t n, std::uint32_t flags, aton_json_result* result) {
    int rc = 1;
    int refused = on(h, [&](BatchBuilder& b) { rc = b.json_value({t, n}, flags, *result); });
    return refused ? -1 : rc;  // 1 means a malformed text, not a refusal
  };
}

void BatchBuilder::start(Arena& arena, std::size_t first_record) {
  values_.clear();
  values_.set_arena(arena);
  key_pending_ = false;
  refusal_.clear();
  first_record_ = first_record;
  completed_ = 0;
}

// Runs one event; a refusal returns 1 and keeps the reason. Once refused,
// every later event is refused too.
template <class F>
int BatchBuilder::on(void* self, F&& event) noexcept {
  auto& b = *static_cast<BatchBuilder*>(self);
  if (!b.refusal_.empty()) return 1;
  try {
    event(b);
    return 0;
  } catch (const std::bad_alloc&) {
    b.refusal_ = b.where() + ": out of memory while building the record";
  } catch (const std::exception& e) {
    b.refusal_ = b.where() + ": " + e.what();
  } catch (...) {
    b.refusal_ = b.where() + ": unknown error while building a record";
  }
  return 1;
}

// The record being built, counted from 1 as the sources count in their own messages.
std::string BatchBuilder::where() const { return "record " + std::to_string(first_record_ + completed_ + 1); }

void BatchBuilder::fail(const std::string& what) { throw Error(what); }  // on() adds where()

// Before any value: records are objects, and an object's values need keys.
void BatchBuilder::scalar() {
  if (values_.depth() == 0) fail("a record must be a JSON object, not a bare value");
  value_slot();
}

void BatchBuilder::value_slot() {
  if (values_.in_object()) {
    if (!key_pending_) fail("a value inside an object without a key");
    key_pending_ = false;
  }
}

void BatchBuilder::open(bool is_object) {
  if (values_.depth() == 0) {
    if (!is_object) fail("a record must be a JSON object, not an array");
  } else {
    value_slot();
  }
  if (is_object) values_.begin_object();  // throws when nesting is too deep
  else values_.begin_array();
}

void BatchBuilder::close(bool is_object) {
  if (values_.depth() == 0 || values_.in_object() != is_object)
    fail(std::string(is_object ? "end_object" : "end_array") + " without a matching " +
         (is_object ? "begin_object" : "begin_array"));
  if (is_object && key_pending_) fail("a key without a value at the end of an object");
  if (is_object) values_.end_object();
  else values_.end_array();
  if (values_.depth() == 0) ++completed_;
}

void BatchBuilder::key(std::string_view k) {
  if (!values_.in_object()) fail("a key outside an object");
  if (key_pending_) fail("two keys in a row, the first without a value");
  values_.key(k);
  key_pending_ = true;
}

// A malformed text is the source's to report (it knows the file and line),
// so it is an answer, not a refusal: the value is rolled back.
int BatchBuilder::json_value(std::string_view text, std::uint32_t flags, aton_json_result& result) {
  JsonReader reader(text, ValueBuilder::kDefaultMaxDepth);
  reader.skip_whitespace();
  bool record = values_.depth() == 0;
  if (record && !reader.at_end() && reader.peek() != '{') fail("a record must be a JSON object");
  bool was_pending = key_pending_;
  if (!record) value_slot();
  ValueBuilder::Mark mark = values_.mark();
  try {
    read_json_value(reader, values_, (flags & ATON_TEXT_STABLE) != 0);
  } catch (const JsonError& e) {
    values_.rollback(mark);
    key_pending_ = was_pending;
    problem_ = e.reason();
    result.end = e.offset();
    result.ran_out = reader.ran_out() ? 1 : 0;
    result.problem = problem_.c_str();
    return 1;
  }
  result.end = reader.offset();
  if (record) ++completed_;
  return 0;
}

}  // namespace aton::host
