// Writes the rank files the core's tokenizer loads, in tiktoken's own
// .tiktoken form (one "<token bytes as base64> <rank>" line per token, ranks
// from 0), from the npm package tiktoken's encoders/<name>.json, whose
// bpe_ranks field holds the same tokens as "! <first rank> <base64>...".
// Each file is checked against the SHA-256 tiktoken itself expects of the
// file it downloads (tiktoken_ext/openai_public.py), so what the core loads
// is byte for byte OpenAI's file. A file already up to date is left alone.
//
//   node ranks.mjs TIKTOKEN_PACKAGE_DIR OUT_DIR
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const EXPECTED_SHA256 = {
  o200k_base: '446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d',
  cl100k_base: '223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7',
};

const [pkg, out] = process.argv.slice(2);
if (!pkg || !out) {
  console.error('usage: node ranks.mjs TIKTOKEN_PACKAGE_DIR OUT_DIR');
  process.exit(2);
}

for (const [name, expected] of Object.entries(EXPECTED_SHA256)) {
  const source = join(pkg, 'encoders', `${name}.json`);
  const { bpe_ranks: compressed } = JSON.parse(readFileSync(source, 'utf8'));
  const lines = [];
  for (const line of compressed.split('\n')) {
    if (!line) continue;
    const [, first, ...tokens] = line.split(' ');
    tokens.forEach((token, i) => lines.push(`${token} ${Number(first) + i}\n`));
  }
  const text = lines.join('');
  const sha = createHash('sha256').update(text).digest('hex');
  if (sha !== expected) {
    console.error(`${source}: the ${name} ranks it holds hash to ${sha}, not tiktoken's ${expected}; not written`);
    process.exit(1);
  }
  const target = join(out, `${name}.tiktoken`);
  if (existsSync(target) && createHash('sha256').update(readFileSync(target)).digest('hex') === expected) continue;
  writeFileSync(`${target}.tmp`, text);
  renameSync(`${target}.tmp`, target);
  console.log(`wrote ${target} (${lines.length} tokens, sha256 ${sha})`);
}
