// The cloudfront-trail CLI: files, stdin, .gz, bad records, missing files, --help, the summary,
// -o, flags (util.parseArgs), limits, --strict, colour, and output that cannot be written.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as ct from '../../js/node.mjs';
import { Summary } from '../../js/summary.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here('../../js/cli.mjs');
const SAMPLE = here('../../examples/cloudfront-sample.json');
const BROKEN = here('../fixtures/js/broken-middle.ndjson');
const DEMO_FIXTURE = here('../fixtures/cli/demo-summary.txt');

function run(args, input, env) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, NO_COLOR: '', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const lines = (s) => s.trim().split('\n').map((l) => JSON.parse(l));

function tmpdir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ct-cli-'));
}

test('a file → NDJSON on stdout, same as transformLogToNdjson', () => {
  const r = run([SAMPLE]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, ct.transformLogToNdjson(fs.readFileSync(SAMPLE)));
  assert.equal(r.err, '', 'nothing on stderr for a clean file');
});

test('stdin (no file, and "-") and a .gz file', () => {
  const text = fs.readFileSync(SAMPLE);
  const expected = ct.transformLogToNdjson(text);
  assert.equal(run([], text).out, expected);
  assert.equal(run(['-'], text).out, expected);
  const dir = tmpdir();
  try {
    const gz = path.join(dir, 'log.json.gz');
    fs.writeFileSync(gz, zlib.gzipSync(text));
    const r = run([gz]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, expected);
    // Gzip is found by content, not by name.
    const noExt = path.join(dir, 'log');
    fs.writeFileSync(noExt, zlib.gzipSync(text));
    assert.equal(run([noExt]).out, expected);
    // Several files: outputs in order.
    // (The CLI salvages by default; the library when asked.)
    assert.equal(run([gz, BROKEN]).out, expected + ct.transformLogToNdjson(fs.readFileSync(BROKEN), { salvage: true }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// The CloudFront guide's example log as published (issue 15): with the CLI's defaults, 5 records
// and 0 error entries. Its copy in ../shared (skipped when absent), and a repository fixture of
// the documented format with the same two damages, which always runs.
const SEED = here('../../../shared/samples/seed/cloudfront-doc-example.raw.txt');
const TWO_DAMAGES = here('../fixtures/salvage/two-damages.json');

/** The CLI's NDJSON for `file` (defaults), checked as the issue asks; returns the salvaged record. */
function salvagedByCli(file, n, want) {
  const r = run([file]);
  assert.equal(r.code, 0, r.err);
  const out = lines(r.out);
  assert.equal(out.length, n, 'every record of the log');
  assert.equal(out.filter((o) => 'error.message' in o).length, 0, 'no error entry');
  const salvaged = out.filter((o) => o['event.salvaged'] === true);
  assert.equal(salvaged.length, 1);
  const [u] = salvaged;
  for (const [k, v] of Object.entries(want)) assert.equal(u[k], v, k);
  // The two damaged stretches, as raw text at their paths, and the marks.
  const original = u['event.original'];
  assert.ok(fs.readFileSync(file, 'utf8').includes(original), 'event.original is the record\'s text');
  const cache = u['requestParameters.distributionConfig.cacheBehaviors.~0damaged'];
  const omitted = u['responseElements.distribution.distributionConfig.~0damaged'];
  assert.ok(cache.startsWith('{') && cache.includes('}], "quantity": 1'), cache);
  assert.match(omitted, /^distributionConfig response omitted$/);
  const damages = u['event.salvage.damages'];
  assert.deepEqual(damages.map((d) => d.path), ['requestParameters.distributionConfig.cacheBehaviors', 'responseElements.distribution.distributionConfig']);
  assert.equal(original.slice(damages[0].offset, damages[0].offset + cache.length), cache);
  assert.equal(original.slice(damages[1].offset, damages[1].offset + omitted.length), omitted);
  // The risk checks say what they could not read.
  const flag = u['cloudfront.risk_details'].find((d) => d.flag === 'config_partly_unreadable');
  assert.deepEqual(flag.evidence.map((e) => e.key), damages.map((d) => `${d.path}.~0damaged`));
  assert.match(r.err, /1 damaged record salvaged/);
  return u;
}

test('the CloudFront guide\'s example as published (../shared seed): 5 records, 0 error entries', { skip: !fs.existsSync(SEED) && '../shared/samples/seed is absent' }, () => {
  const u = salvagedByCli(SEED, 5, {
    'event.action': 'UpdateDistribution', 'user.name': 'smithj', '@timestamp': '2014-05-06T18:00:32Z', 'cloudfront.distribution.id': 'EDFDVBD6EXAMPLE',
  });
  // The origins and default cache behavior that are intact.
  assert.deepEqual(u['requestParameters.distributionConfig.origins.items'].map((o) => o.id), ['Web page origin', 'Images']);
  assert.equal(u['requestParameters.distributionConfig.defaultCacheBehavior.targetOriginId'], 'Images');
  assert.equal(u['requestParameters.distributionConfig.defaultCacheBehavior.viewerProtocolPolicy'], 'redirect-to-https');
  // --no-salvage: the damaged record is the error entry it was.
  const off = lines(run(['--no-salvage', SEED]).out);
  assert.deepEqual([off.length, off.filter((o) => 'error.message' in o).length], [5, 1]);
});

test('the same two damages in a record of the documented format (tests/fixtures/salvage): salvaged by default', () => {
  const u = salvagedByCli(TWO_DAMAGES, 2, {
    'event.action': 'UpdateDistribution', 'user.name': 'alice', '@timestamp': '2024-02-10T09:15:00Z', 'cloudfront.distribution.id': 'E2FIXTUREEXAMPLE',
  });
  assert.equal(u['requestParameters.distributionConfig.origins.items'][0].domainName, 'site.example.com');
  assert.equal(u['requestParameters.distributionConfig.defaultCacheBehavior.targetOriginId'], 'site');
  // --summary counts it in every profile (each marks it its own way), and its risk flag.
  for (const profile of ['flat', 'ecs', 'ocsf']) {
    const r = run(['--summary', '--profile', profile, TWO_DAMAGES]);
    assert.equal(r.code, 0, r.err);
    const got = parseSummary(r.out);
    assert.deepEqual([got.records, got.errors, got.salvaged], [2, 0, 1], profile);
    assert.match(r.out, /config_partly_unreadable/, profile);
  }
});

test('bad records: error entries in the output, a count on stderr, exit 0', () => {
  const r = run(['--no-salvage', BROKEN]);
  assert.equal(r.code, 0, r.err);
  const out = lines(r.out);
  assert.equal(out.length, 3);
  assert.ok('error.message' in out[1]);
  assert.match(r.err, /1 bad record\b/);
  // Garbage is an error entry with salvage too.
  const g = run([], 'not json at all\n');
  assert.ok('error.message' in lines(g.out)[0]);
  assert.match(g.err, /1 bad record\b/);
});

test('a damaged record is salvaged by default (marked, raw text kept); --no-salvage makes it an error entry', () => {
  const text = fs.readFileSync(BROKEN);
  for (const args of [[], ['--salvage']]) {
    const r = run([...args, BROKEN]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, ct.transformLogToNdjson(text, { salvage: true }));
    const out = lines(r.out);
    assert.equal(out.length, 3);
    assert.equal(out.filter((o) => 'error.message' in o).length, 0);
    assert.equal(out[1]['event.salvaged'], true);
    assert.equal(out[1]['event.action'], 'UpdateDistribution');
    assert.equal(out[1]['event.original'], text.toString().split('\n')[1]);
    assert.match(r.err, /1 damaged record salvaged\b/);
  }
  assert.equal(run(['--no-salvage', BROKEN]).out, ct.transformLogToNdjson(text));
  const both = run(['--salvage', '--no-salvage', BROKEN]);
  assert.equal(both.code, 2);
  assert.match(both.err, /contradict/);
});

test('options: --no-enrich, --arrays index, --profile flat', () => {
  const r = run(['--no-enrich', '--arrays', 'index', '--profile=flat', SAMPLE]);
  assert.equal(r.code, 0, r.err);
  const first = lines(r.out)[0];
  const rec = JSON.parse(fs.readFileSync(SAMPLE)).Records[0];
  assert.deepEqual(first, ct.transform(rec, { enrich: false, arrays: 'index' }));
  assert.equal(first['requestParameters.distributionConfig.aliases.items.0'], 'assets.example.com');
});

test('a missing file: non-zero exit, clear message, nothing on stdout', () => {
  const r = run([SAMPLE, '/nonexistent/cloudtrail.json']);
  assert.equal(r.code, 1);
  assert.match(r.err, /cannot read \/nonexistent\/cloudtrail\.json: no such file/);
  assert.equal(r.out, '');
  const d = run([path.dirname(SAMPLE)]);
  assert.equal(d.code, 1);
  assert.match(d.err, /is a directory/);
});

test('unreadable input (truncated gzip): exit 1 with the reason', () => {
  const gz = zlib.gzipSync(fs.readFileSync(SAMPLE));
  const r = run([], gz.subarray(0, gz.length - 20));
  assert.equal(r.code, 1);
  assert.match(r.err, /stdin: input: /);
});

test('--help documents the usage; bad usage exits 2', () => {
  const h = run(['--help']);
  assert.equal(h.code, 0);
  for (const word of ['Usage: cloudfront-trail', '--profile flat|ecs|ocsf', '--no-enrich', '--arrays', 'stdin', 'error.message',
    '--summary', '--format ndjson|summary', '-o, --output FILE', '--max-decompressed-bytes', '--max-record-bytes', '--version', 'NO_COLOR']) {
    assert.ok(h.out.includes(word), word);
  }
  for (const l of h.out.split('\n')) assert.ok(l.length <= 80, `help wider than 80 columns: ${l}`);
  const bad = run(['--frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown option --frobnicate/);
  const badValue = run(['--profile', 'xml', SAMPLE]);
  assert.equal(badValue.code, 2);
  assert.match(badValue.err, /unknown profile/);
  assert.equal(run(['--max-depth', 'deep']).code, 2);
});

test('--version prints the package version', () => {
  const pkg = JSON.parse(fs.readFileSync(here('../../package.json'), 'utf8'));
  const r = run(['--version']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `cloudfront-trail ${pkg.version}\n`);
});

// ---------------------------------------------------------------- flags through util.parseArgs

test('flag errors are usage errors (exit 2) with the pointer to --help, and nothing on stdout', () => {
  const cases = [
    [['--no-enrich=false', SAMPLE], /--no-enrich takes no value/],
    [['--strict=yes', SAMPLE], /--strict takes no value/],
    [['--summary=1', SAMPLE], /--summary takes no value/],
    [['--frobnicate', SAMPLE], /unknown option --frobnicate/],
    [['-x', SAMPLE], /unknown option -x/],
    [[SAMPLE, '--profile'], /--profile needs a value/],
    [['--profile', '--strict', SAMPLE], /--profile needs a value/],
    [['--format', 'xml', SAMPLE], /--format takes ndjson or summary/],
    [['--summary', '--format', 'ndjson', SAMPLE], /contradict/],
    [['--max-record-bytes', 'lots', SAMPLE], /--max-record-bytes takes a number of bytes/],
    [['--max-decompressed-bytes', '-5', SAMPLE], /--max-decompressed-bytes needs a value/],
    [['--max-record-bytes', '10', SAMPLE], /maxRecordBytes/], // below the core's minimum
    [['--max-fields', '1.5', SAMPLE], /--max-fields takes a non-negative integer/],
    [['-o', '-', '--summary', SAMPLE], /both write to stdout/],
  ];
  for (const [args, message] of cases) {
    const r = run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message, args.join(' '));
    assert.match(r.err, /Try 'cloudfront-trail --help'\./, args.join(' '));
    assert.equal(r.out, '', args.join(' '));
  }
  // "--" ends the options; "-" is stdin; a flag may follow the files.
  const text = fs.readFileSync(SAMPLE);
  assert.equal(run(['--', '-'], text).out, ct.transformLogToNdjson(text));
  const after = run([SAMPLE, '--no-enrich']);
  assert.equal(after.code, 0, after.err);
  assert.equal(after.out, ct.transformLogToNdjson(text, { enrich: false }));
});

// ---------------------------------------------------------------- limits

test('--max-record-bytes and --max-decompressed-bytes reach the core (suffixes K, M, G)', () => {
  const text = fs.readFileSync(SAMPLE);
  const small = run(['--max-record-bytes', '2K', SAMPLE]);
  assert.equal(small.code, 0, small.err);
  assert.equal(small.out, ct.transformLogToNdjson(text, { maxRecordBytes: 2048 }));
  const expected = ct.transformLog(text, { maxRecordBytes: 2048 });
  assert.ok(expected.errors.length > 0 && expected.records.length > 0, 'the fixture has records on both sides of 2 KiB');
  assert.match(small.err, new RegExp(`${expected.errors.length} bad records?\\b`));

  const gz = zlib.gzipSync(text);
  const capped = run(['--max-decompressed-bytes', '1024'], gz);
  assert.equal(capped.code, 1);
  assert.throws(() => ct.transformLog(gz, { maxDecompressedBytes: 1024 }), (e) => e.kind === 'limit');
  assert.match(capped.err, /stdin: limit: /);
  const roomy = run(['--max-decompressed-bytes', '1M'], gz);
  assert.equal(roomy.code, 0, roomy.err);
  assert.equal(roomy.out, ct.transformLogToNdjson(text));
});

// ---------------------------------------------------------------- --strict

test('--strict writes the records before the first bad one, then exits 1', () => {
  const text = fs.readFileSync(BROKEN);
  const all = ct.transformLogToNdjson(text).split('\n');
  const r = run(['--strict', BROKEN]);
  assert.equal(r.code, 1);
  assert.equal(r.out, `${all[0]}\n`, 'the good record before the bad one (same chunk) comes out');
  let thrown;
  assert.throws(() => ct.transformLog(text, { strict: true }), (e) => ((thrown = e), e.kind === 'syntax'));
  assert.ok(r.err.includes(thrown.message), r.err);
  // The same through -o and with the summary: what was read before the bad record is kept.
  const dir = tmpdir();
  try {
    const o = path.join(dir, 'out.ndjson');
    const s = run(['--strict', '--summary', '-o', o, BROKEN]);
    assert.equal(s.code, 1);
    assert.equal(fs.readFileSync(o, 'utf8'), `${all[0]}\n`);
    assert.match(s.out, /Records\s+1\b/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // Clean input: --strict changes nothing.
  const clean = run(['--strict', SAMPLE]);
  assert.equal(clean.code, 0, clean.err);
  assert.equal(clean.out, ct.transformLogToNdjson(fs.readFileSync(SAMPLE)));
});

// ---------------------------------------------------------------- -o

test('-o FILE writes the NDJSON there (gzip for .gz); stdout stays empty off a terminal', () => {
  const text = fs.readFileSync(SAMPLE);
  const expected = ct.transformLogToNdjson(text) + ct.transformLogToNdjson(fs.readFileSync(BROKEN));
  const dir = tmpdir();
  try {
    const plain = path.join(dir, 'out.ndjson');
    const r = run(['--no-salvage', '-o', plain, SAMPLE, BROKEN]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    assert.equal(fs.readFileSync(plain, 'utf8'), expected);
    assert.match(r.err, /1 bad record \(written as error entries/);

    const gz = path.join(dir, 'out.ndjson.gz');
    const g = run(['--no-salvage', '--output', gz, SAMPLE, BROKEN]);
    assert.equal(g.code, 0, g.err);
    const bytes = fs.readFileSync(gz);
    assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b], 'a gzip file');
    assert.equal(zlib.gunzipSync(bytes).toString('utf8'), expected);

    // -o - is stdout; -o with the summary: records in the file, the report on stdout.
    assert.equal(run(['-o', '-', SAMPLE]).out, ct.transformLogToNdjson(text));
    const both = run(['--summary', `--output=${plain}`, SAMPLE]);
    assert.equal(both.code, 0, both.err);
    assert.equal(fs.readFileSync(plain, 'utf8'), ct.transformLogToNdjson(text));
    assert.ok(both.out.includes(`Records written to ${plain}`), both.out);

    // An -o that is also an input would be truncated before it is read: refused.
    const same = run(['-o', plain, plain]);
    assert.equal(same.code, 2);
    assert.match(same.err, /is also an input/);
    assert.equal(fs.readFileSync(plain, 'utf8'), ct.transformLogToNdjson(text), 'the input is untouched');
    // A file that cannot be created: exit 1, a message, no stack trace.
    const nowhere = run(['-o', path.join(dir, 'no', 'such', 'dir.ndjson'), SAMPLE]);
    assert.equal(nowhere.code, 1);
    assert.match(nowhere.err, /cannot write .*dir\.ndjson: no such file/);
    assert.doesNotMatch(nowhere.err, /\n\s+at /);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- output that cannot be written

test('stdout on /dev/full: a clean message and exit 1, no stack trace', { skip: !fs.existsSync('/dev/full') && 'no /dev/full' }, () => {
  for (const args of [[SAMPLE], ['--summary', SAMPLE]]) {
    const full = fs.openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [CLI, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^cloudfront-trail: cannot write to stdout: no space left on device\n$/);
    } finally {
      fs.closeSync(full);
    }
  }
  // The same for an -o file on a full disk, plain or gzip (a link named .gz to /dev/full).
  const dir = tmpdir();
  try {
    const gz = path.join(dir, 'full.ndjson.gz');
    fs.symlinkSync('/dev/full', gz);
    for (const o of ['/dev/full', gz]) {
      const r = run(['-o', o, SAMPLE]);
      assert.equal(r.code, 1, r.err);
      assert.equal(r.err, `cloudfront-trail: cannot write ${o}: no space left on device\n`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('stdout closed early by its reader (| head): quiet, status 141 as for SIGPIPE', async () => {
  const one = JSON.stringify(JSON.parse(fs.readFileSync(SAMPLE)).Records[0]);
  const big = `${one}\n`.repeat(20000);
  const child = spawn(process.execPath, [CLI], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  child.stdin.on('error', () => {}); // the child may exit before it has read everything
  child.stdin.end(big);
  await new Promise((resolve) => child.stdout.once('data', resolve));
  child.stdout.destroy();
  const code = await new Promise((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 141, err);
  assert.equal(err, '');
});

// ---------------------------------------------------------------- the summary

/** Reads the numbers back from a summary report. */
function parseSummary(text) {
  const num = (label) => {
    const m = new RegExp(`^  ${label}\\s+([\\d,]+)`, 'm').exec(text) || new RegExp(`    ${label}\\s+([\\d,]+)`, 'm').exec(text);
    assert.ok(m, `${label} in\n${text}`);
    return Number(m[1].replace(/,/g, ''));
  };
  const section = (title) => {
    const at = text.indexOf(`\n${title}`);
    if (at < 0) return null;
    const body = text.slice(text.indexOf('\n', at + 1) + 1);
    const rows = [];
    rows.more = 0;
    for (const l of body.split('\n')) {
      if (!l.startsWith('  ')) break;
      const more = /^ {2}… and ([\d,]+) more$/.exec(l);
      if (more) rows.more = Number(more[1].replace(/,/g, ''));
      const m = /^ {2}(.*?)\s+([\d,]+)(?:\s+([\d,]+|-))?$/.exec(l);
      if (m && !/^\s*$/.test(m[1])) rows.push({ value: m[1], count: Number(m[2].replace(/,/g, '')), failures: m[3] === undefined || m[3] === '-' ? 0 : Number(m[3].replace(/,/g, '')) });
    }
    return rows;
  };
  const range = /Time range\s+(\S+) → (\S+)/.exec(text);
  const risky = /Risky changes: ([\d,]+) record/.exec(text);
  return {
    records: num('Records'),
    errors: num('Error entries'),
    salvaged: num('Salvaged'),
    skipped: num('Counted skips'),
    failures: num('Failed calls'),
    range: range ? [range[1], range[2]] : null,
    actions: section('Top actions'),
    principals: section('Top principals'),
    codes: section('Failures by error code') ?? [],
    risky: risky ? Number(risky[1].replace(/,/g, '')) : 0,
  };
}

/** The same numbers from transformLog's own results (flat profile), for comparison; `salvage`
 * as the CLI's default. */
function expectedSummary(inputs, salvage = true) {
  const e = { records: 0, errors: 0, salvaged: 0, failures: 0, risky: 0, actions: new Map(), principals: new Map(), codes: new Map(), min: Infinity, max: -Infinity };
  const bump = (m, k, fail) => {
    const v = m.get(k) ?? { count: 0, failures: 0 };
    v.count++;
    if (fail) v.failures++;
    m.set(k, v);
  };
  for (const input of inputs) {
    const r = ct.transformLog(input, { salvage });
    e.records += r.records.length;
    e.errors += r.errors.length;
    e.salvaged += r.salvaged;
    for (const rec of r.records) {
      const fail = rec['event.outcome'] === 'failure';
      if (fail) {
        e.failures++;
        bump(e.codes, rec['error.code'], true);
      }
      // The report's placeholder for a record without the value.
      bump(e.actions, rec['event.action'] ?? '(none)', fail);
      bump(e.principals, rec['user.name'] ?? '(none)', fail);
      if (Array.isArray(rec['cloudfront.risk']) && rec['cloudfront.risk'].length) e.risky++;
      const t = Date.parse(rec['@timestamp']);
      if (Number.isNaN(t)) continue;
      e.min = Math.min(e.min, t);
      e.max = Math.max(e.max, t);
    }
  }
  const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return { ...e, range: e.min <= e.max ? [iso(e.min), iso(e.max)] : null };
}

function assertSummaryMatches(got, want) {
  assert.equal(got.records, want.records, 'records');
  assert.equal(got.errors, want.errors, 'error entries');
  assert.equal(got.failures, want.failures, 'failed calls');
  assert.equal(got.risky, want.risky, 'risky records');
  assert.equal(got.salvaged, want.salvaged, 'salvaged records');
  assert.equal(got.skipped, 0);
  assert.deepEqual(got.range, want.range, 'time range');
  for (const [name, table] of [['actions', want.actions], ['principals', want.principals], ['codes', want.codes]]) {
    const rows = got[name];
    assert.equal(rows.length, Math.min(5, table.size), `${name}: rows`);
    assert.equal(rows.length + (rows.more ?? 0), table.size, `${name}: distinct values`);
    for (const row of rows) {
      const w = table.get(row.value);
      assert.ok(w, `${name}: ${row.value} is a value transformLog reports`);
      assert.equal(row.count, w.count, `${name}: ${row.value}`);
      if (name !== 'codes') assert.equal(row.failures, w.failures, `${name}: ${row.value} failures`);
    }
    // Most frequent first.
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].count >= rows[i].count, `${name} ordered`);
  }
}

test('--summary: its numbers are those transformLog reports (plain, gzip, several inputs with error entries)', () => {
  const sample = fs.readFileSync(SAMPLE);
  const broken = fs.readFileSync(BROKEN);
  const dir = tmpdir();
  try {
    const gz = path.join(dir, 'sample.json.gz');
    fs.writeFileSync(gz, zlib.gzipSync(sample));

    const one = run(['--summary', SAMPLE]);
    assert.equal(one.code, 0, one.err);
    assertSummaryMatches(parseSummary(one.out), expectedSummary([sample]));
    assert.match(one.out, /Format\s+cloudtrail$/m);

    const g = run(['--format', 'summary', gz]);
    assert.equal(g.code, 0, g.err);
    assertSummaryMatches(parseSummary(g.out), expectedSummary([sample]));
    assert.match(g.out, /Format\s+cloudtrail \(gzip\)$/m);

    const many = run(['--summary', gz, BROKEN, SAMPLE]);
    assert.equal(many.code, 0, many.err);
    const want = expectedSummary([sample, broken, sample]);
    assert.ok(want.salvaged > 0 && want.failures > 0 && want.risky > 0, 'the inputs exercise every part');
    assertSummaryMatches(parseSummary(many.out), want);
    assert.match(many.out, /3 inputs/);
    assert.match(many.err, new RegExp(`${want.salvaged} damaged record salvaged`));
    // Without salvage the damaged record is an error entry, and counted as one.
    const off = run(['--summary', '--no-salvage', gz, BROKEN, SAMPLE]);
    const wantOff = expectedSummary([sample, broken, sample], false);
    assert.ok(wantOff.errors > 0 && wantOff.salvaged === 0);
    assert.equal(wantOff.records + wantOff.errors, want.records + want.errors, 'records + error entries = inputs, either way');
    assertSummaryMatches(parseSummary(off.out), wantOff);
    assert.match(off.err, new RegExp(`${wantOff.errors} bad record .*see them with --format ndjson or -o FILE`));

    // stdin, and an input made only of error entries.
    const garbage = run(['--summary'], 'not json\n{"also": not}\n');
    assert.equal(garbage.code, 0, garbage.err);
    assertSummaryMatches(parseSummary(garbage.out), expectedSummary(['not json\n{"also": not}\n']));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--summary reads the ECS and OCSF shapes too: the same numbers as the flat profile', () => {
  // OCSF makes error entries of BROKEN's records: they have no eventTime, and every OCSF event
  // needs its time (docs/PROFILES.md), so it is compared on the complete sample.
  for (const [profile, files] of [['ecs', [SAMPLE, BROKEN]], ['ocsf', [SAMPLE]]]) {
    const want = expectedSummary(files.map((f) => fs.readFileSync(f)));
    const r = run(['--summary', '--profile', profile, ...files]);
    assert.equal(r.code, 0, r.err);
    assertSummaryMatches(parseSummary(r.out), want);
    assert.match(r.out, /by maria\.lopez {2}on E2QWRUHEXAMPLE/, profile);
  }
  // The record's own keys follow --separator, the enrichment keys stay dotted: same report.
  const plain = run(['--summary', SAMPLE, BROKEN]).out;
  assert.equal(run(['--summary', '--separator', '/', '--arrays', 'index', SAMPLE, BROKEN]).out, plain);
  // Without enrichment: the raw keys (eventName, errorCode, userIdentity, eventTime).
  const raw = parseSummary(run(['--summary', '--no-enrich', '--separator', '/', SAMPLE, BROKEN]).out);
  const p = parseSummary(plain);
  for (const k of ['records', 'errors', 'failures']) assert.equal(raw[k], p[k], k);
  assert.deepEqual(raw.range, p.range);
  assert.deepEqual(raw.codes, p.codes);
  assert.deepEqual(raw.principals, p.principals);
  assert.ok(raw.actions.some((r) => r.value === 'UpdateDistribution2020_05_31'), 'eventName as written');
});

test('--summary lists the change flags of change tracking with their severity and before → after, in every profile', () => {
  // The lifecycle fixture's updates raise change flags only across records (docs/SCHEMA.md,
  // "Change tracking"); what the core wrote is the reference.
  const file = here('../fixtures/track/distribution-lifecycle.json');
  const changed = ct.transformLog(fs.readFileSync(file)).records.filter((r) => Array.isArray(r['cloudfront.change.flags']));
  assert.ok(changed.length >= 2, 'the fixture has updates with change flags');
  for (const profile of ['flat', 'ecs', 'ocsf']) {
    const r = run(['--summary', '--profile', profile, file]);
    assert.equal(r.code, 0, r.err);
    for (const rec of changed) {
      for (const d of rec['cloudfront.change.flag_details']) {
        // A change flag named as a state flag of the same record (distribution_disabled) is listed once, as that.
        if ((rec['cloudfront.risk'] ?? []).includes(d.flag)) continue;
        assert.ok(r.out.includes(`• ${d.flag} (${d.severity})`), `${profile}: ${d.flag} (${d.severity}) listed`);
        const e = d.evidence[0];
        assert.ok(r.out.includes(`config ${e.key}`), `${profile}: ${d.flag}'s evidence key ${e.key}`);
      }
    }
    // Without tracking, none of them.
    const off = run(['--summary', '--no-track', '--profile', profile, file]);
    for (const d of changed[0]['cloudfront.change.flag_details']) assert.ok(!off.out.includes(`• ${d.flag} (`), `${profile} --no-track: ${d.flag}`);
  }
});

test('--summary: readable at 80 columns, no colour off a terminal, hostile values made visible', () => {
  const rec = JSON.parse(fs.readFileSync(SAMPLE)).Records[2];
  rec.userIdentity.userName = `evil\x1b[2J\x1b]0;pwned\x07\u202Eadmin${'x'.repeat(300)}`;
  const r = run(['--summary'], JSON.stringify(rec));
  assert.equal(r.code, 0, r.err);
  assert.ok(!r.out.includes('\x1b'), 'no escape sequence reaches the terminal');
  assert.ok(!r.out.includes('\u202E'));
  assert.ok(r.out.includes('evil⟨U+001B⟩[2J'), r.out);
  for (const l of r.out.split('\n')) assert.ok([...l].length <= 80, `wider than 80 columns: ${l}`);
  const s = run(['--summary', SAMPLE, BROKEN]);
  for (const l of s.out.split('\n')) assert.ok([...l].length <= 80, `wider than 80 columns: ${l}`);
});

test('--summary: severity and evidence when the enrichment gives them, ranked most severe first', () => {
  const s = new Summary();
  const base = { '@timestamp': '2024-01-01T00:00:00Z', 'event.action': 'UpdateDistribution', 'event.outcome': 'success', 'user.name': 'a' };
  s.add({ ...base, 'cloudfront.distribution.id': 'ELOW', 'cloudfront.risk': ['no_waf'],
    'cloudfront.risk_details': [{ flag: 'no_waf', severity: 'low', evidence: [{ key: 'requestParameters.distributionConfig.webACLId', value: '' }] }] });
  s.add({ ...base, '@timestamp': '2023-01-01T00:00:00Z', 'cloudfront.distribution.id': 'EHIGH', 'cloudfront.risk': ['viewer_http_allowed'],
    'cloudfront.risk_details': [{ flag: 'viewer_http_allowed', severity: 'high', kind: 'state', evidence: [{ key: 'requestParameters.distributionConfig.defaultCacheBehavior.viewerProtocolPolicy', value: 'allow-all' }] }] });
  s.add({ ...base, '@timestamp': '2025-01-01T00:00:00Z', 'cloudfront.distribution.id': 'ENONE', 'cloudfront.risk': ['distribution_deleted'] });
  const text = s.render();
  const order = ['EHIGH', 'ELOW', 'ENONE'].map((id) => text.indexOf(id));
  assert.ok(order.every((i) => i > 0) && order[0] < order[1] && order[1] < order[2], text);
  assert.match(text, /HIGH\s+2023-01-01T00:00:00Z {2}UpdateDistribution/);
  // The evidence key is broken after a dot to fit 80 columns, never cut.
  assert.match(text, /requestParameters\.distributionConfig\.defaultCacheBehavior\.\n\s+viewerProtocolPolicy = "allow-all"/, text);
  assert.ok(text.includes('webACLId = ""'), text);
});

test('--summary keeps bounded state: many distinct values, many risky records', () => {
  const s = new Summary();
  for (let i = 0; i < 20000; i++) {
    s.add({ 'event.action': i % 2 ? 'Common' : `Rare${i}`, 'user.name': `u${i}`, 'event.outcome': 'success', 'cloudfront.risk': ['no_waf'], '@timestamp': new Date(i * 1000).toISOString() });
  }
  assert.ok(s.actions.size <= 4096 && s.principals.size <= 4096, 'tables stay bounded');
  assert.ok(s.risky.length <= 48, 'risky list stays bounded');
  const text = s.render();
  assert.match(text, /^ {2}Common\s+10,000\s+-$/m, 'a value seen all along keeps its exact count');
  assert.match(text, /counts are lower bounds/);
  assert.match(text, /Risky changes: 20,000 records/);
  assert.ok(text.indexOf('1970-01-01T05:33:19Z') > 0, 'the latest risky record is shown first');
});

test('colour only on a terminal, and never with NO_COLOR', { skip: spawnSync('script', ['--version']).status !== 0 && 'no script(1) for a pseudo-terminal' }, () => {
  // script(1) runs the CLI on a pseudo-terminal, so stdout.isTTY is true; the summary is then the default.
  const tty = (env, args = [SAMPLE]) => spawnSync('script', ['-qec', [process.execPath, CLI, ...args].map((a) => JSON.stringify(a)).join(' '), '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, TERM: 'xterm', NO_COLOR: '', ...env },
  });
  const coloured = tty({});
  assert.equal(coloured.status, 0, coloured.stderr);
  assert.match(coloured.stdout, /cloudfront-trail summary/, 'summary by default on a terminal');
  assert.match(coloured.stdout, /\x1b\[1m/, 'bold headings on a terminal');
  const plain = tty({ NO_COLOR: '1' });
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /cloudfront-trail summary/);
  assert.doesNotMatch(plain.stdout, /\x1b\[/, 'no escape sequence with NO_COLOR');
  // -o - asks for the records on stdout, terminal or not.
  const records = tty({}, ['-o', '-', SAMPLE]);
  assert.equal(records.status, 0, records.stderr);
  assert.equal(records.stdout.replace(/\r\n/g, '\n'), ct.transformLogToNdjson(fs.readFileSync(SAMPLE)));
  // Off a terminal: NDJSON by default, and the summary without colour.
  assert.doesNotMatch(run(['--summary', SAMPLE]).out, /\x1b\[/);
});

test('the demo summary fixture is what the CLI prints for the bundled sample', () => {
  // tests/fixtures/cli/demo-summary.txt is reviewed text: what `npm run demo` shows. After a
  // change to the report or the enrichment, check the new text by eye and rewrite it with
  //   UPDATE_FIXTURES=1 node --test tests/js/cli.test.mjs
  // Run as scripts/demo.sh does, with the same relative paths, in a scratch directory.
  const dir = tmpdir();
  try {
    fs.mkdirSync(path.join(dir, 'pkg', 'examples'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'pkg', 'demo'));
    fs.writeFileSync(path.join(dir, 'pkg', 'examples', 'cloudfront-sample.json.gz'), zlib.gzipSync(fs.readFileSync(SAMPLE)));
    const r = spawnSync(process.execPath, [CLI, '--summary', '-o', 'pkg/demo/cloudfront-sample.ndjson', 'pkg/examples/cloudfront-sample.json.gz'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(fs.readFileSync(path.join(dir, 'pkg', 'demo', 'cloudfront-sample.ndjson'), 'utf8'), ct.transformLogToNdjson(fs.readFileSync(SAMPLE)));
    if (process.env.UPDATE_FIXTURES === '1') fs.writeFileSync(DEMO_FIXTURE, r.stdout);
    assert.equal(r.stdout, fs.readFileSync(DEMO_FIXTURE, 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- memory

test('memory is bounded by --max-record-bytes, not by the input: a zero-filled file 6x larger peaks no higher', () => {
  // An unreadable stretch (zero bytes) becomes error entries of up to maxRecordBytes of raw text
  // each (6 bytes of escaped text per zero byte): the worst case for output per byte read. The
  // peak RSS is the CLI's own (process.resourceUsage at exit), with a 1 MiB record limit.
  const dir = tmpdir();
  try {
    const peak = (mib) => {
      const f = path.join(dir, `zeros-${mib}`);
      fs.writeFileSync(f, Buffer.alloc(mib << 20));
      const hook = 'data:text/javascript,process.on("exit",()=>process.stderr.write(`maxrss=${process.resourceUsage().maxRSS}\\n`))';
      const r = spawnSync(process.execPath, ['--import', hook, CLI, '--max-record-bytes', '1M', '-o', path.join(dir, 'out.ndjson.gz'), f], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /\d+ bad records? \(written as error entries/);
      fs.rmSync(f);
      return Number(/maxrss=(\d+)/.exec(r.stderr)[1]) * 1024;
    };
    const small = peak(16);
    const large = peak(96);
    const mb = (x) => `${(x / 1048576).toFixed(0)} MB`;
    assert.ok(large - small < 64 << 20, `16 MiB of zeros: ${mb(small)}; 96 MiB: ${mb(large)}`);
    assert.ok(large < 400 << 20, `96 MiB of zeros with a 1 MiB record limit: ${mb(large)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('back-pressure: with -o on a pipe nobody reads yet, the CLI stops reading its input', {
  skip: (process.platform !== 'linux' || spawnSync('mkfifo', ['--version']).status !== 0) && 'needs Linux /proc and mkfifo',
}, async () => {
  const dir = tmpdir();
  let child = null;
  let idle = null;
  try {
    const one = JSON.stringify(JSON.parse(fs.readFileSync(SAMPLE)).Records[2]);
    const input = path.join(dir, 'big.ndjson');
    fs.writeFileSync(input, `${one}\n`.repeat(Math.ceil((48 << 20) / one.length)));
    const size = fs.statSync(input).size;
    const fifo = path.join(dir, 'out.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    // Held open without reading, so the CLI's open succeeds and its writes fill the pipe.
    idle = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    child = spawn(process.execPath, [CLI, '-o', fifo, input], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise((resolve) => child.on('close', resolve));
    const rchar = () => Number(/rchar: (\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/io`, 'utf8'))[1]);
    // Wait until the CLI has stopped reading (no progress for a second).
    let last = -1;
    let read = 0;
    for (let stable = 0; stable < 10;) {
      await new Promise((r) => setTimeout(r, 100));
      read = rchar();
      stable = read === last ? stable + 1 : 0;
      last = read;
    }
    assert.ok(read < size / 4, `read ${read} of ${size} bytes while its output was blocked`);
    // Now read the output: everything comes out.
    let lines = 0;
    for await (const chunk of fs.createReadStream(fifo)) for (const b of chunk) if (b === 10) lines++;
    fs.closeSync(idle);
    idle = null;
    assert.equal(await exited, 0, err);
    child = null;
    assert.equal(lines, Math.ceil((48 << 20) / one.length));
  } finally {
    if (child) child.kill(); // a failed check leaves it blocked on the pipe
    if (idle !== null) fs.closeSync(idle);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('long lines: error entries told from records whose first key is error.message, in --summary and --strict', () => {
  const a = JSON.stringify({ eventVersion: '1.09', eventName: 'GetDistribution2020_05_31', eventSource: 'cloudfront.amazonaws.com', eventTime: '2024-01-01T00:00:00Z' });
  // A record that flattens to a line starting {"error.message": and longer than 8 KiB.
  const b = JSON.stringify({ error: { message: 'looks like an entry' }, eventVersion: '1.09', eventName: 'ListDistributions', eventTime: '2024-01-02T00:00:00Z', pad: 'y'.repeat(10000) });
  const garbage = `{"eventName": ${'x'.repeat(20000)}`;
  const input = `${a}\n${b}\n${garbage}\n${a}\n`;
  const whole = ct.transformLog(input);
  assert.equal(whole.records.length, 3);
  assert.equal(whole.errors.length, 1);
  const nd = ct.transformLogToNdjson(input).split('\n');
  assert.ok(nd[1].startsWith('{"error.message":') && nd[1].length > 8192, 'the record b is the case under test');

  const s = run(['--summary'], input);
  assert.equal(s.code, 0, s.err);
  const got = parseSummary(s.out);
  assertSummaryMatches(got, expectedSummary([input]));
  assert.ok(got.actions.some((r) => r.value === 'ListDistributions'), s.out);

  const strict = run(['--strict'], input);
  assert.equal(strict.code, 1);
  assert.equal(strict.out, `${nd[0]}\n${nd[1]}\n`);
  assert.ok(strict.err.includes(whole.errors[0]['error.message']), strict.err);
});

test('--geoip FILE (repeatable) looks source.ip up offline; a bad file is a usage error naming it', async () => {
  const { geoipDb } = await import('./geoip-dbs.mjs');
  const rec = JSON.stringify({ eventVersion: '1.08', eventName: 'GetDistribution', sourceIPAddress: '81.2.69.142' });
  const r = run(['--geoip', geoipDb('city'), '--geoip', geoipDb('asn')], rec);
  assert.equal(r.code, 0, r.err);
  const [doc] = lines(r.out);
  assert.equal(doc['source.geo.city_name'], 'London');
  assert.equal(doc['source.as.number'], 20712);
  const ecs = lines(run(['--geoip', geoipDb('city'), '--profile', 'ecs'], rec).out)[0];
  assert.deepEqual(ecs.source.geo.location, { lat: 51.5142, lon: -0.0931 });
  assert.equal(lines(run([], rec).out)[0]['source.geo.city_name'], undefined);
  const bad = run(['--geoip', SAMPLE], rec);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /option: geoip \(.*cloudfront-sample\.json\): not a MaxMind DB \(\.mmdb\) database/);
  assert.equal(run(['--geoip', ''], rec).code, 2);
});
