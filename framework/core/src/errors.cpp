#include <aton/errors.hpp>

#include <aton/printable.hpp>

namespace aton {

Error::Error(const std::string& what) : std::runtime_error(printable(what)) {}
Error::Error(const char* what) : std::runtime_error(printable(what)) {}

DecodingError::DecodingError(const std::string& what, std::size_t line, std::size_t column)
    : Error("line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what),
      line_(line),
      column_(column) {}

JsonError::JsonError(const std::string& what, std::size_t offset, std::size_t line,
                     std::size_t column)
    : Error("JSON error at line " + std::to_string(line) + ", column " + std::to_string(column) +
            " (byte " + std::to_string(offset) + "): " + what),
      reason_(what),
      offset_(offset),
      line_(line),
      column_(column) {}

}  // namespace aton
