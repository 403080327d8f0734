// How the commands print an error: one line on stderr, "aton <command>:
// <message>", with the config's secrets scrubbed and control characters
// escaped (aton/host/secrets.hpp), so that nothing printed shows a password
// or drives the terminal. `aton run` prints through RunReporter, which
// does the same.
#pragma once

#include <aton/host/secrets.hpp>

#include <string_view>

namespace aton::app {

// Without `secrets`, only credentials recognised by their shape (a URI's
// password, password=..., ?token=...) are scrubbed.
void print_error(std::string_view command, std::string_view message, const host::Secrets* secrets = nullptr);

}  // namespace aton::app
