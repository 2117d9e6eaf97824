// Run as: node --expose-gc bench/bench.mjs <records.json> <records.ndjson>
// In-process throughput of every JS-visible path, measured side by side in one process so the
// ratios compare like with like (same V8, same heap, same corpus text):
//
//   whole log   plain JS (JSON.parse + flat.flatten + JSON.stringify), bare JSON.parse,
//               transformLogToNdjson (string, bytes, NDJSON input), transformLog; salvage
//               (issue 15): the same corpus with `salvage: true` (valid records never reach the
//               salvage reader, so it should cost nothing), and a damaged corpus (every tenth
//               record damaged as the CloudFront guide's example is) with salvage off and on
//   per record  flat.flatten(object), transform(object), transform(text), transformMany(objects
//               and texts; issue 19), transform(object)
//               without enrichment (the JS walk alone) and JSON.stringify(object) alone
//
// Each round runs every path once, in a rotating order; after `BENCH_WARMUP` unrecorded rounds,
// `BENCH_REPS` recorded rounds give a median and a best time per path. Nothing here asserts a
// timing: the numbers go to stdout as JSON for bench/report.mjs.
//
//   node --expose-gc bench/bench.mjs <records.json> <records.ndjson>

import { readFileSync } from 'node:fs';

import { loadFlat, loadPackage, median } from './lib.mjs';

const [file, ndFile] = process.argv.slice(2);
if (!file || !ndFile) {
  console.error('usage: node --expose-gc bench/bench.mjs <records.json> <records.ndjson>');
  process.exit(2);
}
const REPS = Number(process.env.BENCH_REPS || 5);
const WARMUP = Number(process.env.BENCH_WARMUP || 2);
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;

const bytes = readFileSync(file);
const text = bytes.toString('utf8');
const ndText = readFileSync(ndFile, 'utf8');
const ndBytes = Buffer.byteLength(ndText);
const records = JSON.parse(text).Records;
const recordTexts = ndText.split('\n').filter((l) => l.length > 0);
if (recordTexts.length !== records.length) throw new Error('corpus: .json and .ndjson disagree on the record count');
const N = records.length;
// The damaged corpus: the NDJSON corpus with every tenth record damaged as the CloudFront guide's
// example is (a `{ ... omitted }` placeholder in place of a member's value; a record without
// such a member gets the placeholder as a stray stretch before its closing brace).
const damagedBytes = Buffer.from(
  recordTexts
    .map((t, i) => {
      if (i % 10 !== 9) return t;
      const at = t.indexOf('"responseElements":');
      return at >= 0 ? `${t.slice(0, at)}"responseElements":{ response omitted },"_r":${t.slice(at + 19)}` : `${t.slice(0, -1)},{ omitted }}`;
    })
    .join('\n') + '\n',
);

const flatten = await loadFlat();
const { pkg, why } = await loadPackage();
const notes = [];
if (!flatten) notes.push('npm package `flat` not installed: plain-JS and flatten(object) rows skipped');
if (!pkg) notes.push(`WASM paths skipped: ${why}`);

// A path: `run` does the work once and returns how many records came out (a sanity check that
// the path really did the work; a count that differs from the corpus is reported beside it).
const paths = [];
const add = (p) => {
  if (!only || only.test(p.id)) paths.push(p);
};

const countLines = (s) => {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
};
const countNewlineBytes = (b) => {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
};

// ---- whole log -------------------------------------------------------------------------------
if (flatten) {
  add({
    id: 'plain-js',
    group: 'log',
    label: 'plain JS: JSON.parse + flat.flatten + JSON.stringify → NDJSON string',
    bytes: bytes.length,
    run() {
      const recs = JSON.parse(text).Records;
      const lines = new Array(recs.length);
      for (let i = 0; i < recs.length; i++) lines[i] = JSON.stringify(flatten(recs[i]));
      const out = lines.join('\n') + '\n';
      return countLines(out);
    },
  });
}
add({
  id: 'json-parse',
  group: 'log',
  label: 'bare JSON.parse (no flattening, no output)',
  bytes: bytes.length,
  run: () => JSON.parse(text).Records.length,
});
if (pkg) {
  add({
    id: 'ndjson-string',
    group: 'log',
    label: 'transformLogToNdjson(string) → NDJSON string',
    bytes: bytes.length,
    run: () => ndjsonCount(pkg.transformLogToNdjson(text)),
  });
  add({
    id: 'ndjson-bytes',
    group: 'log',
    label: 'transformLogToNdjson(Buffer) → NDJSON string',
    bytes: bytes.length,
    run: () => ndjsonCount(pkg.transformLogToNdjson(bytes)),
  });
  add({
    id: 'ndjson-bytes-out',
    group: 'log',
    label: 'transformLogToNdjson(Buffer, { bytes: true }) → NDJSON bytes',
    bytes: bytes.length,
    run: () => ndjsonCount(pkg.transformLogToNdjson(bytes, { bytes: true })),
  });
  add({
    id: 'ndjson-from-ndjson',
    group: 'log',
    label: 'transformLogToNdjson(NDJSON string input)',
    bytes: ndBytes,
    run: () => ndjsonCount(pkg.transformLogToNdjson(ndText)),
  });
  add({
    id: 'ndjson-bytes-salvage',
    group: 'log',
    label: 'transformLogToNdjson(Buffer, { salvage: true }): valid records, salvage on',
    bytes: bytes.length,
    run: () => ndjsonCount(pkg.transformLogToNdjson(bytes, { salvage: true })),
  });
  add({
    id: 'ndjson-damaged',
    group: 'log',
    label: 'transformLogToNdjson(damaged NDJSON): 1 record in 10 damaged, salvage off (error entries)',
    bytes: damagedBytes.length,
    run: () => ndjsonCount(pkg.transformLogToNdjson(damagedBytes)),
  });
  add({
    id: 'ndjson-damaged-salvage',
    group: 'log',
    label: 'transformLogToNdjson(damaged NDJSON, { salvage: true }): the damaged records salvaged',
    bytes: damagedBytes.length,
    run: () => ndjsonCount(pkg.transformLogToNdjson(damagedBytes, { salvage: true })),
  });
  add({
    id: 'transform-log',
    group: 'log',
    label: 'transformLog(string) → { records: objects }',
    bytes: bytes.length,
    run: () => pkg.transformLog(text).records.length,
  });
}

function ndjsonCount(out) {
  if (typeof out === 'string') return countLines(out);
  if (out instanceof Uint8Array) return countNewlineBytes(Buffer.from(out.buffer, out.byteOffset, out.byteLength));
  // An object wrapper ({ ndjson, ... }) if the shim returns one.
  if (out && (typeof out.ndjson === 'string' || out.ndjson instanceof Uint8Array)) return ndjsonCount(out.ndjson);
  throw new Error(`transformLogToNdjson returned ${typeof out}`);
}

// ---- per record ------------------------------------------------------------------------------
// Bytes basis: the records' own compact JSON text (the NDJSON corpus), so MB/s compare.
if (flatten) {
  add({
    id: 'flatten-object',
    group: 'record',
    label: 'flat.flatten(object) per record (no output text)',
    bytes: ndBytes,
    run() {
      let n = 0;
      for (let i = 0; i < N; i++) if (flatten(records[i])) n++;
      return n;
    },
  });
}
if (pkg) {
  add({
    id: 'transform-object',
    group: 'record',
    label: 'transform(object) per record → flat object',
    bytes: ndBytes,
    run() {
      let n = 0;
      for (let i = 0; i < N; i++) if (pkg.transform(records[i])) n++;
      return n;
    },
  });
  add({
    id: 'transform-text',
    group: 'record',
    label: 'transform(JSON text) per record → flat object',
    bytes: ndBytes,
    run() {
      let n = 0;
      for (let i = 0; i < N; i++) if (pkg.transform(recordTexts[i])) n++;
      return n;
    },
  });
}
// The batch call (issue 19): the whole corpus in one transformMany, as objects and as texts.
if (pkg && pkg.transformMany) {
  add({
    id: 'transform-many-object',
    group: 'record',
    label: 'transformMany(objects) → flat objects (one call for the corpus)',
    bytes: ndBytes,
    run: () => pkg.transformMany(records).length,
  });
  add({
    id: 'transform-many-text',
    group: 'record',
    label: 'transformMany(JSON texts) → flat objects (one call for the corpus)',
    bytes: ndBytes,
    run: () => pkg.transformMany(recordTexts).length,
  });
}
// Sigma (issue 23): the batch path with all of SigmaHQ's shipped CloudTrail rules on, beside
// transform-many-text above (the target: at most 20% fewer records a second). Skipped when the
// build had no rules (pkg/sigma).
if (pkg && pkg.transformMany && pkg.sigmaRules) {
  let rules = null;
  try {
    rules = pkg.sigmaRules();
  } catch (e) {
    notes.push(`Sigma row skipped: ${e.message}`);
  }
  if (rules) {
    const opts = { rules };
    add({
      id: 'transform-many-text-sigma',
      group: 'record',
      label: `  transformMany(JSON texts, { rules: sigmaRules() }) (${rules.length} SigmaHQ rules)`,
      bytes: ndBytes,
      run: () => pkg.transformMany(recordTexts, opts).length,
    });
  }
}
// The same with an options object on every call: what reading the options costs per record.
if (pkg) {
  const opts = { profile: 'flat', enrich: true, maxDepth: 32 };
  add({
    id: 'transform-text-options',
    group: 'record',
    label: '  transform(JSON text, { profile, enrich, maxDepth }) per record',
    bytes: ndBytes,
    run() {
      let n = 0;
      for (let i = 0; i < N; i++) if (pkg.transform(recordTexts[i], opts)) n++;
      return n;
    },
  });
}
// transform(object) takes the fast route (js/flatten.mjs): the object is flattened in JS and only
// the view enrichment reads goes through WASM. These rows split it: the JS walk alone (what
// enrich: false runs) and the old route's first half, for comparison.
if (pkg) {
  add({
    id: 'transform-object-noenrich',
    group: 'record',
    label: '  part: transform(object, { enrich: false }) (the JS walk alone)',
    bytes: ndBytes,
    run() {
      let n = 0;
      for (let i = 0; i < N; i++) if (pkg.transform(records[i], { enrich: false })) n++;
      return n;
    },
  });
}
add({
  id: 'stringify-object',
  group: 'record',
  label: '  part: JSON.stringify(object) alone (what the old text route paid before any WASM work)',
  bytes: ndBytes,
  run() {
    let n = 0;
    for (let i = 0; i < N; i++) if (JSON.stringify(records[i])) n++;
    return n;
  },
});

// ---- measure ---------------------------------------------------------------------------------
const gc = globalThis.gc || (() => {});
const times = new Map(paths.map((p) => [p.id, []]));
const outCounts = new Map();
const failed = new Map();
for (let round = 0; round < WARMUP + REPS; round++) {
  // Rotate the order so no path always runs right after the same neighbour (GC debt, caches).
  for (let k = 0; k < paths.length; k++) {
    const p = paths[(k + round) % paths.length];
    if (failed.has(p.id)) continue;
    gc();
    const t0 = process.hrtime.bigint();
    let n;
    try {
      n = p.run();
    } catch (e) {
      failed.set(p.id, e.message);
      continue;
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    outCounts.set(p.id, n);
    if (round >= WARMUP) times.get(p.id).push(ms);
  }
  process.stderr.write(`bench: round ${round + 1}/${WARMUP + REPS}${round < WARMUP ? ' (warm-up)' : ''}\n`);
}

const rows = paths.map((p) => {
  const t = times.get(p.id);
  return {
    id: p.id,
    group: p.group,
    label: p.label,
    bytes: p.bytes,
    records: N,
    recordsOut: outCounts.get(p.id) ?? null,
    medianMs: median(t),
    bestMs: t.length ? Math.min(...t) : NaN,
    reps: t.length,
    error: failed.get(p.id) ?? null,
  };
});
console.log(JSON.stringify({ file, bytes: bytes.length, ndjsonBytes: ndBytes, records: N, reps: REPS, warmup: WARMUP, rows, notes }, null, 1));
