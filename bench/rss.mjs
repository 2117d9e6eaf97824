// Streaming throughput and peak memory: each file goes through a child process (the Node
// Transform stream, and the CLI when js/cli.mjs exists) while this parent samples the child's
// /proc/<pid>/status every 50 ms; the child itself reports its exact VmHWM at exit (bench/hwm.mjs).
// "Flat as the file grows" shows in `rssQuarters`: the highest RSS seen in each quarter of the run.
//   node bench/rss.mjs <meta.json>...      (metas as written by bench/gen-corpus.mjs)
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT } from './lib.mjs';

const HWM_HOOK = join(ROOT, 'bench', 'hwm.mjs');
const CLI = join(ROOT, 'js', 'cli.mjs');

function statusKb(pid, field) {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null; // exited between samples
  }
}

async function measure(args, { stdoutToNull }) {
  const hwmFile = join(tmpdir(), `bench-hwm-${process.pid}-${Date.now()}.json`);
  const out = stdoutToNull ? openSync('/dev/null', 'w') : 'pipe';
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', HWM_HOOK, ...args], {
    stdio: ['ignore', out, 'pipe'],
    env: { ...process.env, BENCH_HWM_OUT: hwmFile },
  });
  const samples = [];
  const timer = setInterval(() => {
    const kb = statusKb(child.pid, 'VmRSS');
    if (kb !== null) samples.push([Number(process.hrtime.bigint() - t0) / 1e6, kb]);
  }, 50);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((res) => child.on('exit', (c) => res(c)));
  clearInterval(timer);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let hwmKb = null;
  try {
    hwmKb = JSON.parse(readFileSync(hwmFile, 'utf8')).hwmKb;
    rmSync(hwmFile);
  } catch {
    hwmKb = samples.length ? Math.max(...samples.map((s) => s[1])) : null;
  }
  const quarters = [0, 1, 2, 3].map((q) => {
    const inQ = samples.filter(([t]) => t >= (q * ms) / 4 && t < ((q + 1) * ms) / 4).map((s) => s[1]);
    return inQ.length ? Math.max(...inQ) : null;
  });
  return { code, ms, hwmKb, quarters, stdout, stderr };
}

const rows = [];
for (const metaFile of process.argv.slice(2)) {
  const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  const file = metaFile.replace(/\.meta\.json$/, '.json');
  const tag = meta.mb >= 1024 ? `${meta.mb / 1024} GB` : `${meta.mb} MB`;
  const modes = [['stream', `createTransformStream → objects, ${tag} file`, [join(ROOT, 'bench', 'stream-child.mjs'), file], false]];
  if (existsSync(CLI)) modes.push(['cli', `CLI cloudfront-trail ${tag} file > /dev/null`, [CLI, file], true]);
  for (const [mode, label, args, toNull] of modes) {
    process.stderr.write(`rss: ${label}...\n`);
    const r = await measure(args, { stdoutToNull: toNull });
    let recordsOut = meta.records;
    // The line that says what went wrong (an Error's message), else the last line.
    const errLines = r.stderr.trim().split('\n');
    const why = errLines.find((l) => /error|limit|cannot|failed/i.test(l)) || errLines.pop() || '';
    let error = r.code === 0 ? null : `exit ${r.code}: ${why.trim().slice(0, 200)}`;
    if (mode === 'stream' && r.code === 0) {
      try {
        recordsOut = JSON.parse(r.stdout.trim().split('\n').pop()).items;
      } catch {
        error = 'stream child printed no count';
      }
    }
    rows.push({
      id: `${mode}-${meta.mb}mb`,
      group: 'stream',
      label,
      bytes: meta.bytes,
      records: meta.records,
      recordsOut,
      medianMs: r.ms,
      bestMs: r.ms,
      reps: 1,
      peakRssKb: r.hwmKb,
      rssQuartersKb: r.quarters,
      error,
    });
  }
}
console.log(JSON.stringify(rows));
