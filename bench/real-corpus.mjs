// Run as: node bench/real-corpus.mjs [--size MB]
// A real-shaped corpus for the race (issue 18): the 2,189 real records of
// ../shared/samples/bulk/invictus-ir-aws_dataset (S3-delivered {"Records":[...]} files, about
// 1.3 KB a record), repeated in order up to --size MB (default 20), written as
// bench/corpus/real-<size>mb.json ({"Records":[...]}, compact, as CloudTrail delivers it) and
// .ndjson (the same records one a line). Prints the meta as JSON. Exits 3 (nothing written) when
// ../shared/samples is absent: the samples are never copied into the repository.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SRC = join(HERE, '..', '..', 'shared', 'samples', 'bulk', 'invictus-ir-aws_dataset');
const OUT_DIR = process.env.BENCH_CORPUS_DIR || join(HERE, 'corpus');
const i = process.argv.indexOf('--size');
const mb = i > 0 ? Number(process.argv[i + 1]) : 20;

if (!existsSync(SRC)) {
  console.error(`real-corpus: ${SRC} not found (the shared samples are not here)`);
  process.exit(3);
}
const texts = [];
for (const f of readdirSync(SRC).filter((n) => n.endsWith('.json')).sort()) {
  for (const r of JSON.parse(readFileSync(join(SRC, f), 'utf8')).Records ?? []) texts.push(JSON.stringify(r));
}
const lines = [];
let bytes = 0;
for (let k = 0; bytes < mb * 1e6; k++) {
  const t = texts[k % texts.length];
  lines.push(t);
  bytes += t.length + 1;
}
mkdirSync(OUT_DIR, { recursive: true });
const file = join(OUT_DIR, `real-${mb}mb.json`);
const ndjsonFile = join(OUT_DIR, `real-${mb}mb.ndjson`);
writeFileSync(file, `{"Records":[${lines.join(',')}]}`);
writeFileSync(ndjsonFile, `${lines.join('\n')}\n`);
const meta = { file, ndjsonFile, records: lines.length, distinct: texts.length, avgRecordBytes: Math.round(bytes / lines.length) };
writeFileSync(join(OUT_DIR, `real-${mb}mb.meta.json`), JSON.stringify(meta));
console.log(JSON.stringify(meta));
