// RapidJSON's DOM as the host uses it (configs, schemas, checkpoints): the
// same documents, but an allocation that fails throws std::bad_alloc.
// RapidJSON's own allocator returns NULL, and RapidJSON writes through the
// pointer unchecked: out of memory, parsing a config crashed (SIGSEGV)
// instead of failing with "out of memory while reading the config".
// Every DOM the host makes is one of these types; values of the plain
// rapidjson::Document type cannot mix with them.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace aton::host {

// RapidJSON's CrtAllocator, throwing instead of returning NULL.
class CheckedAllocator {
 public:
  static const bool kNeedFree = true;
  void* Malloc(std::size_t size) {
    if (size == 0) return nullptr;
    void* p = std::malloc(size);
    if (!p) throw std::bad_alloc();
    return p;
  }
  void* Realloc(void* original, std::size_t, std::size_t size) {
    if (size == 0) {
      std::free(original);
      return nullptr;
    }
    void* p = std::realloc(original, size);
    if (!p) throw std::bad_alloc();
    return p;
  }
  static void Free(void* p) { std::free(p); }
};

using JsonDocument =
    rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<CheckedAllocator>, CheckedAllocator>;
using JsonValue = JsonDocument::ValueType;
using JsonStringBuffer = rapidjson::GenericStringBuffer<rapidjson::UTF8<>, CheckedAllocator>;
using JsonWriter = rapidjson::Writer<JsonStringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>, CheckedAllocator>;
using JsonPointer = rapidjson::GenericPointer<JsonValue, CheckedAllocator>;
using JsonSchemaDocument = rapidjson::GenericSchemaDocument<JsonValue, CheckedAllocator>;
using JsonSchemaValidator =
    rapidjson::GenericSchemaValidator<JsonSchemaDocument, rapidjson::BaseReaderHandler<rapidjson::UTF8<>, void>,
                                      CheckedAllocator>;

}  // namespace aton::host
