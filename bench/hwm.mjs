// Preloaded into a measured child (`node --import ./bench/hwm.mjs ...`): at exit, writes the
// process's peak resident set size (VmHWM from /proc/self/status) to $BENCH_HWM_OUT. Exact,
// unlike sampling from outside, which can miss a short peak.
import { readFileSync, writeFileSync } from 'node:fs';

const out = process.env.BENCH_HWM_OUT;
if (out) {
  process.on('exit', () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
      if (m) writeFileSync(out, JSON.stringify({ hwmKb: Number(m[1]) }));
    } catch {
      // not Linux: the parent's samples stand alone
    }
  });
}
