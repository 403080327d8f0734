#include <aton/host/secrets.hpp>

#include <aton/printable.hpp>

#include <algorithm>
#include <cctype>
#include <utility>

namespace aton::host {

namespace {

constexpr std::string_view kHidden = "***";

using Region = std::pair<std::size_t, std::size_t>;  // [begin, end) of a credential

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

// Where a URI's text ends in prose: at a space, a quote or a bracket that
// messages put around it.
bool ends_uri(char c) {
  return is_space(c) || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>';
}

// Where an unquoted name=value's value ends: in a URI's query, in a
// keyword/value connection string, in prose.
bool ends_value(char c) {
  return ends_uri(c) || c == '&' || c == '#' || c == ',' || c == ';' || c == ')' || c == ']' || c == '}';
}

bool is_hidden(std::string_view text, Region r) { return text.substr(r.first, r.second - r.first) == kHidden; }

// scheme://user:PASSWORD@host: the password, up to the last '@' before the
// URI's end, so that a raw '@' in a password is hidden whole.
void userinfo_passwords(std::string_view text, std::vector<Region>& out) {
  for (std::size_t pos = text.find("://"); pos != std::string_view::npos; pos = text.find("://", pos + 3)) {
    std::size_t start = pos + 3, end = start;
    while (end < text.size() && !ends_uri(text[end])) ++end;
    std::size_t at = text.substr(start, end - start).rfind('@');
    if (at == std::string_view::npos) continue;
    at += start;
    std::size_t colon = text.substr(start, at - start).find(':');
    if (colon == std::string_view::npos) continue;
    Region r{start + colon + 1, at};
    if (r.second > r.first && !is_hidden(text, r)) out.push_back(r);
  }
}

// NAME=VALUE where NAME is credential-like: a URI's query parameter
// (?password=, &token=, &sig=), a keyword/value connection string
// (password=x, password = 'a b'), prose.
void named_values(std::string_view text, std::vector<Region>& out) {
  for (std::size_t eq = text.find('='); eq != std::string_view::npos; eq = text.find('=', eq + 1)) {
    std::size_t name_end = eq;
    while (name_end > 0 && text[name_end - 1] == ' ') --name_end;
    std::size_t name_begin = name_end;
    while (name_begin > 0 && is_name_char(text[name_begin - 1])) --name_begin;
    if (name_begin == name_end) continue;
    std::string_view name = text.substr(name_begin, name_end - name_begin);
    char before = name_begin > 0 ? text[name_begin - 1] : '\0';
    bool in_query = before == '?' || before == '&' || before == ';';
    std::string lowered;
    for (char c : name) lowered += lower(c);
    bool credential = is_credential_name(name) ||
                      (in_query && (lowered == "key" || lowered == "sig" || lowered == "code"));
    if (!credential) continue;
    std::size_t v = eq + 1;
    while (v < text.size() && text[v] == ' ') ++v;
    Region r;
    if (v < text.size() && (text[v] == '\'' || text[v] == '"')) {
      char quote = text[v];
      std::size_t e = v + 1;
      while (e < text.size() && text[e] != quote) e += text[e] == '\\' && e + 1 < text.size() ? 2 : 1;
      r = {v + 1, std::min(e, text.size())};
    } else {
      // Prose punctuation ends it too: "password=x: error", "password=x. Then".
      std::size_t e = v;
      while (e < text.size() && !ends_value(text[e]) &&
             !((text[e] == ':' || text[e] == '.') && (e + 1 == text.size() || is_space(text[e + 1]))))
        ++e;
      r = {v, e};
    }
    if (r.second > r.first && !is_hidden(text, r)) out.push_back(r);
  }
}

// "Authorization: Bearer abc" (any case): the value, to the line's end or a quote.
void header_values(std::string_view text, std::vector<Region>& out) {
  static constexpr std::string_view kName = "authorization:";
  std::string lowered;
  lowered.reserve(text.size());
  for (char c : text) lowered += lower(c);
  for (std::size_t pos = lowered.find(kName); pos != std::string::npos; pos = lowered.find(kName, pos + 1)) {
    // "/headers/Authorization: ..." ends a JSON pointer: a config problem's
    // place, not a header. Its value, if the message quotes it, is one of the
    // config's secrets and hidden as such.
    if (pos > 0 && text[pos - 1] == '/') continue;
    std::size_t v = pos + kName.size();
    while (v < text.size() && text[v] == ' ') ++v;
    std::size_t e = v;
    while (e < text.size() && text[e] != '\n' && text[e] != '\r' && text[e] != '"' && text[e] != '\'') ++e;
    Region r{v, e};
    if (r.second > r.first && !is_hidden(text, r)) out.push_back(r);
  }
}

std::vector<Region> credential_regions(std::string_view text) {
  std::vector<Region> regions;
  userinfo_passwords(text, regions);
  named_values(text, regions);
  header_values(text, regions);
  return regions;
}

// `text` with each region (merged where they overlap or touch) replaced by "***".
std::string hide(std::string_view text, std::vector<Region> regions) {
  std::sort(regions.begin(), regions.end());
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;
  for (std::size_t i = 0; i < regions.size();) {
    auto [begin, end] = regions[i];
    for (++i; i < regions.size() && regions[i].first <= end; ++i) end = std::max(end, regions[i].second);
    begin = std::max(begin, copied);
    if (end <= begin) continue;
    out.append(text.substr(copied, begin - copied));
    out.append(kHidden);
    copied = end;
  }
  out.append(text.substr(copied));
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    int hi = i + 2 < text.size() && text[i] == '%' ? hex_value(text[i + 1]) : -1;
    int lo = hi >= 0 ? hex_value(text[i + 2]) : -1;
    if (lo >= 0) {
      out += static_cast<char>(hi << 4 | lo);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// As a JSON string's content: what a config error shows of a value.
std::string json_escaped(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

bool is_credential_name(std::string_view name) {
  static constexpr std::string_view kParts[] = {
      "pass",    "pwd",      "secret",     "token",     "apikey",      "api_key",     "api-key",
      "accesskey", "access_key", "access-key", "privatekey", "private_key", "private-key", "auth",
      "cookie",  "credential", "signature", "session"};
  std::string lowered;
  for (char c : name) lowered += lower(c);
  return std::any_of(std::begin(kParts), std::end(kParts),
                     [&](std::string_view part) { return lowered.find(part) != std::string::npos; });
}

std::string scrub_credentials(std::string_view text) { return hide(text, credential_regions(text)); }

void Secrets::add(std::string_view value) {
  if (value.size() < kMinLength) return;
  if (std::find(values_.begin(), values_.end(), value) != values_.end()) return;
  values_.emplace_back(value);
  for (std::string form : {std::string(value), json_escaped(value), printable(value), percent_decoded(value)}) {
    if (form.size() < kMinLength || std::find(forms_.begin(), forms_.end(), form) != forms_.end()) continue;
    forms_.push_back(std::move(form));
  }
  std::stable_sort(forms_.begin(), forms_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

void Secrets::add_credentials(std::string_view key, std::string_view value) {
  if (is_credential_name(key)) {
    add(value);
    // "Bearer <token>": a message may quote the token alone.
    std::size_t start = 0;
    while (start < value.size()) {
      std::size_t end = start;
      while (end < value.size() && !is_space(value[end]) && value[end] != ',' && value[end] != ';') ++end;
      if (end - start >= 8) add(value.substr(start, end - start));
      start = end + 1;
    }
  }
  for (auto [begin, end] : credential_regions(value)) add(value.substr(begin, end - begin));
}

void Secrets::merge(const Secrets& other) {
  for (const auto& v : other.values_) add(v);
}

bool Secrets::reveals(std::string_view text) const {
  return std::any_of(forms_.begin(), forms_.end(),
                     [&](const std::string& form) { return text.find(form) != std::string_view::npos; });
}

std::string Secrets::scrub(std::string_view text) const {
  std::string out = scrub_credentials(text);
  // Each pass replaces runs of at least kMinLength bytes with three: the
  // text shrinks, so this ends; it ends without a secret in it.
  while (reveals(out)) {
    std::vector<Region> regions;
    for (const auto& form : forms_)
      for (std::size_t at = out.find(form); at != std::string::npos; at = out.find(form, at + 1))
        regions.emplace_back(at, at + form.size());
    out = hide(out, std::move(regions));
  }
  return out;
}

std::string Secrets::shown(std::string_view text) const { return scrub(printable(scrub(text))); }

}  // namespace aton::host
