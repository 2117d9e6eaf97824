#!/usr/bin/env node
// The viewer in real Chromium on a ~150 MB, ~107,000-event log (issue 16's case): time to the
// first rows, to the final count, one free-text search, each filter, and the renderer's peak RSS.
// Not a test: it prints figures (and writes bench/out/viewer.json); nothing asserts a timing.
//
//   npm run bench:viewer            (needs pkg/web: npm run build)
//   VIEWER_BENCH_MB=50 node bench/viewer.mjs   (a smaller corpus)
//   VIEWER_BENCH_VERBOSE=1                     (each query's time in the worker, by step)
//   VIEWER_BENCH_TRACE=/tmp/t.json             (a Chrome trace of the load: V8 CPU samples of every thread)
//   VIEWER_BENCH_ARGS='--js-flags=--trace-gc'  (more Chromium flags; with DEBUG=pw:browser to see their output)
//
// On a shared machine the wall times follow its load; the renderer's CPU time during the load
// (printed in all and by thread) does much less, and is the figure to compare two versions by,
// run back to back.
//
// The corpus (bench/corpus/viewer-<MB>mb.json, gitignored) is one `{"Records":[...]}` file of
// real-shaped records: about a tenth are gen-corpus.mjs's CloudFront records (full distribution
// configs, the large ones), the rest are the real records of ../shared/samples/bulk (a Stratus
// attack simulation), each copy given its own eventID and a time spread over one week. The mix
// gives the issue's ratio of ~1,400 bytes a record. Without ../shared the generated records alone
// are used (fewer, larger records).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MB = Number(process.env.VIEWER_BENCH_MB || 150);
const CORPUS = join(ROOT, 'bench/corpus', `viewer-${MB}mb.json`);
const BULK = resolve(ROOT, '../shared/samples/bulk/invictus-ir-aws_dataset');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// VIEWER_BENCH_ARGS: more Chromium flags, for a look inside (e.g. --js-flags=--trace-gc with DEBUG=pw:browser).
const ARGS = [...(process.env.VIEWER_BENCH_ARGS ?? '').split(' ').filter(Boolean), '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function corpus() {
  if (existsSync(CORPUS)) return CORPUS;
  mkdirSync(join(ROOT, 'bench/corpus'), { recursive: true });
  // gen-corpus's CloudFront records: a tenth of the bytes' worth of records, roughly.
  const genName = `viewer-gen-${MB}mb`;
  const genMb = existsSync(BULK) ? Math.max(1, Math.round(MB * 0.19)) : MB;
  execFileSync(process.execPath, [join(ROOT, 'bench/gen-corpus.mjs'), '--size', String(genMb), '--name', genName], { stdio: 'inherit' });
  const gen = JSON.parse(readFileSync(join(ROOT, 'bench/corpus', `${genName}.json`), 'utf8')).Records;
  const real = [];
  if (existsSync(BULK)) {
    for (const f of readdirSync(BULK).sort()) {
      try {
        real.push(...JSON.parse(readFileSync(join(BULK, f), 'utf8')).Records);
      } catch {
        // a file that is not a whole log: not part of the mix
      }
    }
  }
  const fd = openSync(CORPUS, 'w');
  writeSync(fd, '{"Records":[');
  const target = MB * 1e6;
  const t0 = Date.UTC(2024, 4, 6);
  const week = 7 * 86400e3;
  let bytes = 13;
  let n = 0;
  let g = 0;
  let r = 0;
  const buf = [];
  while (bytes < target) {
    // One generated record for every nine real ones (all generated ones without ../shared).
    const fromGen = !real.length || n % 10 === 0;
    const rec = structuredClone(fromGen ? gen[g++ % gen.length] : real[r++ % real.length]);
    rec.eventID = `bench-${String(n).padStart(8, '0')}-${rec.eventID ?? ''}`.slice(0, 60);
    rec.eventTime = new Date(t0 + Math.floor((n * 5.3e3) % week)).toISOString().slice(0, 19) + 'Z';
    const s = (n ? ',' : '') + JSON.stringify(rec);
    buf.push(s);
    bytes += Buffer.byteLength(s);
    n++;
    if (buf.length >= 2000) {
      writeSync(fd, buf.join(''));
      buf.length = 0;
    }
  }
  writeSync(fd, buf.join('') + ']}');
  closeSync(fd);
  console.log(`viewer bench: wrote ${CORPUS}: ${n} records, ${(bytes / 1e6).toFixed(1)} MB`);
  return CORPUS;
}

/** RSS and peak RSS (kB) of every Chromium renderer process. */
function renderers() {
  const out = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('--type=renderer') || !cmd.includes('chromium')) continue;
      const st = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0);
      // utime + stime (clock ticks, 100 a second on Linux): CPU time, which the machine's load
      // does not inflate as it does wall time.
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      out.push({ pid: Number(pid), rss: kb('VmRSS'), hwm: kb('VmHWM'), cpu: (Number(f[11]) + Number(f[12])) * 10 });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU ms of each thread of the given processes, by thread name (summed). */
function threadCpu(pids) {
  const out = {};
  for (const pid of pids) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const st = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) * 10;
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function main() {
  if (!existsSync(join(ROOT, 'pkg/web/cloudfront_trail_bg.wasm'))) {
    console.error('viewer bench: pkg/web is not built: run `npm run build`');
    process.exit(1);
  }
  const file = corpus();
  const size = readFileSync(file).length;
  const { chromium } = await import('playwright-core');
  const { serve } = await import('../js/viewer/serve.mjs');
  const { server, url } = await serve({ port: 0 });
  const before = new Set(renderers().map((r) => r.pid));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await page.goto(url);
  await page.waitForSelector('html[data-ready="1"]', { timeout: 30_000 });
  const mine = () => renderers().filter((r) => !before.has(r.pid));
  let peak = 0;
  const sampler = setInterval(() => {
    for (const r of mine()) peak = Math.max(peak, r.rss, r.hwm);
  }, 50);

  const count = () => page.evaluate(() => Number(document.getElementById('event-count').textContent.replace(/[^0-9]/g, '')));
  // VIEWER_BENCH_TRACE=file.json: a Chrome trace of the load (V8 CPU samples of every thread, the
  // worker's too) for a profile; the figures of such a run are slower than without it.
  const trace = process.env.VIEWER_BENCH_TRACE;
  if (trace) await browser.startTracing(page, { path: trace, categories: ['disabled-by-default-v8.cpu_profiler', 'v8', 'devtools.timeline'] });
  const baseRss = Math.round(Math.max(0, ...mine().map((r) => r.rss)) / 1024);
  const cpu0 = mine().reduce((a, r) => a + r.cpu, 0);
  const threads0 = threadCpu(mine().map((r) => r.pid));
  const t0 = Date.now();
  await page.setInputFiles('[data-testid=file-input]', file);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=event-row]').length > 0, null, { timeout: 120_000, polling: 20 });
  const firstRows = Date.now() - t0;
  await page.waitForFunction(() => document.getElementById('progress').hidden && !document.documentElement.dataset.busy && window.__viewerStats, null, { timeout: 300_000, polling: 20 });
  const finalCount = Date.now() - t0;
  const loadCpuMs = mine().reduce((a, r) => a + r.cpu, 0) - cpu0;
  const threads1 = threadCpu(mine().map((r) => r.pid));
  const threadMs = Object.fromEntries(Object.entries(threads1).map(([k, v]) => [k, v - (threads0[k] ?? 0)]).filter(([, v]) => v >= 50).sort((a, b) => b[1] - a[1]));
  if (trace) await browser.stopTracing();
  // The renderer's memory once the file is read (the peak is sampled throughout).
  // (the largest renderer, as for the peak: the page's, which holds its worker)
  const settledRss = Math.round(Math.max(0, ...mine().map((r) => r.rss)) / 1024);
  const events = await count();
  const stats = await page.evaluate(() => window.__viewerStats);

  // Each query: from the request to its answer on screen, as the page measures it (no debounce).
  const timed = async (what, act) => {
    const ms = [];
    const took = [];
    for (let k = 0; k < 3; k++) {
      await page.evaluate(() => (window.__queryMs = null));
      await act(k);
      await page.waitForFunction(() => window.__queryMs != null && !document.documentElement.dataset.busy, null, { timeout: 120_000, polling: 10 });
      ms.push(await page.evaluate(() => window.__queryMs));
      took.push(await page.evaluate(() => JSON.stringify(window.__queryTook ?? null)));
    }
    const n = await count();
    return { what, ms: ms.map(Math.round), events: n, worker: took };
  };
  const q = [];
  const search = (s) => timed(`search "${s}"`, async (k) => {
    // The value set without an input event (whose debounced query would race this one).
    await page.$eval('[data-testid=filter-text]', (el, v) => (el.value = v), k % 2 ? '' : s);
    await page.evaluate(() => window.__requeryNow?.());
  });
  q.push(await search('AccessDenied'));
  q.push(await search('E1'));
  q.push(await search('zz-no-such-text'));
  q.push(await search('ops-admin'));
  // Part of many keys' names (userIdentity.sessionContext.*): keys are stored as tokens, and the
  // search looks for those keys' tokens too.
  q.push(await search('sessionContext'));
  await page.$eval('[data-testid=filter-text]', (el) => (el.value = ''));
  await page.evaluate(() => window.__requeryNow?.());
  await page.waitForFunction(() => !document.documentElement.dataset.busy);
  const pickFirst = async (testid) => {
    const v = await page.$eval(`[data-testid=${testid}]`, (s) => [...s.options].find((o) => o.value && o.value !== '*')?.value ?? null);
    return v;
  };
  for (const testid of ['filter-action', 'filter-principal', 'filter-outcome']) {
    const v = await pickFirst(testid);
    if (v == null) continue;
    q.push(await timed(`${testid} = ${v}`, (k) => page.selectOption(`[data-testid=${testid}]`, k % 2 ? '' : v)));
    await page.selectOption(`[data-testid=${testid}]`, '');
  }
  q.push(await timed('sort by action', () => page.click('.th[data-key=action]')));
  if (await page.$('[data-testid=filter-changes]')) {
    q.push(await timed('changes only', () => page.click('[data-testid=filter-changes]')));
  }
  clearInterval(sampler);
  for (const r of mine()) peak = Math.max(peak, r.rss, r.hwm);

  const result = {
    file: file.replace(`${ROOT}/`, ''),
    mb: +(size / 1e6).toFixed(1),
    events,
    firstRowsMs: firstRows,
    finalCountMs: finalCount,
    loadCpuMs,
    threadMs,
    worker: Object.fromEntries(Object.entries(stats ?? {}).map(([k, v]) => [k, Math.round(v)])),
    queries: q,
    peakRendererRssMB: Math.round(peak / 1024),
    rendererRssAfterLoadMB: settledRss,
    rendererRssBeforeMB: baseRss,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/out/viewer.json'), JSON.stringify(result, null, 2));
  console.log(`viewer: ${result.mb} MB, ${events} events · first rows ${firstRows} ms · final count ${finalCount} ms (renderer CPU ${loadCpuMs} ms) · peak renderer RSS ${result.peakRendererRssMB} MB (${settledRss} MB once read, ${baseRss} MB before) · load ${result.load}`);
  console.log(`  worker ms: ${JSON.stringify(result.worker)}`);
  console.log(`  renderer CPU ms by thread: ${JSON.stringify(threadMs)}`);
  for (const x of q) console.log(`  ${x.what}: ${x.ms.join(' / ')} ms (${x.events} events)${process.env.VIEWER_BENCH_VERBOSE ? ` worker ${x.worker.join(' ')}` : ''}`);
  console.log(`  targets: final count ≤ 6000 ms ${finalCount <= 6000 ? 'met' : 'NOT met'}; every query ≤ 200 ms ${q.every((x) => Math.max(...x.ms) <= 200) ? 'met' : 'NOT met'}; peak RSS ≤ 600 MB ${result.peakRendererRssMB <= 600 ? 'met' : 'NOT met'}`);
  await browser.close();
  server.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
