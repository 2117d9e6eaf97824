// Change tracking (docs/SCHEMA.md, "Change tracking") through every JS way of reading a log:
// transformLog, transformLogToNdjson, createSplitter fed in small chunks, createTransformStream
// and the CLI give the same cloudfront.change.* keys for the same records; track: false and the
// one-record transform give none.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTransformStream } from '../../js/stream.mjs';
import * as ct from '../../js/node.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const FIXTURE_PATH = here('../fixtures/track/distribution-lifecycle.json');
const FIXTURE = fs.readFileSync(FIXTURE_PATH);

/** The cloudfront.change.* keys of each record, in order. */
const changes = (records) => records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k.startsWith('cloudfront.change.'))));
const lines = (s) => s.split('\n').filter(Boolean).map((l) => JSON.parse(l));

function* chunks(buf, n) {
  for (let i = 0; i < buf.length; i += n) yield buf.subarray(i, i + n);
}

const WANT = changes(ct.transformLog(FIXTURE).records);

test('transformLog tracks: a create, a read and two updates of one distribution', () => {
  assert.deepEqual(WANT.map((c) => c['cloudfront.change.state']), ['first_seen', 'unchanged', 'changed', 'changed', undefined, 'out_of_order', 'first_seen']);
  assert.deepEqual(WANT[2]['cloudfront.change.flags'], ['alias_added', 'logging_turned_off', 'origin_added']);
  assert.deepEqual(WANT[3]['cloudfront.change.diff'].find((d) => d.key === 'enabled'), { key: 'enabled', before: true, after: false });
  assert.equal(WANT[3]['cloudfront.change.previous.event_id'], '11111111-0000-4000-8000-000000000003');
});

test('transformLogToNdjson, createSplitter in 13-byte chunks and the stream give the same change keys', async () => {
  assert.deepEqual(changes(lines(ct.transformLogToNdjson(FIXTURE))), WANT);
  const sp = ct.createSplitter();
  let text = '';
  for (const c of chunks(FIXTURE, 13)) text += sp.push(c);
  text += sp.finish();
  sp.free();
  assert.deepEqual(changes(lines(text)), WANT);
  const s = createTransformStream();
  const out = [];
  s.on('data', (d) => out.push(d));
  await pipeline(Readable.from(chunks(FIXTURE, 101)), s);
  assert.deepEqual(changes(out), WANT);
});

test('the CLI tracks by default; --no-track and track: false turn it off; transform has no history', () => {
  const cli = (args) => {
    const r = spawnSync(process.execPath, [here('../../js/cli.mjs'), '--format', 'ndjson', ...args, FIXTURE_PATH], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    return changes(lines(r.stdout));
  };
  assert.deepEqual(cli([]), WANT);
  const none = WANT.map(() => ({}));
  assert.deepEqual(cli(['--no-track']), none);
  assert.deepEqual(changes(ct.transformLog(FIXTURE, { track: false }).records), none);
  const records = JSON.parse(FIXTURE.toString()).Records;
  assert.deepEqual(changes(records.map((r) => ct.transform(r))), none);
  assert.deepEqual(changes(records.map((r) => ct.transform(JSON.stringify(r)))), none);
});

test('option checks: track must be a boolean, trackMaxResources a count', () => {
  assert.throws(() => ct.transformLog(FIXTURE, { track: 'no' }), { kind: 'option', message: /track must be true or false/ });
  assert.throws(() => ct.transformLog(FIXTURE, { trackMaxResources: -1 }), { kind: 'option', message: /trackMaxResources must be a non-negative integer/ });
  // With room for no resource, nothing is ever known before.
  const states = changes(ct.transformLog(FIXTURE, { trackMaxResources: 0 }).records).map((c) => c['cloudfront.change.state']);
  assert.deepEqual(states, ['first_seen', 'first_seen', 'first_seen', 'first_seen', undefined, 'first_seen', 'first_seen']);
});

test('across files: the CLI, streams sharing `history` and carryHistoryFrom continue the tracking', async () => {
  const records = JSON.parse(FIXTURE.toString()).Records;
  const dir = fs.mkdtempSync(`${os.tmpdir()}/ct-track-`);
  const files = [records.slice(0, 2), records.slice(2)].map((rs, i) => {
    const f = `${dir}/part-${i}.json`;
    fs.writeFileSync(f, JSON.stringify({ Records: rs }));
    return f;
  });
  const r = spawnSync(process.execPath, [here('../../js/cli.mjs'), '--format', 'ndjson', ...files], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(changes(lines(r.stdout)), WANT);

  const history = {};
  const out = [];
  for (const f of files) {
    const s = createTransformStream({ history });
    s.on('data', (d) => out.push(d));
    await pipeline(fs.createReadStream(f), s);
  }
  assert.deepEqual(changes(out), WANT);
  history.splitter.free();
  // Without a shared history, the second file starts from nothing.
  const alone = changes(ct.transformLog(fs.readFileSync(files[1])).records);
  assert.equal(alone[0]['cloudfront.change.state'], 'first_seen');

  const a = ct.createSplitter();
  let text = a.push(fs.readFileSync(files[0])) + a.finish();
  const b = ct.createSplitter();
  b.carryHistoryFrom(a);
  a.free();
  text += b.push(fs.readFileSync(files[1])) + b.finish();
  b.free();
  assert.deepEqual(changes(lines(text)), WANT);
  assert.throws(() => ct.createSplitter().carryHistoryFrom(a), { kind: 'input', message: /before it is freed/ });
  assert.throws(() => ct.createSplitter().carryHistoryFrom({}), { kind: 'input' });
  assert.throws(() => createTransformStream({ history: 'x' }), { kind: 'option' });
  fs.rmSync(dir, { recursive: true });
});
