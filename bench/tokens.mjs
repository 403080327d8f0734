// Token counts for bench/run with a real tokenizer (gpt-tokenizer, o200k_base).
//
//   node bench/tokens.mjs [--toon DOC.json OUT.toon] FILE...
//
// Prints one JSON object: {"<FILE>": tokens, ...}. With --toon, DOC.json is
// first encoded to TOON by @toon-format/toon (the library the TOON CLI uses,
// default options), written to OUT.toon and counted as well.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

// Resolve the packages from the folder bench/run installed them in
// (BENCH_NPM_DIR, holding node_modules/): ESM imports ignore NODE_PATH.
const require = createRequire(resolve(process.env.BENCH_NPM_DIR ?? '.', 'noop.js'));
const load = (name) => import(require.resolve(name));
const { countTokens } = await load('gpt-tokenizer/encoding/o200k_base');

const args = process.argv.slice(2);
const files = [];
if (args[0] === '--toon') {
  const { encode } = await load('@toon-format/toon');
  const [, doc, out] = args.splice(0, 3);
  writeFileSync(out, encode(JSON.parse(readFileSync(doc, 'utf8'))));
  files.push(out);
}
files.push(...args);

const counts = {};
for (const file of files) counts[file] = countTokens(readFileSync(file, 'utf8'));
console.log(JSON.stringify(counts));
