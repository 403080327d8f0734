// Validating a config against a JSON Schema, with messages a person can act on.
//
// Two passes. First a walk of the schema keywords configs use (type, enum,
// minimum, maximum, minLength, minItems, properties, required,
// additionalProperties, items) that reports the JSON pointer, what was
// expected, what was found, and "did you mean" for a misspelt key. Then
// RapidJSON's SchemaValidator over the whole schema, so any other keyword a
// plugin's schema uses (pattern, maxItems, ...) is still enforced; it stops
// at its first problem, so it runs only when the walk found none.
#pragma once

#include <aton/host/config_problems.hpp>
#include <aton/host/json_dom.hpp>
#include <aton/host/secrets.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace aton::host {

// Adds every problem of `value` to `problems`, each at its pointer.
// `base_pointer` is where `value` sits in the whole config ("/sinks/1").
// A string holding one of `secrets` is described, not quoted.
void check_against_schema(const JsonValue& schema, const JsonValue& value, const std::string& base_pointer,
                          ConfigProblems& problems, const Secrets* secrets = nullptr);

// The same, throwing InvalidConfig (a ConfigError, one line per problem:
// "<file>: <pointer>: <problem>") when there is any.
void validate_against_schema(const JsonValue& schema, const JsonValue& value, std::string_view file,
                             const std::string& base_pointer, const Secrets* secrets = nullptr);

// The candidate closest to `word` by edit distance, if close enough to be a
// likely misspelling; empty otherwise.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// "/a/b" with '~' and '/' escaped as RFC 6901 says.
std::string pointer_append(const std::string& pointer, std::string_view token);

// Short description of a JSON value's kind and, for scalars, the value:
// `a string ("abc")`, `an integer (12)`, `an object`.
std::string describe_json(const JsonValue& value);

}  // namespace aton::host
