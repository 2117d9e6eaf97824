// Small helpers shared by the bench scripts: timing statistics, the package loader, machine info.

import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = process.env.BENCH_OUT_DIR || join(ROOT, 'bench', 'out');

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Loads the package's Node entry (js/node.mjs); `null` plus the reason when it cannot. */
export async function loadPackage() {
  const entry = join(ROOT, 'js', 'node.mjs');
  if (!existsSync(entry)) return { pkg: null, why: 'js/node.mjs does not exist' };
  try {
    return { pkg: await import(pathToFileURL(entry).href), why: null };
  } catch (e) {
    return { pkg: null, why: `import js/node.mjs failed: ${e.message}` };
  }
}

export async function loadFlat() {
  try {
    const m = await import('flat');
    return m.flatten || m.default?.flatten || m.default;
  } catch (e) {
    return null;
  }
}

export function machine() {
  const c = cpus();
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // not Linux
  }
  return {
    cpu: c[0]?.model?.trim() || 'unknown',
    cores: c.length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    kernel,
  };
}
