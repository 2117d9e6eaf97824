// The cloudfront-trail CLI: files, stdin, .gz, bad records, missing files, --help.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as ct from '../../js/node.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here('../../js/cli.mjs');
const SAMPLE = here('../../examples/cloudfront-sample.json');
const BROKEN = here('../fixtures/js/broken-middle.ndjson');

function run(args, input) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const lines = (s) => s.trim().split('\n').map((l) => JSON.parse(l));

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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-cli-'));
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
    assert.equal(run([gz, BROKEN]).out, expected + ct.transformLogToNdjson(fs.readFileSync(BROKEN)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad records: error entries in the output, a count on stderr, exit 0', () => {
  const r = run([BROKEN]);
  assert.equal(r.code, 0, r.err);
  const out = lines(r.out);
  assert.equal(out.length, 3);
  assert.ok('error.message' in out[1]);
  assert.match(r.err, /1 bad record\b/);
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
  for (const word of ['Usage: cloudfront-trail', '--profile flat|ecs|ocsf', '--no-enrich', '--arrays', 'stdin', 'error.message']) {
    assert.ok(h.out.includes(word), word);
  }
  const bad = run(['--frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown option --frobnicate/);
  const badValue = run(['--profile', 'xml', SAMPLE]);
  assert.equal(badValue.code, 2);
  assert.match(badValue.err, /unknown profile/);
  assert.equal(run(['--max-depth', 'deep']).code, 2);
});
