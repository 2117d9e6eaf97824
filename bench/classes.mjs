// Run as: node --expose-gc bench/classes.mjs [real.meta.json]
// The per-size-class table of issue 19, in one process: for each real-shaped corpus
// (bench/gen-real-shaped.mjs: the real size mix, < 1 KB, 1–4 KB, > 4 KB, CloudFront-heavy; plus
// the real samples repeated, when bench/real-corpus.mjs could build them) the per-record paths
// against `flat`'s flatten(object) and the whole-log paths against plain JS and bare JSON.parse.
// Every path of every corpus runs once per round, in a rotating order; BENCH_WARMUP unrecorded
// and BENCH_REPS recorded rounds give the medians. Prints JSON for bench/report.mjs.
// Each row has the wall-clock median (`medianMs`, what the table shows) and the process's CPU
// time median (`medianCpuMs`, from process.cpuUsage): on a shared machine the wall clock also
// counts the time the process waited for a core, which CPU time leaves out.
// BENCH_ONLY=<regex of path ids> runs only those paths (plus flatten-object, the reference).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { ensureShaped, CLASSES } from './gen-real-shaped.mjs';
import { loadFlat, loadPackage, median, ROOT } from './lib.mjs';

const REPS = Number(process.env.BENCH_REPS || 5);
const WARMUP = Number(process.env.BENCH_WARMUP || 2);
const MB = Number(process.env.BENCH_CLASS_MB || 4);
const flatten = await loadFlat();
const { pkg, why } = await loadPackage();
if (!flatten || !pkg) {
  console.log(JSON.stringify({ corpora: [], rows: [], notes: [`size classes skipped: ${!flatten ? '`flat` not installed' : why}`] }));
  process.exit(0);
}

// The wasm-bindgen glue js/node.mjs loaded (the same module instance), for the core-only row.
const glue = createRequire(import.meta.url)(join(ROOT, 'pkg', 'node', 'cloudfront_trail.js'));

const metas = ensureShaped(MB);
const corpora = [
  ['mix', 'real-shaped mix (real size distribution)'],
  ['small', `records ${CLASSES.small.label}`],
  ['medium', `records ${CLASSES.medium.label}`],
  ['large', `records ${CLASSES.large.label}`],
  ['cloudfront', 'CloudFront-heavy (Create/UpdateDistribution)'],
].map(([k, label]) => ({ key: k, label, ...metas[k] }));
const realMeta = process.argv[2];
if (realMeta && existsSync(realMeta)) {
  const m = JSON.parse(readFileSync(realMeta, 'utf8'));
  corpora.push({ key: 'real', label: 'real samples repeated (../shared, not in the repo)', ...m });
}

const countLines = (s) => {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
const paths = [];
for (const c of corpora) {
  const text = readFileSync(c.file, 'utf8');
  const buf = Buffer.from(text);
  const records = JSON.parse(text).Records;
  const texts = readFileSync(c.ndjsonFile, 'utf8').split('\n').filter((l) => l.length > 0);
  const N = records.length;
  c.records = N;
  c.bytes = buf.length;
  c.ndBytes = texts.reduce((a, t) => a + Buffer.byteLength(t) + 1, 0);
  const p = (id, fn) => {
    if (only === null || id === 'flatten-object' || only.test(id)) paths.push({ corpus: c.key, id, run: fn });
  };
  p('flatten-object', () => {
    let n = 0;
    for (let i = 0; i < N; i++) if (flatten(records[i])) n++;
    return n;
  });
  p('transform-object', () => {
    let n = 0;
    for (let i = 0; i < N; i++) if (pkg.transform(records[i])) n++;
    return n;
  });
  // The same loop keeping its results, as transformMany does (and as a caller replacing it
  // would): the outputs then live past the young generation, which the loop above never pays.
  // transformMany's own comparison row; flatten-object stays the reference of every ratio.
  p('transform-object-kept', () => {
    const out = new Array(N);
    for (let i = 0; i < N; i++) out[i] = pkg.transform(records[i]);
    return out.length;
  });
  // A pipeline that needs no enrichment: JS only, nothing crosses into WebAssembly.
  const noEnrich = { enrich: false };
  p('transform-object-noenrich', () => {
    let n = 0;
    for (let i = 0; i < N; i++) if (pkg.transform(records[i], noEnrich)) n++;
    return n;
  });
  p('transform-many-object', () => pkg.transformMany(records).length);
  p('transform-many-text', () => pkg.transformMany(texts).length);
  p('plain-js', () => {
    const recs = JSON.parse(text).Records;
    const lines = new Array(recs.length);
    for (let i = 0; i < recs.length; i++) lines[i] = JSON.stringify(flatten(recs[i]));
    return countLines(lines.join('\n') + '\n');
  });
  p('json-parse', () => JSON.parse(text).Records.length);
  p('ndjson-string', () => countLines(pkg.transformLogToNdjson(text)));
  // What stands in the way of the NDJSON targets: the core alone in wasm, the log's bytes copied
  // into wasm memory and the NDJSON left there (transformLogToNdjson's own steps, js/core.mjs
  // ndjsonInPlace, without writing the string in or reading it out). No JS path can beat it.
  const defaults = {};
  p('ndjson-core', () => {
    const at = glue.logInput(buf.length, 0);
    new Uint8Array(glue.wasmMemory().buffer, at, buf.length).set(buf);
    const len = glue.ndjsonInPlace(buf.length, defaults, true, false);
    const out = Buffer.from(glue.wasmMemory().buffer, glue.logOutput(), len);
    let n = 0;
    for (let i = out.indexOf(10); i !== -1; i = out.indexOf(10, i + 1)) n++;
    glue.logRelease();
    return n;
  });
  p('ndjson-bytes-out', () => {
    const out = pkg.transformLogToNdjson(buf, { bytes: true });
    let n = 0;
    for (let i = out.indexOf(10); i !== -1; i = out.indexOf(10, i + 1)) n++;
    return n;
  });
}

const gc = globalThis.gc || (() => {});
const times = new Map(paths.map((x) => [`${x.corpus}/${x.id}`, []]));
const cpuTimes = new Map(paths.map((x) => [`${x.corpus}/${x.id}`, []]));
const counts = new Map();
for (let round = 0; round < WARMUP + REPS; round++) {
  for (let k = 0; k < paths.length; k++) {
    const x = paths[(k + round * 7) % paths.length];
    gc();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const n = x.run();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(c0);
    counts.set(`${x.corpus}/${x.id}`, n);
    if (round >= WARMUP) {
      times.get(`${x.corpus}/${x.id}`).push(ms);
      cpuTimes.get(`${x.corpus}/${x.id}`).push((cpu.user + cpu.system) / 1e3);
    }
  }
  process.stderr.write(`bench classes: round ${round + 1}/${WARMUP + REPS}${round < WARMUP ? ' (warm-up)' : ''}\n`);
}
const rows = paths.map((x) => {
  const t = times.get(`${x.corpus}/${x.id}`);
  const cpu = cpuTimes.get(`${x.corpus}/${x.id}`);
  return { corpus: x.corpus, id: x.id, medianMs: median(t), bestMs: Math.min(...t), medianCpuMs: median(cpu), reps: t.length, out: counts.get(`${x.corpus}/${x.id}`) };
});
console.log(JSON.stringify({
  mb: MB,
  reps: REPS,
  warmup: WARMUP,
  corpora: corpora.map(({ key, label, records, bytes, ndBytes, avgRecordBytes }) => ({ key, label, records, bytes, ndBytes, avgRecordBytes })),
  rows,
  notes: [],
}, null, 1));
