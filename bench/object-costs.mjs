// Run as: node bench/object-costs.mjs [class,...] [--json FILE]
//   (classes: small, medium, mix, large, cloudfront, real; --json also writes the medians, µs a
//   record per row and class, for bench/report.mjs: `npm run bench` runs small,medium,mix)
// Where the microseconds of `transform(object)` go, per record, against `flat`'s flatten(object)
// (issue 19), and what any protocol keeping one crossing per record could reach at best. Each
// row is one stage of the fast route (js/core.mjs `transformObject`) run alone over the whole
// corpus; all rows of a corpus run once per round in a rotating order, and the table gives the
// median CPU time (process.cpuUsage) of BENCH_REPS rounds (the machine is shared: wall clock
// would count waiting for a core). Uses the package's internals (js/flatten.mjs, the wasm glue);
// a diagnostic, not part of `npm run bench`.
//
// The three `ceiling` rows build the same output from facts computed beforehand, so they cost
// what no change to the enrichment protocol can remove: the walk, inserting the facts' keys into
// the flat object, the view, one crossing into WebAssembly (`factsBytes` of the empty view).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { ensureShaped } from './gen-real-shaped.mjs';
import { loadFlat, median, ROOT } from './lib.mjs';

const REPS = Number(process.env.BENCH_REPS || 7);
const flatten = await loadFlat();
const glue = createRequire(import.meta.url)(join(ROOT, 'pkg', 'node', 'cloudfront_trail.js'));
const { flattenObject, parseSpec, fastConfig } = await import('../js/flatten.mjs');
const pkg = await import('../js/node.mjs');
if (!flatten) {
  console.log('object-costs: `flat` is not installed');
  process.exit(0);
}

const spec = parseSpec(glue.captureSpec());
const cfg = fastConfig(undefined);
const plain = { ...cfg, enrich: false };
const enc = new TextEncoder();
const scratch = new Uint8Array(1 << 20);
const utf8 = (s) => scratch.subarray(0, enc.encodeInto(s, scratch).written);
const EMPTY = utf8('{}').slice();

const metas = ensureShaped(Number(process.env.BENCH_CLASS_MB || 4));
const realMeta = join(ROOT, 'bench', 'corpus', 'real-4mb.meta.json');
if (existsSync(realMeta)) metas.real = JSON.parse(readFileSync(realMeta, 'utf8'));
const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt === -1 ? null : args.splice(jsonAt, 2)[1];
const wanted = (args[0] || 'small,medium,mix,real').split(',').filter((c) => metas[c]);
const report = {};

for (const c of wanted) {
  const recs = JSON.parse(readFileSync(metas[c].file, 'utf8')).Records;
  const N = recs.length;
  // Inputs of the stages that run alone, computed once.
  const walked = recs.map((r) => flattenObject(r, cfg, spec));
  const views = walked.map((w) => w.view);
  const viewTexts = views.map((v) => JSON.stringify(v));
  const viewBytes = viewTexts.map((t) => utf8(t).slice());
  const factTexts = viewBytes.map((b) => glue.factsBytes(b));
  const facts = factTexts.map((t) => JSON.parse(t));
  const pairs = facts.map((f) => Object.entries(f).flat());
  const insert = (o, p) => {
    for (let j = 0; j < p.length; j += 2) o[p[j]] = p[j + 1];
  };
  const rows = {
    'flatten (npm flat)': () => { for (let i = 0; i < N; i++) flatten(recs[i]); },
    'transform(object)': () => { for (let i = 0; i < N; i++) pkg.transform(recs[i]); },
    'walk, enrich off': () => { for (let i = 0; i < N; i++) flattenObject(recs[i], plain, spec); },
    'walk + view copy': () => { for (let i = 0; i < N; i++) flattenObject(recs[i], cfg, spec); },
    'JSON.stringify(view)': () => { for (let i = 0; i < N; i++) JSON.stringify(views[i]); },
    'factsBytes(view) (encoded)': () => { for (let i = 0; i < N; i++) glue.factsBytes(viewBytes[i]); },
    'factsBytes({}) (a crossing)': () => { for (let i = 0; i < N; i++) glue.factsBytes(EMPTY); },
    'JSON.parse(facts)': () => { for (let i = 0; i < N; i++) JSON.parse(factTexts[i]); },
    'Object.assign(flat, facts)': () => {
      const flats = recs.map((r) => flattenObject(r, plain, spec).flat);
      const t0 = process.cpuUsage();
      for (let i = 0; i < N; i++) Object.assign(flats[i], facts[i]);
      return process.cpuUsage(t0);
    },
    'ceiling: walk + insert facts': () => { for (let i = 0; i < N; i++) insert(flattenObject(recs[i], plain, spec).flat, pairs[i]); },
    'ceiling: + view copy': () => { for (let i = 0; i < N; i++) insert(flattenObject(recs[i], cfg, spec).flat, pairs[i]); },
    'ceiling: + one empty crossing': () => {
      for (let i = 0; i < N; i++) {
        const o = flattenObject(recs[i], cfg, spec).flat;
        glue.factsBytes(EMPTY);
        insert(o, pairs[i]);
      }
    },
  };
  const times = {};
  const ids = Object.keys(rows);
  for (let rep = 0; rep < REPS + 1; rep++) {
    const order = ids.map((_, k) => ids[(k + rep) % ids.length]);
    for (const id of order) {
      const t0 = process.cpuUsage();
      const r = rows[id]();
      const u = r ?? process.cpuUsage(t0);
      if (rep > 0) (times[id] ??= []).push((u.user + u.system) / N); // round 0 warms up
    }
  }
  const ref = median(times['flatten (npm flat)']);
  const avg = (xs) => xs.reduce((a, x) => a + x, 0) / N;
  console.log(`\n${c}: ${N} records, view ${avg(viewTexts.map((t) => t.length)).toFixed(0)} B, facts ${avg(factTexts.map((t) => t.length)).toFixed(0)} B / ${avg(pairs.map((p) => p.length / 2)).toFixed(1)} keys, own keys ${avg(walked.map((w) => Object.keys(w.flat).length)).toFixed(1)}`);
  report[c] = Object.fromEntries(ids.map((id) => [id, median(times[id])]));
  for (const id of ids) {
    const us = median(times[id]);
    const ratio = id === 'transform(object)' || id.startsWith('ceiling') ? `  ${(ref / us).toFixed(2)}x flatten` : '';
    console.log(`  ${id.padEnd(32)} ${us.toFixed(2).padStart(6)} us${ratio}`);
  }
}
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify({ reps: REPS, classes: report }, null, 1)}\n`);
