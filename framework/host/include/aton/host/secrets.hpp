// Secrets: text that must never leave the process.
//
// A pipeline config carries secrets in two ways, and the host learns both
// while it loads the config (pipeline_config.hpp):
//  - every value substituted from the environment, ${NAME}: CONFIG.md tells
//    users to pass tokens and passwords that way, so each such value is a
//    secret wherever it ends up (a URL's path, a header, a password);
//  - credentials written in the config's strings: the password of a URI
//    (scheme://user:PASSWORD@host, ?password=...), of a keyword/value
//    connection string (password=...), the value of a credential-like query
//    parameter (?token=..., &sig=...), and every string under a key named
//    like a credential (password, token, secret, api_key, Authorization,
//    Cookie, ...), such as an http sink's header.
//
// scrub() hides them in any text, by two means:
//  1. Every occurrence of a known secret of at least kMinLength bytes, in
//     the forms a message shows it in: as it is, JSON-escaped (a config
//     error quoting the value), escaped as aton::printable() escapes (any
//     aton::Error's text), and percent-decoded (a URI's part).
//     Shorter values ("1", "dev", "on") are no secret and would blank out
//     ordinary words.
//  2. Credentials by their shape, wherever they come from (a libpq message
//     quoting a URI, a server echoing a request): the password of
//     scheme://user:password@, the value of name=value where the name is
//     credential-like, an Authorization header's value.
// Each is replaced by "***". The result holds no known secret in any of
// those forms: a replacement that forms one anew is scrubbed again, and
// every pass shortens the text, since "***" is shorter than any secret.
//
// shown() is what may be printed: scrubbed, with control characters escaped
// (aton/printable.hpp). Every message, log line and progress event `aton`
// prints goes through it; the pipeline's failures are scrubbed where they
// are recorded; the checkpoint's fingerprint hashes the scrubbed config.
//
// Threads: add() while the config is loaded, on one thread; the const
// functions from any thread afterwards.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace aton::host {

class Secrets {
 public:
  static constexpr std::size_t kMinLength = 4;

  // A secret value (from the environment, or a credential found in the
  // config). Values shorter than kMinLength are ignored.
  void add(std::string_view value);
  // The credentials in one string of the config: the string itself when
  // `key` (the object key it sits under) is credential-like, else the
  // passwords and tokens found in it by their shape.
  void add_credentials(std::string_view key, std::string_view value);
  // Every secret of `other` too.
  void merge(const Secrets& other);

  std::string scrub(std::string_view text) const;
  std::string shown(std::string_view text) const;
  // Whether `text` holds a known secret, in any form scrub() hides.
  bool reveals(std::string_view text) const;

  bool empty() const noexcept { return values_.empty(); }
  // Every form of every secret, as scrub() looks for them.
  const std::vector<std::string>& forms() const noexcept { return forms_; }

 private:
  std::vector<std::string> values_;  // as added
  std::vector<std::string> forms_;   // each value's forms, longest first
};

// Whether an option or parameter name names a credential: password, passwd,
// pwd, secret, token, api_key, apikey, access_key, private_key, auth,
// authorization, cookie, credential(s), signature, session (any case).
bool is_credential_name(std::string_view name);

// Hides credentials by their shape only (means 2 above).
std::string scrub_credentials(std::string_view text);

}  // namespace aton::host
