// Run as: node --expose-gc bench/race-wasm/run.mjs <records.ndjson> (after run.sh's build)
// The three flat writers of the race in WebAssembly, side by side in one process: one pass of
// each per round in rotating order, BENCH_WARMUP (2) unrecorded and BENCH_REPS (7) recorded
// rounds; median MB/s of the NDJSON input. Each pass copies the input into wasm memory and the
// output out (the same for all three). The outputs must be equal byte for byte, or it stops.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const glue = require('./pkg/race_wasm.js');
const [file] = process.argv.slice(2);
const nd = readFileSync(file);
const REPS = Number(process.env.BENCH_REPS || 7);
const WARMUP = Number(process.env.BENCH_WARMUP || 2);
const rows = [
  ['race-wasm-jsonrs', 'json.rs (the core)', glue.jsonrs],
  ['race-wasm-serde-visitor', "serde_json's streaming visitor", glue.serdeVisitor],
  ['race-wasm-jiter', 'jiter', glue.jiter],
];
const records = nd.toString('latin1').split('\n').filter((l) => l.length > 0).length;
const want = Buffer.from(rows[0][2](nd));
for (const [id, , f] of rows.slice(1)) {
  if (!want.equals(Buffer.from(f(nd)))) {
    console.error(`race-wasm: ${id} does not write json.rs's bytes on ${file}`);
    process.exit(1);
  }
}
const times = rows.map(() => []);
for (let round = 0; round < WARMUP + REPS; round++) {
  for (let k = 0; k < rows.length; k++) {
    const i = (k + round) % rows.length;
    globalThis.gc?.();
    const t0 = process.hrtime.bigint();
    rows[i][2](nd);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (round >= WARMUP) times[i].push(ms);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (let i = 0; i < rows.length; i++) {
  const med = median(times[i]);
  const mbps = nd.length / 1e6 / (med / 1e3);
  console.log(JSON.stringify({ id: rows[i][0], group: 'wasm-race', label: `race (wasm, Node): ${rows[i][1]}`, bytes: nd.length, records, medianMs: med, mbps: Number(mbps.toFixed(1)) }));
  console.error(`${rows[i][1].padEnd(34)} ${mbps.toFixed(1).padStart(7)} MB/s`);
}
