// transformMany(records, options) must give, for every record, exactly what transform(record,
// options) gives (same flat object, same key order), or in place of a throw an error entry with
// the same message and kind; never throw for one bad record; one result per record; and cross
// into WebAssembly once per chunk of records, not once per record. Records: every CloudTrail-looking object
// in tests/fixtures (as objects, as JSON text and as bytes), every NDJSON line there as text,
// and bad ones. Needs `npm run build` (scripts/test.sh runs it first).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudTrailError } from '../../js/core.mjs';
import { countedApi } from './counted-api.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const FIXTURES = here('../fixtures');

const { api, calls } = countedApi();
const resetCalls = () => {
  for (const k of Object.keys(calls)) delete calls[k];
};

// Every object in the fixtures that looks like a CloudTrail record (not descending into one),
// and every NDJSON line as text.
function fixtureRecords() {
  const objects = [];
  const lines = [];
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      if ('eventName' in v || 'eventVersion' in v || 'eventSource' in v) objects.push(v);
      else Object.values(v).forEach(walk);
    }
  };
  const files = [];
  const list = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) list(p);
      else if (/\.(json|ndjson)$/.test(e.name)) files.push(p);
    }
  };
  list(FIXTURES);
  for (const f of files.sort()) {
    const text = fs.readFileSync(f, 'utf8');
    if (f.endsWith('.ndjson')) {
      for (const l of text.split('\n')) if (l.trim()) lines.push(l);
      continue;
    }
    try {
      walk(JSON.parse(text));
    } catch {
      lines.push(text); // not JSON as a whole: a (bad) record text
    }
  }
  return { objects, lines };
}

const { objects, lines } = fixtureRecords();

const BAD = ['{bad', '[1]', '', '{"a":1} x', '{"a":"\ud800"}', 42, null, undefined, new Map(), [1, 2],
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), { toJSON: () => undefined },
  new Proxy({}, { ownKeys() { throw new Error('no keys'); } })];

// What transform gives for one record, or its error as the entry transformMany must hold.
function expected(rec, options) {
  try {
    return { ok: api.transform(rec, options) };
  } catch (e) {
    assert.ok(e instanceof CloudTrailError, `transform threw ${e}`);
    return { err: e };
  }
}

function check(records, options) {
  const got = api.transformMany(records, options);
  assert.equal(got.length, records.length, 'one result per record');
  let errors = 0;
  for (let i = 0; i < records.length; i++) {
    const want = expected(records[i], options);
    const label = `record ${i} with ${JSON.stringify(options)}`;
    if (want.ok) {
      assert.deepEqual(got[i], want.ok, label);
      assert.deepEqual(Object.keys(got[i]), Object.keys(want.ok), `${label}: key order`);
    } else {
      errors++;
      assert.equal(got[i]['error.message'], want.err.message, label);
      assert.equal(got[i]['error.type'], want.err.kind, label);
      assert.equal(typeof got[i]['event.original'], 'string', label);
      // The raw text as the core read it: a lone surrogate has no UTF-8 form and reads as U+FFFD.
      if (typeof records[i] === 'string') assert.equal(got[i]['event.original'], records[i].toWellFormed(), label);
    }
  }
  return errors;
}

const OPTIONS = [undefined, { enrich: false }, { separator: '/' }, { maxDepth: 3 }, { profile: 'ecs' }, { profile: 'ocsf' }, { salvage: true }];

test('the fixtures hold enough records to mean something', () => {
  assert.ok(objects.length >= 50, `${objects.length} record objects`);
  assert.ok(lines.length >= 10, `${lines.length} NDJSON lines`);
});

for (const options of OPTIONS) {
  test(`transformMany equals transform per record on every fixture, ${JSON.stringify(options)}`, () => {
    const enc = new TextEncoder();
    const mixed = [];
    for (const o of objects) mixed.push(o, JSON.stringify(o), enc.encode(JSON.stringify(o)));
    mixed.push(...lines, ...BAD);
    const errors = check(mixed, options);
    assert.ok(errors >= BAD.length, `${errors} error entries`);
  });
}

test('bad records become error entries in place; the others come out', () => {
  const good = objects[0];
  const recs = ['{bad', good, 7, JSON.stringify(good), '[1]'];
  const got = api.transformMany(recs);
  assert.equal(got.length, 5);
  assert.equal(got[0]['error.type'], 'syntax');
  assert.equal(got[0]['event.original'], '{bad');
  assert.deepEqual(got[1], api.transform(good));
  assert.equal(got[2]['error.type'], 'record');
  assert.deepEqual(got[3], api.transform(good));
  assert.equal(got[4]['error.type'], 'record');
  assert.deepEqual(api.transformMany([]), []);
});

// Record objects take transform's fast route, their views crossing together (factsMany); texts
// cross whole (transformMany). Some fixture objects are not CloudTrail records the fast route
// takes (maxDepth, toJSON, ...): those cross as text, so the counts are per route.
test('one crossing per chunk of records, not per record', () => {
  const recs = objects.slice(0, 40);
  for (const [batch, crossing] of [[recs, 'factsMany'], [recs.map((r) => JSON.stringify(r)), 'transformMany']]) {
    resetCalls();
    api.transformMany(batch);
    const perRecord = (calls.factsBytes ?? 0) + (calls.transformText ?? 0) + (calls.transformBytes ?? 0);
    assert.equal(perRecord, 0, JSON.stringify(calls));
    assert.equal(calls[crossing], 1, JSON.stringify(calls));
  }
  // Past a chunk (256 records): more crossings, still far fewer than records, same results.
  const many = Array.from({ length: 600 }, (_, i) => objects[i % objects.length]);
  // (Views are small, and their chunks smaller: 64 views, 256 texts.)
  for (const [batch, crossing, chunks] of [[many, 'factsMany', 10], [many.map((r) => JSON.stringify(r)), 'transformMany', 3]]) {
    resetCalls();
    const got = api.transformMany(batch);
    assert.equal(calls[crossing], chunks, JSON.stringify(calls));
    assert.equal(got.length, 600);
    assert.deepEqual(got[599], api.transform(many[599]));
  }
  // With enrich off the fast route does not cross at all.
  resetCalls();
  api.transformMany(recs, { enrich: false });
  assert.equal((calls.factsMany ?? 0) + (calls.factsBytes ?? 0), 0, JSON.stringify(calls));
});

test('caller errors throw: not an array, bad options', () => {
  assert.throws(() => api.transformMany('{}'), (e) => e instanceof CloudTrailError && e.kind === 'input');
  assert.throws(() => api.transformMany({ length: 1, 0: {} }), (e) => e.kind === 'input');
  assert.throws(() => api.transformMany([{}], { bogus: 1 }), (e) => e instanceof CloudTrailError && e.kind === 'option');
  assert.throws(() => api.transformMany([], { maxDepth: 0 }), (e) => e.kind === 'option');
  assert.throws(() => api.transformMany(['{}'], { profile: 'nope' }), (e) => e.kind === 'option');
});
