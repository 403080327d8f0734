// The reference the tokenizer tests compare with: tiktoken's own encoder
// (its Rust core as WebAssembly, npm package tiktoken) on each string of a
// JSON array, encode_ordinary() as aton's Tokenizer does.
//
//   node reference.mjs TIKTOKEN_PACKAGE_DIR STRINGS.json OUT.txt
//
// Writes one line per string: the o200k_base ids, a tab, the cl100k_base
// ids (ids separated by spaces). Exits non-zero on any failure, so the test
// that runs it fails rather than comparing with nothing.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [pkg, input, output] = process.argv.slice(2);
if (!pkg || !input || !output) {
  console.error('usage: node reference.mjs TIKTOKEN_PACKAGE_DIR STRINGS.json OUT.txt');
  process.exit(2);
}
const require = createRequire(join(resolve(pkg), 'package.json'));
const { get_encoding } = require(resolve(pkg));
const strings = JSON.parse(readFileSync(input, 'utf8'));
const encodings = ['o200k_base', 'cl100k_base'].map((name) => get_encoding(name));
const lines = strings.map((s) => encodings.map((e) => e.encode_ordinary(s).join(' ')).join('\t'));
encodings.forEach((e) => e.free());
writeFileSync(output, lines.join('\n') + '\n');
