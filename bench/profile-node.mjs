// CPU profile of one JS-visible path (V8's sampling profiler, the one behind `node --cpu-prof`,
// driven through node:inspector so only the measured loop is sampled). Prints the top functions
// by self time, JS and wasm alike, and writes the .cpuprofile (open it in Chrome DevTools).
//
//   node bench/profile-node.mjs <path> <records.json> [seconds]
//     path: ndjson-string | ndjson-bytes | transform-object | transform-text | transform-log
//
// Wasm frames have names only when the module keeps its name section; the shipped build strips
// it, so for profiling build a named copy and point BENCH_GLUE at its glue:
//   CARGO_TARGET_DIR=target/profile wasm-pack build --profiling --no-pack --no-opt \
//     --target nodejs --out-dir pkg-profiling/node
//   echo '{"type":"commonjs"}' > pkg-profiling/node/package.json
//   BENCH_GLUE=pkg-profiling/node/cloudfront_trail.js node bench/profile-node.mjs ndjson-string ...

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { loadPackage, OUT, ROOT } from './lib.mjs';

const [which, file, seconds = '4'] = process.argv.slice(2);
if (!which || !file) {
  console.error('usage: node bench/profile-node.mjs <path> <records.json> [seconds]');
  process.exit(2);
}

let pkg;
if (process.env.BENCH_GLUE) {
  const { createApi } = await import(pathToFileURL(join(ROOT, 'js', 'core.mjs')).href);
  const glue = createRequire(import.meta.url)(resolve(process.env.BENCH_GLUE));
  pkg = createApi({ glue: () => glue, reset() {} });
} else {
  const loaded = await loadPackage();
  if (!loaded.pkg) throw new Error(loaded.why);
  pkg = loaded.pkg;
}

const bytes = readFileSync(file);
const text = bytes.toString('utf8');
const records = JSON.parse(text).Records;
const recordTexts = records.map((r) => JSON.stringify(r));
const work = {
  'ndjson-string': () => pkg.transformLogToNdjson(text),
  'ndjson-bytes': () => pkg.transformLogToNdjson(bytes, { bytes: true }),
  'transform-log': () => pkg.transformLog(text),
  'transform-object': () => {
    for (const r of records) pkg.transform(r);
  },
  'transform-text': () => {
    for (const t of recordTexts) pkg.transform(t);
  },
}[which];
if (!work) throw new Error(`unknown path ${which}`);

work(); // warm up (compile, tier up) before sampling
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('Profiler.start');
const until = performance.now() + Number(seconds) * 1000;
let passes = 0;
while (performance.now() < until) {
  work();
  passes++;
}
const { profile } = await session.post('Profiler.stop');
session.disconnect();

mkdirSync(OUT, { recursive: true });
const outFile = join(OUT, `${which}.cpuprofile`);
writeFileSync(outFile, JSON.stringify(profile));

// Self time per function: samples whose leaf is the node.
const self = new Map();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map();
for (const id of profile.samples) counts.set(id, (counts.get(id) || 0) + 1);
let total = 0;
for (const [id, c] of counts) {
  const n = byId.get(id);
  const f = n.callFrame;
  const where = f.url ? `${f.url.replace(/^file:\/\//, '').replace(ROOT + '/', '')}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'}${where ? '  ' + where : ''}`;
  self.set(key, (self.get(key) || 0) + c);
  total += c;
}
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BENCH_TOP || 25));
console.log(`${which}: ${passes} passes over ${file} in ${seconds} s, ${total} samples; profile: ${outFile}`);
for (const [k, c] of top) console.log(`${((100 * c) / total).toFixed(1).padStart(5)}%  ${k}`);
