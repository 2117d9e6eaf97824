// jq from Debian on the same Records file, timed as a subprocess (`jq -c '.Records[]'`, output
// to /dev/null): the command-line baseline people reach for first. Prints one row as JSON.
//   node bench/jq.mjs <records.json> <records>
import { spawnSync } from 'node:child_process';
import { openSync, statSync } from 'node:fs';

import { median } from './lib.mjs';

const [file, records] = process.argv.slice(2);
const REPS = Number(process.env.BENCH_JQ_REPS || 3);
const row = { id: 'jq', group: 'process', label: "jq -c '.Records[]' (Debian jq, subprocess)", bytes: statSync(file).size, records: Number(records) };
const probe = spawnSync('jq', ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  console.log(JSON.stringify({ ...row, error: 'jq not installed (apt-get install -y jq)' }));
  process.exit(0);
}
row.label = `jq -c '.Records[]' (${probe.stdout.trim()}, subprocess)`;
const devnull = openSync('/dev/null', 'w');
const times = [];
for (let i = 0; i < REPS; i++) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('jq', ['-c', '.Records[]', file], { stdio: ['ignore', devnull, 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    console.log(JSON.stringify({ ...row, error: `jq exited ${r.status}: ${String(r.stderr).slice(0, 200)}` }));
    process.exit(0);
  }
  times.push(ms);
}
console.log(JSON.stringify({ ...row, recordsOut: Number(records), medianMs: median(times), bestMs: Math.min(...times), reps: REPS }));
