// The one exception hierarchy of aton.
//
// Everything the core, the host and the CLI throw derives from aton::Error.
// Plugins never throw across their boundary: the SDK glue turns an exception
// into a status code and text, and the host turns that back into a
// PluginError, SourceError or SinkError naming the plugin and the chunk.
//
// Every error's text is one printable line: messages quote input (an ATON
// line, a CSV field, a key, a file name) and the constructor escapes the
// control characters such input can hold (aton/printable.hpp), so that no
// message can drive the terminal it is printed on or forge another line.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace aton {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what);
  explicit Error(const char* what);
};

// Bad input to the encoder: no such table, several tables and none named,
// chunk size 0, a key the options forbid.
class EncodingError : public Error {
 public:
  using Error::Error;
};

// Malformed ATON. line() and column() are 1-based positions in the text.
class DecodingError : public Error {
 public:
  DecodingError(const std::string& what, std::size_t line, std::size_t column);
  std::size_t line() const noexcept { return line_; }
  std::size_t column() const noexcept { return column_; }

 private:
  std::size_t line_;
  std::size_t column_;
};

// Malformed JSON input (a record set, not a config). offset() is the byte
// offset of the fault; line() and column() are 1-based.
class JsonError : public Error {
 public:
  JsonError(const std::string& what, std::size_t offset, std::size_t line, std::size_t column);
  std::size_t offset() const noexcept { return offset_; }
  std::size_t line() const noexcept { return line_; }
  std::size_t column() const noexcept { return column_; }
  // What is wrong, without the position (what() has both).
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string reason_;
  std::size_t offset_;
  std::size_t line_;
  std::size_t column_;
};

// An invalid pipeline config or command-line option.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A plugin that cannot be found, loaded or trusted (ABI, entry point).
class PluginError : public Error {
 public:
  using Error::Error;
};

// A failure reported by a source plugin while reading.
class SourceError : public Error {
 public:
  using Error::Error;
};

// A failure reported by a sink plugin while writing.
class SinkError : public Error {
 public:
  using Error::Error;
};

// The run was stopped on request (SIGINT, SIGTERM, or another stage failed).
class CancelledError : public Error {
 public:
  using Error::Error;
};

}  // namespace aton
