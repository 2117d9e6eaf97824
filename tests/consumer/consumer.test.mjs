// The package as people install it (scripts/test.d/consumer.sh, part of `npm test`): `npm pack`
// the built repository, install the tarball offline into a fresh project in a temporary folder and
// use it from there, the way a user would. Every test in the repository runs inside the
// repository, where pkg/ is always at hand; only this suite sees what the tarball really holds.
//
// In the project: Node ESM and CommonJS (transform, transformLog, the stream in a pipeline over a
// gzipped log), the CLI through npx, TypeScript against the package's own types (with @types/node,
// and for the browser entry without it), a page bundled by esbuild that loads the .wasm through the
// bundler's asset handling in Debian's Chromium, and the viewer served from the installed package.
// Tools come from the repository's node_modules (pinned devDependencies); nothing is downloaded.
// Needs `npm run build` first (scripts/test.sh runs it); a missing build fails here on purpose.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
// Whether the build put SigmaHQ's rules in pkg/sigma (scripts/build.sh; absent without a copy of
// SigmaHQ/sigma), and the rule files it holds then.
const SIGMA = existsSync(join(ROOT, 'pkg/sigma/index.json'));
const SIGMA_FILES = SIGMA ? readdirSync(join(ROOT, 'pkg/sigma/rules')).filter((f) => f.endsWith('.yml')).map((f) => `pkg/sigma/rules/${f}`) : [];
const FIX = join(ROOT, 'tests/consumer/fixtures');
const SAMPLE = join(ROOT, 'examples/cloudfront-sample.json');
const BIN = join(ROOT, 'node_modules/.bin');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

// Child processes get no npm_* variables from an enclosing `npm test` (they would point npm at the
// repository's package.json and config) and no network: the install is --offline.
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

let TMP; // the temporary folder: the tarball and the project
let PROJECT; // the consumer project
let packed; // npm pack's JSON report for the tarball
let gz; // the gzipped sample log in the project
let browser;

/** The installed package's Node entry, imported in this process (to compute expected output). */
const installed = () => import(pathToFileURL(join(PROJECT, 'node_modules', PKG.name, 'js/node.mjs')).href);

function run(cmd, args, { cwd = PROJECT, input, timeout = 90_000 } = {}) {
  const r = spawnSync(cmd, args, { cwd, env: ENV, input, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return r;
}

function ok(r, what) {
  assert.equal(r.status, 0, `${what} exited ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}

/** Every path string in the exports map (conditions nested at any depth). */
function exportTargets(node, out = []) {
  if (typeof node === 'string') out.push(node);
  else if (node && typeof node === 'object') for (const v of Object.values(node)) exportTargets(v, out);
  return out;
}
const norm = (p) => p.replace(/^\.\//, '');

/** A static server over `dir` on 127.0.0.1 (a free port); resolves to { server, origin }. */
function serveDir(dir) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = resolve(join(dir, path.endsWith('/') ? `${path}index.html` : path));
    let body;
    try {
      if (!file.startsWith(dir + '/')) throw new Error('outside');
      body = readFileSync(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' }).end(body);
  });
  return new Promise((ok_, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok_({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

/** A page in a fresh context that records every request and every error on the page. */
async function open(t, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const seen = { requests: [], failed: [], problems: [] };
  page.on('request', (r) => seen.requests.push(r.url()));
  page.on('response', (r) => { if (r.status() >= 400) seen.failed.push(`${r.status()} ${r.url()}`); });
  page.on('pageerror', (e) => seen.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') seen.problems.push(`console: ${m.text()}`); });
  t.after(() => context.close());
  await page.goto(url);
  return { page, seen };
}

describe('the packed package, installed into a fresh project', () => {
  before(() => {
    TMP = mkdtempSync(join(tmpdir(), 'cloudfront-trail-consumer-'));
    PROJECT = join(TMP, 'project');
    mkdirSync(PROJECT);
    // --ignore-scripts: pack what `npm run build` left in pkg/ (the prepare script would build again).
    const p = ok(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', TMP], { cwd: ROOT }), 'npm pack');
    [packed] = JSON.parse(p.stdout);
    writeFileSync(join(PROJECT, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`);
    // The package's runtime dependencies, packed from the repository's node_modules (the versions
    // package-lock.json pins): offline, npm cannot resolve a range such as yaml@^2 from its cache
    // on a fresh machine (npm ci caches tarballs, not the full registry documents an install of a
    // tarball asks for). Installed beside the tarball, they satisfy its ranges, as the registry's
    // copies would. (yaml, the only one, has no dependencies of its own; one that had some would
    // fail this install, offline, until they are packed too.)
    const deps = Object.keys(PKG.dependencies ?? {}).map((name) => {
      const d = ok(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', TMP], { cwd: join(ROOT, 'node_modules', name) }), `npm pack of ${name}`);
      return join(TMP, JSON.parse(d.stdout)[0].filename);
    });
    ok(run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', join(TMP, packed.filename), ...deps]), 'npm install of the tarball');
    gz = join(PROJECT, 'cloudfront-sample.json.gz');
    writeFileSync(gz, gzipSync(readFileSync(SAMPLE)));
    cpSync(FIX, PROJECT, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    if (TMP) rmSync(TMP, { recursive: true, force: true });
  });

  test('the tarball holds everything package.json points at, and nothing else', () => {
    const files = packed.files.map((f) => f.path).sort();
    const wanted = new Set([
      // SigmaHQ's rules (pkg/sigma) when the build had them (scripts/sigma-rules.mjs)
      ...exportTargets(PKG.exports).filter((f) => SIGMA || !f.includes('pkg/sigma/')),
      ...(SIGMA ? ['pkg/sigma/LICENSE', ...SIGMA_FILES] : []), ...Object.values(PKG.bin), PKG.main, PKG.module, PKG.types,
      // what the entries load: the wasm-bindgen glue and the CommonJS marker of pkg/node
      'pkg/node/cloudfront_trail.js', 'pkg/node/cloudfront_trail_bg.wasm', 'pkg/node/package.json',
      'pkg/web/cloudfront_trail.js', 'pkg/web/cloudfront_trail_bg.wasm',
      'js/viewer/index.html', 'js/viewer/serve.mjs',
    ].map(norm));
    const missing = [...wanted].filter((f) => !files.includes(f));
    assert.deepEqual(missing, [], `missing from ${packed.filename}`);
    // Only the built package: the shim, its types, the glue and wasm, the viewer, the readme.
    const allowed = /^(package\.json|README\.md|LICENSE|js\/[a-z]+\.(mjs|cjs|d\.ts)|js\/viewer\/([a-z]+\.mjs|index\.html|style\.css|README\.md)|pkg\/(node|web)\/cloudfront_trail(\.js|_bg\.wasm)|pkg\/node\/package\.json|pkg\/sigma\/(index\.json|LICENSE|rules\/[a-z0-9_]+\.yml))$/;
    assert.deepEqual(files.filter((f) => !allowed.test(f)), [], 'files that do not belong in the package');
    // Every relative import (and new URL) of a file in every shipped module resolves inside the tarball.
    const dir = join(PROJECT, 'node_modules', PKG.name);
    let checked = 0;
    for (const f of files.filter((x) => /\.(mjs|cjs|d\.ts)$/.test(x))) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const [, spec] of text.matchAll(/(?:from|import\(|require\(|require\.resolve\(|new URL\()\s*'(\.{1,2}\/[^']*\.[a-z]+)'/g)) {
        let target = norm(join(f, '..', spec));
        if (f.endsWith('.d.ts')) target = target.replace(/\.js$/, '.d.ts');
        // A build without SigmaHQ's rules leaves pkg/sigma out; sigmaRules() reads it guarded and
        // says so (checked below).
        if (!SIGMA && target.startsWith('pkg/sigma/')) continue;
        assert.ok(files.includes(target), `${f} imports ${spec}, which is not in the tarball`);
        checked++;
      }
    }
    assert.ok(checked > 20, `only ${checked} relative imports found`);
    console.log(`${packed.filename}: ${files.length} files, ${packed.size} bytes gzipped, ${packed.unpackedSize} unpacked`);
  });

  test('SigmaHQ\'s rules: sigmaRules() and the CLI\'s --sigma fire on a CloudTrail StopLogging (or say the build has none)', async () => {
    const api = await installed();
    if (!SIGMA) {
      // Built without a copy of SigmaHQ/sigma: a clear option error, from the API and the CLI.
      assert.throws(() => api.sigmaRules(), (e) => e.kind === 'option' && /not in this build/.test(e.message));
      const r = run('npx', ['--no', '--offline', 'cloudfront-trail', '--sigma', '--format', 'ndjson'], { input: '{}' });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /not in this build/);
      return;
    }
    const rules = api.sigmaRules();
    assert.equal(rules.length, SIGMA_FILES.length);
    const rec = { eventVersion: '1.08', eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging', userIdentity: { type: 'IAMUser' } };
    const out = api.transform(rec, { rules });
    assert.ok([out['rule.id']].flat().includes('4db60cc0-36fb-42b7-9b58-a5b53019fb74'), JSON.stringify(out));
    const r = ok(run('npx', ['--no', '--offline', 'cloudfront-trail', '--sigma', '--format', 'ndjson'], { input: JSON.stringify(rec) }), 'npx cloudfront-trail --sigma');
    assert.deepEqual(JSON.parse(r.stdout)['rule.id'], out['rule.id']);
  });

  test('Node ES modules: transform, transformLog and the stream in a pipeline over a gzipped log', () => {
    const r = ok(run(process.execPath, ['esm.mjs', gz]), 'esm.mjs');
    assert.match(r.stdout, /^esm: [1-9]\d* records$/m);
  });

  test('CommonJS: require() of the same API, one module instance with import', () => {
    const r = ok(run(process.execPath, ['cjs.cjs', gz]), 'cjs.cjs');
    assert.match(r.stdout, /^cjs: [1-9]\d* records$/m);
  });

  test('the CLI through npx: a gzipped file and stdin give transformLogToNdjson', async () => {
    const api = await installed();
    const expected = api.transformLogToNdjson(readFileSync(gz));
    assert.ok(expected.length > 0);
    const r = ok(run('npx', ['--no', '--offline', 'cloudfront-trail', gz]), 'npx cloudfront-trail');
    assert.equal(r.stdout, expected);
    const s = ok(run('npx', ['--no', '--offline', 'cloudfront-trail', '--profile', 'ecs'], { input: readFileSync(SAMPLE) }), 'npx cloudfront-trail (stdin)');
    assert.equal(s.stdout, api.transformLogToNdjson(readFileSync(SAMPLE), { profile: 'ecs' }));
  });

  test('TypeScript with @types/node: the Node entry and subpaths (tests/js/types-usage.ts)', () => {
    const dir = join(PROJECT, 'ts-node');
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    cpSync(join(ROOT, 'tests/js/types-usage.ts'), join(dir, 'types-usage.ts'));
    cpSync(join(ROOT, 'tests/js/tsconfig.json'), join(dir, 'tsconfig.json'));
    // @types/node (and its undici-types) from the repository's pinned devDependencies.
    symlinkSync(join(ROOT, 'node_modules/@types'), join(dir, 'node_modules/@types'));
    const r = run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json', '--listFiles'], { cwd: dir });
    ok(r, 'tsc (Node)');
    assert.ok(/\/project\/node_modules\/cloudfront-trail\/js\/[a-z]+\.d\.ts$/m.test(r.stdout), 'the types came from the installed package');
  });

  test('TypeScript for the browser entry without @types/node ("types": [], skipLibCheck off)', () => {
    const dir = join(PROJECT, 'ts-web');
    mkdirSync(dir);
    cpSync(join(ROOT, 'tests/js/types-usage-web.ts'), join(dir, 'types-usage-web.ts'));
    cpSync(join(ROOT, 'tests/js/tsconfig.web.json'), join(dir, 'tsconfig.json'));
    const r = run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json', '--listFiles'], { cwd: dir });
    ok(r, 'tsc (browser, no @types/node)');
    assert.ok(/\/project\/node_modules\/cloudfront-trail\/js\/web\.d\.ts$/m.test(r.stdout), 'the types came from the installed package');
    assert.ok(!/@types\/node/.test(r.stdout), 'no Node types in a browser program');
  });

  describe('in Chromium', () => {
    before(async () => {
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    });

    test('esbuild bundles cloudfront-trail/web; init() loads the .wasm as a bundler asset', async (t) => {
      const page = join(PROJECT, 'page');
      const dist = join(page, 'dist');
      ok(run(join(BIN, 'esbuild'), ['main.mjs', '--bundle', '--format=esm', '--loader:.wasm=file', '--asset-names=[name]-[hash]', `--outdir=${dist}`, '--log-level=warning'], { cwd: page }), 'esbuild');
      cpSync(join(page, 'index.html'), join(dist, 'index.html'));
      const { server, origin } = await serveDir(dist);
      t.after(() => server.close());
      const { page: p, seen } = await open(t, `${origin}/`);
      await p.waitForSelector('html[data-ready="1"]', { timeout: 15_000 });
      const record = JSON.stringify(JSON.parse(readFileSync(SAMPLE, 'utf8')).Records[0]);
      const got = await p.evaluate((text) => window.run(text), record);
      const api = await installed();
      // The asset esbuild emitted, by its hashed name (not the glue's default next to itself).
      assert.match(got.wasmUrl, /cloudfront_trail_bg-[A-Z0-9]+\.wasm$/);
      assert.ok(seen.requests.some((u) => u === new URL(got.wasmUrl, `${origin}/`).href), 'the page fetched the bundled .wasm');
      assert.deepEqual(got.flat, api.transform(record), 'the page flattens as Node does');
      assert.equal(got.log.records.length, 1);
      assert.deepEqual(got.log.records[0], got.flat);
      assert.deepEqual(seen.failed, []);
      assert.deepEqual(seen.problems, []);
    });

    test('the viewer, served from the installed package, reads a log', async (t) => {
      const serveJs = join(PROJECT, 'node_modules', PKG.name, 'js/viewer/serve.mjs');
      const child = spawn(process.execPath, [serveJs, '--port', '0'], { cwd: PROJECT, env: ENV, stdio: ['ignore', 'pipe', 'inherit'] });
      t.after(() => child.kill());
      const url = await new Promise((ok_, fail) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
          if (m) ok_(m[1]);
        });
        child.once('exit', (code) => fail(new Error(`the viewer server exited (${code}): ${out}`)));
        setTimeout(() => fail(new Error(`no URL from the viewer server: ${out}`)), 15_000);
      });
      const { page, seen } = await open(t, url);
      await page.waitForSelector('html[data-ready="1"]', { timeout: 15_000 });
      await page.setInputFiles('[data-testid=file-input]', SAMPLE);
      const events = (await installed()).transformLog(readFileSync(SAMPLE)).records.length;
      await page.waitForFunction(
        (n) => Number(document.querySelector('[data-testid=event-count]').textContent.replace(/[^0-9]/g, '')) === n,
        events,
        { timeout: 30_000 },
      );
      assert.equal(await page.$$eval('[data-testid=event-row]', (rs) => rs.length), events);
      assert.ok(seen.requests.some((u) => u.endsWith('/pkg/web/cloudfront_trail_bg.wasm')), 'the viewer loaded the packaged .wasm');
      assert.deepEqual(seen.failed, []);
      assert.deepEqual(seen.problems, []);
    });
  });
});
