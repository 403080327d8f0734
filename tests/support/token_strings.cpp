#include "support/token_strings.hpp"

#include "support/utf8.hpp"

#include <random>
#include <string_view>

namespace aton::test {

namespace {

// Code points of every general category, the split rules' edge cases among
// them: Lt and Lm (o200k's upper and lower sets overlap there), marks (in
// both sets, not letters for cl100k), numbers of other scripts, every
// White_Space, U+0085 and U+FEFF (JavaScript's \s and Rust's differ on
// them), ſ (folds to s in contractions), code points new in Unicode 17
// (unassigned in 16, which tiktoken uses).
const char32_t kSamples[] = {
    // Lu
    0x41, 0x5A, 0xC0, 0xDE, 0x130, 0x3A9, 0x416, 0x531, 0x10A0, 0x1E00, 0x2102, 0xFF21, 0x1D400, 0x10400, 0x1C89,
    // Ll
    0x61, 0x7A, 0xDF, 0xFF, 0x131, 0x17F, 0x3C9, 0x436, 0x1E01, 0xFF41, 0x1D41A, 0x10428, 0xA794,
    // Lt
    0x1C5, 0x1C8, 0x1CB, 0x1F88, 0x1FBC,
    // Lm
    0x2B0, 0x2C6, 0x30FC, 0x309D, 0xA717, 0x1D2C, 0x3005, 0xFF70,
    // Lo
    0xAA, 0xBA, 0x1BB, 0x1C0, 0x5D0, 0x627, 0x905, 0xE01, 0x4E2D, 0x3042, 0x30A2, 0xAC00, 0x1100, 0x20000, 0x2A6DF,
    0x31350,
    // Mn Mc Me
    0x300, 0x301, 0x323, 0x345, 0x64B, 0x93C, 0xE31, 0x20D7, 0xFE00, 0xFE0F, 0x1AB0, 0xE0100, 0x1D167, 0x903, 0x93E,
    0xBBE, 0x1D165, 0x488, 0x20DD, 0x20E3, 0xA670,
    // Nd Nl No
    0x30, 0x39, 0x663, 0x6F3, 0x969, 0xE53, 0xFF13, 0x1D7D8, 0x11066, 0x216B, 0x2170, 0x3007, 0x10140, 0x16EE, 0xB2,
    0xB9, 0xBD, 0x2070, 0x2460, 0x2474, 0xF33, 0x10107,
    // Pc Pd Ps Pe Pi Pf Po
    0x5F, 0x203F, 0xFF3F, 0x2D, 0x2013, 0x2014, 0x2010, 0x30A0, 0x28, 0x29, 0x5B, 0x5D, 0x7B, 0x7D, 0x300C, 0x300D,
    0xFF08, 0xAB, 0xBB, 0x2018, 0x2019, 0x201C, 0x201D, 0x21, 0x22, 0x23, 0x25, 0x26, 0x27, 0x2A, 0x2C, 0x2E, 0x2F,
    0x3A, 0x3B, 0x3F, 0x40, 0x5C, 0xA1, 0xBF, 0xB7, 0x3002, 0x3001, 0x203C, 0x61F, 0x964,
    // Sm Sc Sk So
    0x2B, 0x3C, 0x3D, 0x3E, 0x7C, 0x7E, 0xAC, 0xB1, 0xD7, 0xF7, 0x2211, 0x221A, 0x221E, 0x2260, 0x24, 0xA2, 0xA3,
    0xA5, 0x20AC, 0x20B9, 0x20BF, 0x5E, 0x60, 0xA8, 0xAF, 0xB4, 0x2C2, 0x1F3FB, 0xA6, 0xA9, 0xAE, 0xB0, 0x482, 0x2191,
    0x25A0, 0x2603, 0x2665, 0x2713, 0x1F600, 0x1F680, 0x1F004, 0x3231,
    // Zs Zl Zp Cc
    0x20, 0xA0, 0x1680, 0x2000, 0x2005, 0x200A, 0x202F, 0x205F, 0x3000, 0x2028, 0x2029, 0x0, 0x1, 0x9, 0xA, 0xB, 0xC,
    0xD, 0x1C, 0x1F, 0x7F, 0x85, 0x9F,
    // Cf Co Cn
    0xAD, 0x200B, 0x200C, 0x200D, 0x200E, 0x2060, 0xFEFF, 0x61C, 0xE0001, 0xE0061, 0xE000, 0xF8FF, 0xF0000, 0x10FFFD,
    0x378, 0xFFFE, 0xFFFF, 0xFDD0, 0x1FFFE, 0x10FFFF, 0x11DE0, 0x16FF4, 0xA7CE,
};

// Where each sample goes: the split rules look at a character's class next
// to letters of either case, digits, spaces, newlines, apostrophes and
// symbols.
const std::string_view kContexts[] = {
    "@",        "a@b",     "A@",        "@'s",      "x@'LL",     " @",      "1@22",      "@@@",
    "\n@\n",    "!!@",     "@ @",       "word@Word", "ab@cd",    "AB@CD",   "@bc's",     "@\t@",
    "  @x",     "@  ",     "x @ y",     "'@",        "@123",     "Z@@z",    " @'re",     "//@\r\n",
};

std::string fill(std::string_view pattern, const std::string& c) {
  std::string out;
  for (char ch : pattern) {
    if (ch == '@')
      out += c;
    else
      out += ch;
  }
  return out;
}

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <class T, std::size_t N>
  const T& pick(const T (&items)[N]) {
    return items[below(N)];
  }

  // A random valid code point, any plane, assigned or not.
  char32_t any_code_point() {
    for (;;) {
      char32_t cp = chance(0.7) ? static_cast<char32_t>(below(0x10000)) : static_cast<char32_t>(below(0x110000));
      if (cp < 0xD800 || cp > 0xDFFF) return cp;
    }
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
};

const std::string_view kWords[] = {"the",   "The",    "THE",  "hello", "World", "don",  "isn",  "we",   "They",
                                   "you",   "CamelCase", "iPhone", "naïve", "café",  "Straße", "ÉCOLE", "Ωmega",
                                   "привет", "Москва", "日本語", "中文",   "한국어", "ไทย",  "العربية", "עברית",
                                   "हिन्दी",  "x",      "I",    "a",     "id",    "url",  "JSON", "aton"};
const std::string_view kEmoji[] = {
    "😀", "🚀", "👍🏽", "👨‍👩‍👧‍👦", "👩‍💻", "🏳️‍🌈", "🇺🇸", "🇫🇷🇩🇪", "1️⃣", "#️⃣", "❤️", "☺︎", "🏴󠁧󠁢󠁥󠁮󠁧󠁿",
    "🧑🏿‍🤝‍🧑🏻", "👁️‍🗨️", "🐈‍⬛", "🫠", "🪿", "😶‍🌫️", "🤷‍♀️", "✌🏼", "🇯🇵", "©️", "™", "🆗"};
const std::string_view kPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const std::string_view kContractions[] = {"s", "t", "re", "ve", "m", "ll", "d"};
const char32_t kSpaces[] = {0x20, 0x20, 0x20, 0x9, 0xA, 0xD, 0xB, 0xC, 0xA0, 0x85, 0x2000, 0x2009, 0x3000, 0x2028, 0xFEFF};
const char32_t kDigits[] = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 0x663, 0x966, 0xFF11, 0xB2, 0xBD, 0x2167};
const char32_t kMarks[] = {0x300, 0x301, 0x302, 0x308, 0x323, 0x331, 0x36F, 0x483, 0x5B4, 0x64E, 0x94D,
                           0xE48, 0x20DD, 0x20E3, 0xFE0F, 0x1DC0, 0x903, 0x1F3FB};

// Any of the pieces above, or a random code point: the alphabet of the
// random mixtures.
std::string unit(Generator& g) {
  switch (g.below(16)) {
    case 0: return std::string(1, static_cast<char>('a' + g.below(26)));
    case 1: return std::string(1, static_cast<char>('A' + g.below(26)));
    case 2: return std::string(1, static_cast<char>('0' + g.below(10)));
    case 3: return std::string(1, kPunct[g.below(kPunct.size())]);
    case 4: return utf8(g.pick(kSpaces));
    case 5: return " ";
    case 6: return std::string(g.pick(kWords));
    case 7: return "'" + std::string(g.pick(kContractions));
    case 8: return std::string(g.pick(kEmoji));
    case 9: return utf8(g.pick(kMarks));
    case 10: return utf8(g.pick(kSamples));
    case 11: return utf8(g.pick(kDigits));
    case 12: return utf8(static_cast<char32_t>(0x4E00 + g.below(0x5200)));
    case 13: return g.chance(0.5) ? "\n" : "\r\n";
    case 14: return utf8(g.any_code_point());
    default: return std::string(g.pick(kWords)) + " ";
  }
}

void add(std::vector<TokenText>& out, std::string kind, std::string text) {
  out.push_back({std::move(kind), std::move(text)});
}

void samples_in_contexts(std::vector<TokenText>& out) {
  for (char32_t cp : kSamples)
    for (std::string_view context : kContexts) add(out, "unicode class", fill(context, utf8(cp)));
}

void random_mixtures(Generator& g, std::vector<TokenText>& out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    std::string text;
    std::size_t units = 1 + g.below(i % 4 == 0 ? 60 : 16);
    for (std::size_t k = 0; k < units; ++k) text += unit(g);
    add(out, "random mixture", std::move(text));
  }
}

void whitespace_runs(Generator& g, std::vector<TokenText>& out, std::size_t n) {
  const std::string_view before[] = {"", "x", "word", "!", "1", " ", "a\n"};
  const std::string_view after[] = {"", "", "y", "Word", "!", "1", "'s", "\n"};
  const char32_t alphabet[] = {' ', ' ', '\t', '\n', '\r', 0x3000, 0xA0, 0x85, 0x2028, 0xB, 0xC};
  for (std::size_t i = 0; i < n; ++i) {
    std::string run;
    std::size_t len = 1 + g.below(i % 10 == 0 ? 40 : 6);
    // Half the runs are one character repeated (indentation), half mixed.
    char32_t same = g.pick(alphabet);
    for (std::size_t k = 0; k < len; ++k) run += utf8(i % 2 ? same : g.pick(alphabet));
    add(out, "whitespace", std::string(g.pick(before)) + run + std::string(g.pick(after)));
  }
}

void digit_runs(Generator& g, std::vector<TokenText>& out, std::size_t n) {
  const std::string_view separators[] = {"", "", ",", ".", " ", "-", "e-", "/", ":", "x"};
  for (std::size_t i = 0; i < n; ++i) {
    std::string text = g.chance(0.3) ? "id " : "";
    std::size_t groups = 1 + g.below(4);
    for (std::size_t k = 0; k < groups; ++k) {
      if (k > 0) text += g.pick(separators);
      std::size_t len = 1 + g.below(i % 5 == 0 ? 60 : 12);
      for (std::size_t d = 0; d < len; ++d)
        text += g.chance(0.9) ? std::string(1, static_cast<char>('0' + g.below(10))) : utf8(g.pick(kDigits));
    }
    if (g.chance(0.3)) text += g.chance(0.5) ? "abc" : " ";
    add(out, "digits", std::move(text));
  }
}

void contractions(std::vector<TokenText>& out) {
  // Every case of every contraction, and 'ſ, after words of each case, at
  // the start, before more letters and after a space.
  std::vector<std::string> forms;
  for (std::string_view c : kContractions) {
    for (unsigned mask = 0; mask < (1u << c.size()); ++mask) {
      std::string form = "'";
      for (std::size_t k = 0; k < c.size(); ++k)
        form += static_cast<char>(mask & (1u << k) ? c[k] - 32 : c[k]);
      forms.push_back(form);
    }
  }
  forms.push_back("'ſ");
  forms.push_back("'x");
  forms.push_back("'");
  forms.push_back("’s");
  const std::string_view words[] = {"", "don", "DON", "Don", "it", "IT", "x", "ǅ", "naïve", "日本", "1", " ", "!", "e\u0301"};
  const std::string_view tails[] = {"", "a", "S", " ", "\n", "'s", "1"};
  for (const std::string& form : forms)
    for (std::string_view word : words)
      for (std::string_view tail : tails) add(out, "contraction", std::string(word) + form + std::string(tail));
}

void punctuation_runs(Generator& g, std::vector<TokenText>& out, std::size_t n) {
  const std::string_view tails[] = {"", "", "\n", "\r\n", "/", "\n/", "//\n", " ", "x", "\n\n"};
  for (std::size_t i = 0; i < n; ++i) {
    std::string text = g.chance(0.4) ? " " : (g.chance(0.3) ? "a" : "");
    std::size_t len = 1 + g.below(i % 8 == 0 ? 40 : 8);
    for (std::size_t k = 0; k < len; ++k)
      text += g.chance(0.85) ? std::string(1, kPunct[g.below(kPunct.size())]) : utf8(g.pick(kSamples));
    text += g.pick(tails);
    add(out, "punctuation", std::move(text));
  }
}

void emoji(Generator& g, std::vector<TokenText>& out, std::size_t n) {
  for (std::string_view e : kEmoji)
    for (std::string_view context : {"@", " @", "@@", "a@b", "@!", "1@", "@\n", "@'s"})
      add(out, "emoji", fill(context, std::string(e)));
  for (std::size_t i = 0; i < n; ++i) {
    std::string text;
    for (std::size_t k = 0, len = 1 + g.below(8); k < len; ++k)
      text += g.chance(0.6) ? std::string(g.pick(kEmoji)) : (g.chance(0.5) ? " " : std::string(g.pick(kWords)));
    add(out, "emoji", std::move(text));
  }
}

void cjk(Generator& g, std::vector<TokenText>& out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    std::string text;
    for (std::size_t k = 0, len = 1 + g.below(30); k < len; ++k) {
      switch (g.below(8)) {
        case 0: text += utf8(static_cast<char32_t>(0x3041 + g.below(0x56))); break;   // hiragana
        case 1: text += utf8(static_cast<char32_t>(0x30A1 + g.below(0x5A))); break;   // katakana
        case 2: text += utf8(static_cast<char32_t>(0xAC00 + g.below(11172))); break;  // hangul
        case 3: text += utf8(g.chance(0.5) ? 0x3002 : 0xFF0C); break;                 // 。，
        case 4: text += g.chance(0.5) ? " " : std::string(g.pick(kWords)); break;
        case 5: text += utf8(static_cast<char32_t>(0x20000 + g.below(0xA6E0))); break;  // ext B
        default: text += utf8(static_cast<char32_t>(0x4E00 + g.below(0x5200))); break;
      }
    }
    add(out, "cjk", std::move(text));
  }
}

void combining_marks(Generator& g, std::vector<TokenText>& out, std::size_t n) {
  const std::string_view bases[] = {"e", "E", "a", "1", " ", "!", "", "\n", "ǅ", "あ", "'", "x'"};
  for (std::size_t i = 0; i < n; ++i) {
    std::string text(g.pick(bases));
    for (std::size_t k = 0, len = 1 + g.below(i % 6 == 0 ? 20 : 4); k < len; ++k) text += utf8(g.pick(kMarks));
    if (g.chance(0.6)) text += g.chance(0.5) ? std::string(g.pick(kWords)) : std::string(g.pick(bases));
    if (g.chance(0.2)) text += "'s";
    add(out, "combining marks", std::move(text));
  }
}

// Where o200k's [upper]*[lower]+ gives back characters: an upper-set run
// of letters that are in both sets (Lo, Lm, marks) then uppercase, with no
// lowercase after. The engine cuts after the last both-set letter ("亚洲"
// then "AV"); one piece would be one token, the vocabulary has it.
void backtracking(std::vector<TokenText>& out) {
  const std::string_view runs[] = {"亚洲AV", "无码AV", "天天中彩票APP", "ªB", "ºC", "ーA", "e\u0301X", "ǅǅ", "ʰABC",
                                   "中A中B", "\u0301\u0301A", "日本ABCdef", "Ａ中Ｂ"};
  for (std::string_view run : runs)
    for (std::string_view context : {"@", " @ ", "@!", "@1", "x@", "@'s", "@\n", "(@)"})
      add(out, "backtracking", fill(context, std::string(run)));
}

void utf8_edges(std::vector<TokenText>& out) {
  const char32_t edges[] = {0x7F,   0x80,   0x7FF,  0x800,   0xFFF,   0x1000,   0xD7FF,   0xE000,   0xFFFD,
                            0xFFFE, 0xFFFF, 0x10000, 0x3FFFF, 0x40000, 0xFFFFF, 0x100000, 0x10FFFF, 0xFDD0,
                            0xFDEF, 0x1FFFF, 0xC0,  0xC1,   0xF4,    0xF5,    0xEF,     0xBF,     0xBB};
  for (char32_t cp : edges)
    for (std::string_view context : kContexts) add(out, "utf-8 edge", fill(context, utf8(cp)));
  // The byte order mark where files start, and U+FEFF among spaces.
  add(out, "utf-8 edge", "\xEF\xBB\xBF{\"a\": 1}");
  add(out, "utf-8 edge", " \xEF\xBB\xBF x \xEF\xBB\xBF\xEF\xBB\xBF\n");
}

void long_texts(Generator& g, std::vector<TokenText>& out) {
  // Longer than the byte pair encoder's small-piece limit: its heap path.
  add(out, "long", std::string(5000, 'a'));
  add(out, "long", std::string(3000, '!'));
  add(out, "long", " " + std::string(1000, '='));
  add(out, "long", std::string(4000, ' '));
  add(out, "long", std::string(300, ' ') + "x" + std::string(300, '\n') + std::string(7, '\t'));
  add(out, "long", std::string(1000, '9'));
  std::string base64, camel, words, mixed;
  const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 3000; ++i) base64 += b64[g.below(64)];
  for (int i = 0; i < 400; ++i) camel += i % 3 ? "Camel" : "case";
  for (int i = 0; i < 2000; ++i) words += std::string(g.pick(kWords)) + (i % 13 ? " " : ".\n");
  for (int i = 0; i < 3000; ++i) mixed += unit(g);
  std::string accents;
  for (int i = 0; i < 600; ++i) accents += i % 2 ? "e\u0301" : "\u00e9";
  std::string hangul;
  for (int i = 0; i < 800; ++i) hangul += utf8(static_cast<char32_t>(0xAC00 + g.below(11172)));
  for (std::string* s : {&base64, &camel, &words, &mixed, &accents, &hangul}) add(out, "long", *s);
}

}  // namespace

std::vector<TokenText> token_test_texts() {
  Generator g(0x70C3A7u);
  std::vector<TokenText> out;
  add(out, "empty", "");
  samples_in_contexts(out);
  random_mixtures(g, out, 5000);
  whitespace_runs(g, out, 1500);
  digit_runs(g, out, 800);
  contractions(out);
  punctuation_runs(g, out, 1000);
  emoji(g, out, 300);
  cjk(g, out, 500);
  combining_marks(g, out, 800);
  backtracking(out);
  utf8_edges(out);
  long_texts(g, out);
  return out;
}

std::vector<TokenText> code_point_sweep(std::size_t per_text) {
  std::vector<TokenText> out;
  std::string text;
  std::size_t in_text = 0;
  auto take = [&](char32_t cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) return;
    std::string c = utf8(cp);
    // Digits group by three, letters take a contraction, spaces and
    // symbols take the space before them.
    text += c + "'s 1" + c + "111 a" + c + "b " + c + "! x " + c + "y\n";
    if (++in_text == per_text) {
      out.push_back({"code point sweep", std::move(text)});
      text.clear();
      in_text = 0;
    }
  };
  for (char32_t cp = 0; cp < 0x20000; ++cp) take(cp);
  for (char32_t cp = 0x20000; cp < 0x40000; cp += 16) take(cp);
  for (char32_t cp = 0xE0000; cp < 0xE1000; ++cp) take(cp);
  for (char32_t cp = 0x40000; cp < 0x110000; cp += 4099) take(cp);
  if (!text.empty()) out.push_back({"code point sweep", std::move(text)});
  return out;
}

}  // namespace aton::test
