// transform(object) must give exactly what transform(JSON.stringify(object)) gives: same flat
// object, same key order at every level, same error kind and message. The text route (core
// alone) is the reference; the object route may take a JS fast path or fall back to it.
// Needs `npm run build` (scripts/test.sh runs it first).
// Replay one random case: CT_SEED=<seed> node --test tests/js/transform-object.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { CloudTrailError } from '../../js/core.mjs';
import { countedApi } from './counted-api.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const SAMPLES = here('../../../shared/samples');

// ---------------------------------------------------------------------------------------------
// The api under test, every glue function counted (tests/js/counted-api.mjs).
const { api, calls } = countedApi();
// The old route for an object, and the whole route for text and bytes.
const oldRoute = () => (calls.transformText ?? 0) + (calls.transformBytes ?? 0);
// Object calls by route, for the diagnostics (a parity test whose cases all fall back proves little).
const routes = { fast: 0, old: 0 };

// ---------------------------------------------------------------------------------------------
// Option sets every record is run with; the second list holds options a fast path may not
// mirror (it must then fall back). OPTION_EDGES (bounds, invalid values: the same error both
// ways) do not depend on the record, so a dedicated test runs them on a few records only.

const OPTIONS = [undefined, { enrich: false }, { separator: '/' }, { separator: '→' }, { maxDepth: 3 },
  { maxFields: 5 }, { arrays: 'index' }, { profile: 'ecs' }];
const MORE_OPTIONS = [
  { profile: 'ocsf' }, { profile: 'flat', enrich: true, separator: '.', arrays: 'keep' },
  { enrich: false, arrays: 'index', separator: '/' }, { maxDepth: 1, maxFields: 2 }, { separator: '𝒳' },
  { separator: '0', arrays: 'index' }, { separator: '\ud800' }, { separator: ' ', maxDepth: 2 },
  { profile: 'ecs', enrich: false }, { maxFields: 10000, maxDepth: 32 },
  { maxDepth: 500 }, { maxDepth: 501 }, { maxFields: 2 ** 32 - 1 }, { enrich: null, bogus: null },
  { highWaterMark: 5, bytes: true, ndjson: true }, { separator: '\u007f' }, { separator: '\u2028' },
];
const OPTION_EDGES = [
  { maxFields: 2 ** 32 }, { maxFields: 2 ** 53 }, { maxFields: 2 }, { maxFields: 1 }, { maxFields: 0 }, { maxFields: -1 }, { maxFields: 1.5 },
  { maxFields: '5' }, { maxDepth: 0 }, { maxDepth: 1 }, { maxDepth: 511 }, { maxDepth: 512 }, { maxDepth: 513 }, { maxDepth: 2 ** 32 },
  { maxDepth: 2 ** 32 + 1 }, { maxDepth: true }, { separator: '~' }, { separator: '"' }, { separator: '\\' }, { separator: '' }, { separator: '..' },
  { separator: '\n' }, { separator: '\u001f' }, { separator: '\u0085' }, { separator: '\ud800' }, { separator: '\udc00' }, { separator: 1 },
  { enrich: 'false' }, { enrich: 0 }, { arrays: 'keep', profile: 'xml' }, { arrays: 'KEEP' }, { profile: 'FLAT' }, { bogus: 1 },
  { strict: 'yes' }, { maxRecordBytes: -1 }, { maxDecompressedBytes: 1.5 }, JSON.parse('{"__proto__":{"enrich":false}}'),
  Object.create({ enrich: false }), Object.assign(Object.create(null), { separator: '/' }), [1], 'flat', 0, false,
];
const ALL_OPTIONS = [...OPTIONS, ...MORE_OPTIONS];
const show = (o) => (o === undefined ? 'default' : JSON.stringify(o));

// ---------------------------------------------------------------------------------------------
// Comparison.

function run(fn) {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

// What JSON.parse gives, checked beyond deepStrictEqual: own keys in the same order (symbols
// and non-enumerable ones included), plain writable data properties, extensible, same prototype.
function sameShape(a, b, where) {
  if (a === null || typeof a !== 'object') return;
  assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b), `${where}: prototype`);
  assert.equal(Object.isExtensible(a), Object.isExtensible(b), `${where}: extensible`);
  const ka = Reflect.ownKeys(a);
  assert.deepStrictEqual(ka, Reflect.ownKeys(b), `${where}: own keys or their order differ`);
  for (const k of ka) {
    const da = Object.getOwnPropertyDescriptor(a, k);
    const db = Object.getOwnPropertyDescriptor(b, k);
    assert.deepStrictEqual({ ...da, value: undefined }, { ...db, value: undefined }, `${where}[${String(k)}]: descriptor`);
    if (k !== 'length' || !Array.isArray(a)) sameShape(da.value, db.value, `${where}[${JSON.stringify(String(k))}]`);
  }
}

// Every object reachable from `root` through own data properties (getters are not called),
// iteratively so a very deep input does not overflow the stack.
function reachable(root) {
  const seen = new Set();
  const stack = [root];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) continue;
    seen.add(v);
    let keys;
    try {
      keys = Reflect.ownKeys(v);
    } catch {
      continue;
    }
    for (const k of keys) {
      const d = Reflect.getOwnPropertyDescriptor(v, k);
      if (d && 'value' in d) stack.push(d.value);
    }
  }
  return seen;
}

// A before/after picture of the input: structuredClone where it works, else JSON text.
function snapshot(x) {
  try {
    return { clone: structuredClone(x) };
  } catch {
    try {
      return { text: JSON.stringify(x) };
    } catch {
      return null;
    }
  }
}

function assertUnchanged(x, before, where) {
  if (!before) return;
  if ('clone' in before) {
    const now = structuredClone(x);
    // deepStrictEqual calls two Invalid Dates different; inspect shows -0, NaN and dates exactly.
    if (util.isDeepStrictEqual(now, before.clone)) return;
    const opts = { depth: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity, showHidden: true };
    assert.equal(util.inspect(now, opts), util.inspect(before.clone, opts), `${where}: the input was modified`);
  } else assert.equal(JSON.stringify(x), before.text, `${where}: the input was modified`);
}

/**
 * transform(x, opts) against transform(JSON.stringify(x), opts). Throws an AssertionError naming
 * `label` and the options. `kindOnly`: the inputs never reach the core on the object route (a
 * top-level non-object), so only the error kind can be compared.
 */
function assertParity(x, opts, label, { kindOnly = false, noSnapshot = false } = {}) {
  const where = `${label} with ${show(opts)}`;
  const before = noSnapshot ? null : snapshot(x);
  const text = run(() => JSON.stringify(x));
  const n = oldRoute();
  const got = run(() => api.transform(x, opts));
  if (got.ok) routes[oldRoute() === n ? 'fast' : 'old'] += 1;
  if (!text.ok) {
    // No reference text exists (BigInt, a cycle, a throwing getter): the record cannot be read.
    assert.ok(!got.ok, `${where}: JSON.stringify throws (${text.error.message}) but transform returned`);
    assert.ok(got.error instanceof CloudTrailError, `${where}: not a CloudTrailError: ${got.error}`);
    assert.equal(got.error.kind, 'record', `${where}: ${got.error.message}`);
    assertUnchanged(x, before, where);
    return got;
  }
  const ref = run(() => api.transform(text.value, opts));
  if (!ref.ok) {
    assert.ok(ref.error instanceof CloudTrailError, `${where}: reference threw a non-CloudTrailError ${ref.error}`);
    assert.ok(!got.ok, `${where}: the text throws ${ref.error.kind} (${ref.error.message}) but the object gave `
      + `${util.inspect(got.value, { depth: 3, maxStringLength: 200 })}`);
    assert.ok(got.error instanceof CloudTrailError, `${where}: not a CloudTrailError: ${got.error && got.error.stack}`);
    assert.equal(got.error.kind, ref.error.kind, `${where}: kind (object: ${got.error.message}; text: ${ref.error.message})`);
    if (!kindOnly) assert.equal(got.error.message, ref.error.message, `${where}: message`);
    assertUnchanged(x, before, where);
    return got;
  }
  assert.ok(got.ok, `${where}: the text transforms but the object throws ${got.error && got.error.stack}`);
  assert.deepStrictEqual(got.value, ref.value, `${where}: flat objects differ`);
  sameShape(got.value, ref.value, where);
  assertUnchanged(x, before, where);
  // Nothing in the output is an object of the input (mutating the output must not reach it).
  const inputs = reachable(x);
  for (const o of reachable(got.value)) assert.ok(!inputs.has(o), `${where}: the output shares an object with the input`);
  return got;
}

// Options whose parity fails are collected per record so one failing record shows them all.
function assertParityAll(x, label, optionSets = ALL_OPTIONS, flags = {}) {
  const failures = [];
  for (const o of optionSets) {
    try {
      assertParity(x, o, label, flags);
    } catch (e) {
      if (!(e instanceof assert.AssertionError)) throw e;
      failures.push(e.message);
    }
  }
  if (failures.length) assert.fail(`${failures.length} option set(s) failed:\n${failures.join('\n---\n')}`);
}

// Own enumerable data property, whatever the name (`__proto__` included).
function put(o, k, v) {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

// Reports how many successful object calls in `fn` took each route.
function noteRoutes(t, fn) {
  const before = { ...routes };
  try {
    return fn();
  } finally {
    t.diagnostic(`object calls: ${routes.fast - before.fast} fast route, ${routes.old - before.old} old route`);
  }
}

function withPrototypeWatch(fn) {
  const names = Object.getOwnPropertyNames(Object.prototype).sort();
  const proto = Object.getPrototypeOf({});
  fn();
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), names, 'Object.prototype gained properties');
  assert.equal(Object.getPrototypeOf({}), proto);
  assert.equal({}.polluted, undefined, 'Object.prototype polluted');
  assert.equal({}.x, undefined, 'Object.prototype polluted');
}

// ---------------------------------------------------------------------------------------------
// Records the repository has.

const RECORD = {
  eventVersion: '1.09',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/web', accountId: '111122223333', accessKeyId: 'AKIAEXAMPLEKEY' },
  eventTime: '2024-03-14T11:31:09Z',
  eventSource: 'cloudfront.amazonaws.com',
  eventName: 'CreateInvalidation2020_05_31',
  awsRegion: 'us-east-1',
  sourceIPAddress: '203.0.113.7',
  userAgent: 'aws-cli/2.15.0 Python/3.11',
  requestParameters: { distributionId: 'E2QWRUHEXAMPLE', invalidationBatch: { paths: { quantity: 1, items: ['/*'] } } },
  responseElements: null,
};

// Records inside a parsed file, whatever its shape: the value itself when it is an object (a
// `{"Records":[...]}` wrapper is a valid record too), Records/array elements, EventBridge
// `detail`, CloudWatch Logs `logEvents[].message` (JSON text) and `{data: ...}` wrappers.
function recordsIn(v, out = []) {
  if (Array.isArray(v)) {
    for (const e of v) recordsIn(e, out);
    return out;
  }
  if (v === null || typeof v !== 'object') return out;
  out.push(v);
  if (Array.isArray(v.Records)) recordsIn(v.Records, out);
  if (v.detail && typeof v.detail === 'object') recordsIn(v.detail, out);
  if (v.data && typeof v.data === 'object') recordsIn(v.data, out);
  if (Array.isArray(v.logEvents)) {
    for (const e of v.logEvents) {
      if (e && typeof e.message === 'string') {
        const m = run(() => JSON.parse(e.message));
        if (m.ok) recordsIn(m.value, out);
      }
    }
  }
  return out;
}

// A file's records: gzip unwrapped, whole-file JSON, else NDJSON lines and ```json blocks that
// parse; the rest (invalid on purpose, prose) is skipped.
function recordsOfFile(file) {
  let bytes = fs.readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const g = run(() => zlib.gunzipSync(bytes));
    if (!g.ok) return [];
    bytes = g.value;
  }
  const text = bytes.toString('utf8');
  const whole = run(() => JSON.parse(text));
  if (whole.ok) return recordsIn(whole.value);
  const out = [];
  const pieces = [...text.split('\n'), ...[...text.matchAll(/```json\s*\n([\s\S]*?)```/g)].map((m) => m[1])];
  for (const piece of pieces) {
    if (!piece.trim()) continue;
    const p = run(() => JSON.parse(piece));
    if (p.ok) recordsIn(p.value, out);
  }
  return out;
}

function filesUnder(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

const repoFiles = [
  ...filesUnder(here('../fixtures/enrich')),
  ...filesUnder(here('../fixtures/js')),
  ...filesUnder(here('../fixtures/profiles')).filter((f) => !f.includes('.expected.')),
  here('../../examples/cloudfront-sample.json'),
];

// ---------------------------------------------------------------------------------------------
// 1. The route.

test('route: the counting wrapper sees the old route (text, and objects before the fast path)', () => {
  const before = calls.transformText ?? 0;
  api.transform(JSON.stringify(RECORD));
  assert.equal((calls.transformText ?? 0) - before, 1, 'transformText counted once for text input');
});

test('route: ordinary records with default, {enrich:false} and {separator:"/"} do not call transformText/transformBytes', () => {
  const records = [RECORD, ...recordsOfFile(here('../../examples/cloudfront-sample.json'))
    .filter((r) => !Array.isArray(r.Records)), ...recordsOfFile(here('../fixtures/enrich/cloudfront.json'))
    .filter((r) => !Array.isArray(r.Records))];
  assert.ok(records.length > 10, 'fixtures found');
  const slow = [];
  for (const o of [undefined, { enrich: false }, { separator: '/' }]) {
    for (const r of records) {
      const n = oldRoute();
      api.transform(r, o);
      if (oldRoute() !== n) slow.push(`${r.eventID ?? r.eventName} with ${show(o)}`);
    }
  }
  assert.deepEqual(slow, [], `${slow.length} of ${records.length * 3} calls took the stringify → transformText route`);
});

test('route: with enrich off a record object never crosses into WebAssembly (not even for the spec)', () => {
  const fresh = countedApi();
  const records = [RECORD, ...recordsOfFile(here('../../examples/cloudfront-sample.json')).filter((r) => !Array.isArray(r.Records))];
  for (const r of records) {
    const got = fresh.api.transform(r, { enrich: false });
    assert.deepEqual(got, api.transform(JSON.stringify(r), { enrich: false }));
  }
  assert.deepEqual({ ...fresh.calls }, {}, 'glue functions called');
});

test('route: a record with nothing enrichment reads crosses once, then its facts are reused', () => {
  const fresh = countedApi();
  const records = [{ a: 1 }, { b: { c: [1, 'x'] } }, {}, { '': null, x: 'y' }];
  for (let i = 0; i < 3; i++) {
    for (const r of records) {
      const got = fresh.api.transform(r);
      assert.deepEqual(got, api.transform(JSON.stringify(r)));
      assert.equal(got['error.type'], 'not_cloudtrail', 'marked as not CloudTrail');
    }
  }
  assert.equal(fresh.calls.factsBytes, 1, 'factsBytes calls');
  // Two outputs never share an object.
  const [x, y] = [fresh.api.transform({ a: 1 }), fresh.api.transform({ a: 1 })];
  for (const k of Object.keys(x)) if (x[k] !== null && typeof x[k] === 'object') assert.notEqual(x[k], y[k], k);
});

// ---------------------------------------------------------------------------------------------
// 2. Every record the repository (and ../shared/samples) has.

test('parity: every record of the repository fixtures and the bundled sample, every option set', (t) => noteRoutes(t, () => {
  let n = 0;
  const failures = [];
  for (const f of repoFiles) {
    const records = recordsOfFile(f);
    if (!f.endsWith('broken-middle.ndjson')) assert.ok(records.length > 0, `no record read from ${f}`);
    records.forEach((r, i) => {
      n += 1;
      try {
        assertParityAll(r, `${path.relative(here('../..'), f)}#${i}`);
      } catch (e) {
        failures.push(e.message);
      }
    });
  }
  assert.ok(n > 50, `only ${n} records read`);
  assert.deepEqual(failures, []);
}));

test('parity: every record of every file under ../shared/samples', (t) => noteRoutes(t, () => {
  if (!fs.existsSync(SAMPLES)) {
    t.skip('../shared/samples not present');
    return;
  }
  let n = 0;
  const failures = [];
  for (const f of filesUnder(SAMPLES)) {
    recordsOfFile(f).forEach((r, i) => {
      n += 1;
      try {
        assertParityAll(r, `samples/${path.relative(SAMPLES, f)}#${i}`);
      } catch (e) {
        failures.push(e.message);
      }
    });
  }
  assert.ok(n > 0, 'no record read from ../shared/samples');
  assert.deepEqual(failures, []);
}));

// ---------------------------------------------------------------------------------------------
// 3. Hostile and edge objects.

const nested = (depth, leaf, key = 'x') => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = { [key]: v };
  return v;
};
const nestedArrays = (depth, leaf) => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

class Distribution {
  constructor() {
    this.id = 'E2QWRUHEXAMPLE';
    this.enabled = true;
  }

  get arn() {
    return `arn:aws:cloudfront::111122223333:distribution/${this.id}`;
  }
}

const HOSTILE = {
  '__proto__ at top level with a scalar value': () => put({ eventName: 'GetDistribution2020_05_31' }, '__proto__', 'x'),
  '__proto__ at top level with an object value': () => put({ eventName: 'GetDistribution2020_05_31' }, '__proto__', { polluted: 'yes', x: 1 }),
  '__proto__ nested': () => ({ requestParameters: put({ a: 1 }, '__proto__', put({ polluted: 'yes' }, '__proto__', { x: 2 })) }),
  '__proto__ inside array elements': () => ({ tags: [put({}, '__proto__', { polluted: 'yes' }), put({ k: 1 }, '__proto__', 5), [put({}, '__proto__', [])]] }),
  '__proto__ from JSON.parse': () => JSON.parse('{"__proto__":{"polluted":"yes"},"a":{"__proto__":null},"b":[{"__proto__":1}]}'),
  'constructor, prototype and Object.prototype names as keys': () => ({
    constructor: { prototype: { polluted: 'yes' } }, prototype: 1, hasOwnProperty: 'no', valueOf: 2, toString: 'str',
    isPrototypeOf: null, __defineGetter__: [], __lookupSetter__: {}, propertyIsEnumerable: true,
  }),
  'toJSON as a string member': () => ({ toJSON: 'not a function', a: { toJSON: 'neither' }, eventName: 'ListDistributions2020_05_31' }),
  'keys with the separator, ~, ~0, ~1, / and →': () => ({
    'a.b': { 'c~d': 1 }, a: { b: { 'c~d': 2 } }, '~': 3, '~0': 4, '~1': 5, '~01': 6, 'x/y': { '/': 7, '→': 8 }, '→': { 'a→b': 9 },
    '..': 10, '.': { '.': 11 }, '~~': 12, 'a~1b': 13,
  }),
  'empty keys at every level': () => ({ '': { '': { '': 1 } }, a: { '': [{ '': 2 }] }, ' ': 3 }),
  'integer-like keys mixed with others': () => ({
    z: 1, 10: 'ten', 1: 'one', '-1': 'minus', '01': 'lead', 0: 'zero', a: { 2: 'b', 1: 'a', x: 'x', 4294967294: 'max', 4294967295: 'over', 9007199254740993: 'big' },
    '1.5': 'frac', ' 1': 'space', '1e3': 'exp', eventName: 'GetDistribution2020_05_31',
  }),
  'a record key that collides with an enrichment key': () => ({
    eventName: 'UpdateDistribution2020_05_31', event: { action: 'x', outcome: 'made-up' }, 'cloud.provider': 'gcp',
    cloud: { region: 'mars-1' }, '@timestamp': 'never', eventTime: '2024-01-01T00:00:00Z', 'event.action': 'dotted',
  }),
  'non-ASCII and astral keys and values': () => ({
    'clé': 'été', 'キー': '値', '𝒳𝒴': { '😀': '𝄞 music', 'e\u0301': 'combining' }, userAgent: 'Mozilla/5.0 (Ünïcödé) 🚀',
    eventName: 'Créer', 'ﬀ': '\u00ad\u200b\u2028\u2029\ufeff', nul: '\u0000\u0001\u001f\u007f',
  }),
  'lone surrogates in keys and values': () => ({
    '\ud800': 'lone high key', '\udc00': { '\udfff': 1 }, a: '\ud800', b: 'x\udc00y', c: ['\ud83d', '\ude00'],
    '\ud83d\ude00': 'pair', eventName: 'Get\ud800Distribution', sourceIPAddress: '\udc00', userAgent: 'a\ud800',
  }),
  'numbers JSON cannot hold or holds badly': () => ({
    negZero: -0, nan: NaN, inf: Infinity, ninf: -Infinity, max: 1e308, min: 5e-324, big: 2 ** 53 + 1, nbig: -(2 ** 53) - 2,
    frac: 0.1 + 0.2, e21: 1e21, small: 1e-7, arr: [-0, NaN, Infinity, 1e308], nested: { z: -0 },
  }),
  'enrichment sources with non-JSON values': () => ({
    eventName: { toJSON: () => 'DeleteDistribution2020_05_31' }, eventTime: new Date(Date.UTC(2024, 1, 29, 23, 30)),
    errorCode: NaN, errorMessage: undefined, readOnly: new Boolean(false), sourceIPAddress: new String('198.51.100.1'),
    userIdentity: { accountId: new Number(111122223333), type: undefined, arn: () => 'fn' }, eventSource: -0,
    recipientAccountId: Infinity, awsRegion: Symbol('r'),
  }),
  'undefined, functions and symbols as members and array elements': () => ({
    a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 1, Symbol('s'), 1], e: { f: undefined }, [Symbol('k')]: 'symbol key',
  }),
  'array holes': () => ({ a: [1, , 3], b: new Array(3), c: [, { x: 1 }, ,], eventName: 'GetDistribution2020_05_31' }), // eslint-disable-line no-sparse-arrays
  'empty objects and arrays at every level': () => ({
    a: {}, b: [], c: { d: {}, e: [], f: { g: {} } }, h: [{}, [], [[]], [{}], { i: [] }], j: [[], {}], '': {},
  }),
  'arrays of arrays of objects': () => ({
    a: [[{ x: { y: 1 } }, { z: [[{ w: 2 }]] }], [[], [[{ v: { u: [] } }]]]],
    requestParameters: { distributionConfig: { origins: { items: [[{ id: 'o1', domainName: 'a.example' }]] } } },
  }),
  'objects nested 40 deep (beyond maxDepth 32)': () => ({ eventName: 'GetDistribution2020_05_31', deep: nested(40, { leaf: [1, { z: 'é' }] }) }),
  'objects nested 32 and 33 deep': () => ({ a: nested(31, { b: 1 }), c: nested(32, { d: 1 }), e: nested(33, {}) }),
  'arrays at the maxDepth boundary': () => ({
    a: nested(30, { s: [1, 2], o: [{ p: 1 }], n: [[1], [{ q: 2 }]], e: [] }), b: nested(31, { s: [1], o: [{ p: 1 }], e: [[]] }),
    c: nested(32, { s: [1] }), d: [nested(29, { s: [{ t: [1] }] })], f: nested(1, [nested(1, [nested(1, { g: [2] })])]),
  }),
  'arrays nested 600 deep (beyond the nesting limit)': () => ({ eventName: 'GetDistribution2020_05_31', deep: nestedArrays(600, 1) }),
  'objects nested 600 deep (beyond the nesting limit)': () => ({ deep: nested(600, 1) }),
  'arrays nested 511 deep (at the nesting limit)': () => ({ deep: nestedArrays(510, 1) }),
  'a record with 12,000 fields (beyond maxFields)': () => {
    const r = { eventName: 'GetDistribution2020_05_31', eventSource: 'cloudfront.amazonaws.com' };
    for (let i = 0; i < 12000; i++) r[`f${i}`] = i % 3 ? i : { n: i };
    r.errorCode = 'AccessDenied';
    return r;
  },
  'a Date value': () => ({ eventTime: new Date(Date.UTC(2024, 2, 14, 11, 31, 9)), when: new Date(0), bad: new Date(NaN) }),
  'a Map, a Set and a RegExp value': () => ({ m: new Map([['a', 1]]), s: new Set([1]), r: /x/g, e: new Error('boom') }),
  'a class instance value (with a prototype getter)': () => ({ responseElements: { distribution: new Distribution() } }),
  'a class instance as the record': () => Object.assign(new Distribution(), { eventName: 'GetDistribution2020_05_31' }),
  'a null-prototype object as the record and as a value': () => Object.assign(Object.create(null), {
    eventName: 'GetDistribution2020_05_31', requestParameters: Object.assign(Object.create(null), { id: 'E1' }),
  }),
  'Object.create({inherited: 1})': () => Object.assign(Object.create({ inherited: 1, eventName: 'Inherited' }), { own: 2, nested: Object.create({ x: 1 }) }),
  'an object with getters': () => {
    const r = { eventSource: 'cloudfront.amazonaws.com' };
    Object.defineProperty(r, 'eventName', { get: () => 'GetDistribution2020_05_31', enumerable: true });
    Object.defineProperty(r, 'hidden', { get: () => 'not enumerable', enumerable: false });
    r.nested = { get value() { return [1, 2]; } };
    return r;
  },
  'non-enumerable members and extra array properties': () => {
    const a = [1, 2];
    a.extra = 'ignored by JSON';
    const r = { a };
    Object.defineProperty(r, 'ghost', { value: 1, enumerable: false });
    return r;
  },
  'a plain object with a toJSON function (member and record)': () => ({
    a: { toJSON: () => ({ replaced: true }) }, b: { toJSON: () => undefined }, c: { toJSON: (k) => `key:${k}` },
    eventName: 'GetDistribution2020_05_31',
  }),
  'a record whose toJSON returns another record': () => ({ ignored: 1, toJSON: () => ({ eventName: 'GetDistribution2020_05_31', x: -0 }) }),
  'boxed primitives, a Buffer and typed arrays as values': () => ({
    n: new Number(-0), s: new String('s'), b: new Boolean(false), buf: Buffer.from('hi'), u8: new Uint8Array([1, 2]),
    f64: new Float64Array([NaN, -0]), ab: new ArrayBuffer(2), dv: new DataView(new ArrayBuffer(1)),
  }),
  'a frozen record': () => Object.freeze({ eventName: 'GetDistribution2020_05_31', a: Object.freeze({ b: Object.freeze([1, Object.freeze({ c: 2 })]) }) }),
  'a sealed, non-extensible record': () => Object.seal({ eventName: 'GetDistribution2020_05_31', a: Object.preventExtensions({ b: 1 }) }),
  'arrays of many objects (fields inside arrays and maxFields)': () => ({
    eventName: 'GetDistribution2020_05_31', x: 1, y: 2, z: 3,
    items: Array.from({ length: 20 }, (_, i) => ({ a: i, b: { c: i }, d: [i, { e: i }] })),
    big: Array.from({ length: 3000 }, (_, i) => ({ [`k${i % 50}`]: i })),
  }),
  'exactly maxFields and one more': () => Object.fromEntries(Array.from({ length: 10001 }, (_, i) => [`k${i}`, i])),
  'one field short of maxFields, then an array of objects': () => ({
    ...Object.fromEntries(Array.from({ length: 9998 }, (_, i) => [`k${i}`, i])), arr: Array.from({ length: 50 }, (_, i) => ({ q: { r: i } })),
  }),
  'a 1 MB string value': () => ({ eventName: 'GetDistribution2020_05_31', big: 'é'.repeat(1 << 19), key: { ['k'.repeat(1 << 16)]: 1 } }),
  'a dictionary-mode object (many deletes, keys re-added)': () => {
    const r = {};
    for (let i = 0; i < 2000; i++) r[`k${i}`] = i;
    for (let i = 0; i < 2000; i += 2) delete r[`k${i}`];
    r.k0 = 'back, last';
    r.eventName = 'GetDistribution2020_05_31';
    return r;
  },
  'a Proxy record reporting its keys in its own order': () => new Proxy({ b: 1, a: { y: 1, x: 2 }, eventName: 'GetDistribution2020_05_31' }, {
    ownKeys: (t) => Reflect.ownKeys(t).reverse(),
  }),
  'strings JSON must escape': () => ({ q: '"', bs: '\\', ctl: '\b\f\n\r\t\u000b', slash: '</script>', a: { '"k"': '\\"', 'k\\': 1, 'k\n': 2 } }),
  'CloudFront shapes with hostile leaves': () => ({
    eventVersion: '1.09', eventSource: 'cloudfront.amazonaws.com', eventName: 'UpdateDistribution2020_05_31',
    requestParameters: {
      id: 'E1', distributionConfig: { enabled: -0, logging: { enabled: NaN }, viewerCertificate: { minimumProtocolVersion: undefined },
        origins: { items: [put({ id: 'o' }, '__proto__', 1), , { id: new String('o2') }] }, webACLId: '', // eslint-disable-line no-sparse-arrays
        restrictions: { geoRestriction: { restrictionType: 'none', items: [] } }, defaultCacheBehavior: { viewerProtocolPolicy: 'allow-all' } },
    },
    responseElements: { distribution: { id: 'E1', aRN: 'arn:aws:cloudfront::111122223333:distribution/E1', lastModifiedTime: new Date(0) } },
  }),
};

for (const [name, make] of Object.entries(HOSTILE)) {
  test(`hostile: ${name}`, (t) => noteRoutes(t, () => {
    withPrototypeWatch(() => assertParityAll(make(), name));
  }));
}

test('options: bounds and invalid values give the same result or the same error both ways', (t) => noteRoutes(t, () => {
  const failures = [];
  const records = [RECORD, HOSTILE['keys with the separator, ~, ~0, ~1, / and →'](), { eventName: 'GetDistribution2020_05_31', a: nested(5, { b: [1, { c: 2 }] }) }];
  for (const [i, x] of records.entries()) {
    for (const o of OPTION_EDGES) {
      const r = run(() => assertParity(x, o, `record ${i}`));
      if (!r.ok) failures.push(r.error.message.split('\n').slice(0, 3).join('\n'));
    }
  }
  assert.deepEqual(failures, []);
}));

test('hostile: __proto__ keys stay own data properties of a plain output object', () => {
  withPrototypeWatch(() => {
    const x = put({ a: put({}, '__proto__', { polluted: 'yes' }) }, '__proto__', 'top');
    for (const o of [{ enrich: false }, { separator: '/' }, { arrays: 'index' }]) {
      const out = api.transform(x, o);
      assert.equal(Object.getPrototypeOf(out), Object.prototype);
      assert.ok(Object.hasOwn(out, '__proto__'), `own __proto__ with ${show(o)}`);
      assert.equal(Object.getOwnPropertyDescriptor(out, '__proto__').value, 'top');
    }
    const arr = api.transform({ items: [put({}, '__proto__', { polluted: 'yes' })] }, { enrich: false });
    assert.equal(Object.getPrototypeOf(arr.items[0]), Object.prototype, 'array element keeps Object.prototype');
    assert.ok(Object.hasOwn(arr.items[0], '__proto__.polluted'));
  });
});

test('hostile: nesting beyond the limit throws kind "limit" both ways', () => {
  for (const deep of [{ d: nestedArrays(600, 1) }, { d: nested(600, 1) }, { d: [nested(300, nestedArrays(300, 0))] }]) {
    for (const o of OPTIONS) {
      assertParity(deep, o, 'too deep');
      assert.throws(() => api.transform(deep, o), (e) => e instanceof CloudTrailError && e.kind === 'limit');
    }
  }
});

test('hostile: BigInt anywhere (also past maxDepth and maxFields) and cycles throw kind "record"', () => {
  // (Throwing getters have a test of their own.)
  const cyclic = { a: {} };
  cyclic.a.self = cyclic;
  const cases = [
    { big: 1n }, { a: { b: [1, 2n] } }, { eventName: 'GetDistribution2020_05_31', deep: nested(10, { n: 5n }) },
    { ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, i])), last: 10n }, cyclic,
    { responseElements: { distribution: { id: 1n } } }, { items: [{ a: 1 }, { b: [2n] }] },
  ];
  for (const x of cases) {
    for (const o of OPTIONS) {
      const r = assertParity(x, o, 'unserialisable');
      assert.equal(r.error.kind, 'record');
    }
  }
  assert.equal(api.transform(RECORD).eventName, RECORD.eventName, 'later calls work');
});

test('hostile: 100,000 levels of objects give a CloudTrailError, not a stack overflow escaping', () => {
  // JSON.stringify itself overflows here, so there is no reference text: the old route says
  // "record" (cannot serialise); a route that sees the depth first may say "limit".
  const x = { d: nested(100000, 1) };
  for (const o of [undefined, { enrich: false }]) {
    const r = run(() => api.transform(x, o));
    assert.ok(!r.ok, 'returned a result');
    assert.ok(r.error instanceof CloudTrailError, `not a CloudTrailError: ${r.error}`);
    assert.ok(['record', 'limit'].includes(r.error.kind), r.error.message);
  }
  assert.equal(api.transform(RECORD).eventName, RECORD.eventName, 'later calls work');
});

test('hostile: top-level non-objects throw kind "record" both ways', () => {
  // These never reach the core on the object route, so the messages differ by design.
  const inputs = [[RECORD], [], null, 42, true, 'not json', Symbol('s'), () => 1, new Number(1), new String('{}')];
  for (const x of inputs) {
    for (const o of [undefined, { enrich: false }, { separator: '/' }]) {
      const r = assertParity(x, o, `top-level ${util.inspect(x, { depth: 0 })}`, { kindOnly: true });
      assert.equal(r.ok, false);
      assert.equal(r.error.kind, 'record', r.error.message);
    }
  }
  for (const x of [undefined]) {
    const r = run(() => api.transform(x));
    assert.ok(r.error instanceof CloudTrailError && r.error.kind === 'record');
  }
});

// A getter that counts its reads and answers differently each time: JSON.stringify reads it
// once, so the text route's output agrees with itself; a route reading it twice (once to
// flatten, once for the enrichment view) can write one value under the record's key and
// another in the enrichment key computed from it.
function countingGetter(values) {
  const g = { reads: 0 };
  g.descriptor = { enumerable: true, configurable: true, get: () => values[g.reads++ % values.length] };
  return g;
}

const GETTER_PLACES = [
  {
    name: 'eventName (top level)',
    values: ['GetDistribution2020_05_31', 'DeleteDistribution2020_05_31'],
    make: (d) => Object.defineProperty({ eventSource: 'cloudfront.amazonaws.com' }, 'eventName', d),
    agree: (out) => assert.equal(out['event.action'], out.eventName.replace(/\d{4}_\d{2}_\d{2}$/, '')),
  },
  {
    name: 'responseElements.cachePolicy.id',
    values: ['P1', 'P2'],
    make: (d) => ({ eventSource: 'cloudfront.amazonaws.com', eventName: 'GetCachePolicy2020_05_31', responseElements: { cachePolicy: Object.defineProperty({}, 'id', d) } }),
    agree: (out) => assert.equal(out['cloudfront.cache_policy.id'], out['responseElements.cachePolicy.id']),
  },
  {
    name: 'userIdentity.accountId',
    values: ['111122223333', '444455556666'],
    make: (d) => ({ eventName: 'GetDistribution2020_05_31', userIdentity: Object.defineProperty({ type: 'IAMUser' }, 'accountId', d) }),
    agree: (out) => assert.equal(out['cloud.account.id'], out['userIdentity.accountId']),
  },
  {
    name: 'requestParameters.invalidationBatch.paths.items (an array)',
    values: [['/a'], ['/b']],
    make: (d) => ({ eventSource: 'cloudfront.amazonaws.com', eventName: 'CreateInvalidation2020_05_31', requestParameters: { invalidationBatch: { paths: Object.defineProperty({ quantity: 1 }, 'items', d) } } }),
    agree: (out) => assert.deepEqual(out['cloudfront.invalidation.paths'], out['requestParameters.invalidationBatch.paths.items']),
  },
  {
    name: 'an element of invalidationBatch.paths.items',
    values: ['/a', '/b'],
    make: (d) => ({ eventSource: 'cloudfront.amazonaws.com', eventName: 'CreateInvalidation2020_05_31', requestParameters: { invalidationBatch: { paths: { items: Object.defineProperty(['/x', '/y'], 1, d) } } } }),
    agree: (out) => assert.deepEqual(out['cloudfront.invalidation.paths'], out['requestParameters.invalidationBatch.paths.items']),
  },
];

for (const place of GETTER_PLACES) {
  test(`hostile: a getter at ${place.name} is read once per call, so the record's value and its enrichment agree`, () => {
    for (const o of [undefined, { separator: '/' }]) {
      const g = countingGetter(place.values);
      const x = place.make(g.descriptor);
      const out = api.transform(x, o);
      assert.equal(g.reads, 1, `getter read ${g.reads} times with ${show(o)}: ${JSON.stringify(out)}`);
      // The record's keys with the default separator, to find them beside the enrichment keys.
      place.agree(Object.fromEntries(Object.entries(out).map(([k, v]) => [k.replaceAll(o?.separator ?? '.', '.'), v])));
    }
  });
}

// A member that cannot be read is a record that cannot be serialised: a CloudTrailError, as on
// the old route, wherever the getter sits.
const throwing = () => ({ enumerable: true, get() { throw new Error('getter throws'); } });
test('hostile: a throwing getter anywhere gives a CloudTrailError of kind "record"', () => {
  const cases = {
    'top level': () => Object.defineProperty({ eventName: 'GetDistribution2020_05_31' }, 'boom', throwing()),
    nested: () => ({ a: Object.defineProperty({}, 'boom', throwing()) }),
    'array element': () => ({ a: [1, Object.defineProperty([], 0, throwing())] }),
    'in responseElements': () => ({ eventName: 'GetCachePolicy2020_05_31', responseElements: { cachePolicy: Object.defineProperty({}, 'id', throwing()) } }),
    'in an object inside an array': () => ({ items: [{ ok: 1 }, Object.defineProperty({}, 'boom', throwing())] }),
  };
  const failures = [];
  for (const [name, make] of Object.entries(cases)) {
    for (const o of [undefined, { enrich: false }]) {
      const r = run(() => assertParity(make(), o, `throwing getter ${name}`));
      if (!r.ok) failures.push(r.error.message);
    }
  }
  assert.deepEqual(failures, []);
  assert.equal(api.transform(RECORD).eventName, RECORD.eventName, 'later calls work');
});

// The walker is reused between records; a getter that calls transform() inside a walk must not
// disturb the outer walk's field count (maxFields would then be missed).
test('hostile: a getter calling transform() during a walk leaves the outer call\'s maxFields intact', () => {
  for (const inner of [{ a: 1 }, { eventName: 'X', b: [1, { c: 2 }] }]) {
    const make = () => {
      const x = { k1: 1, k2: 2, k3: 3 };
      Object.defineProperty(x, 'k4', { enumerable: true, get: () => api.transform(inner, { maxFields: 5 }).a ?? 0 });
      return Object.assign(x, { k5: 5, k6: 6 });
    };
    for (const o of [{ maxFields: 5 }, { maxFields: 5, enrich: false }]) {
      const got = api.transform(make(), o);
      assert.deepEqual(got, api.transform(JSON.stringify(make()), o), `inner ${JSON.stringify(inner)}, ${show(o)}`);
      assert.ok('~overflow' in got, `${show(o)}: the rest moved to ~overflow`);
    }
  }
});

// Changes to the built-in prototypes change what JSON.stringify writes (or what for-in lists).
const ENVIRONMENTS = {
  'Object.prototype.toJSON (non-enumerable)': [Object.prototype, 'toJSON', { value() { return { replaced: Object.keys(this).length }; }, enumerable: false }],
  'Array.prototype.toJSON (non-enumerable)': [Array.prototype, 'toJSON', { value() { return this.length; }, enumerable: false }],
  'an enumerable Object.prototype member': [Object.prototype, 'polluted', { value: 'yes', enumerable: true }],
  'an enumerable Array.prototype member': [Array.prototype, 'polluted', { value: 'yes', enumerable: true }],
  'BigInt.prototype.toJSON': [BigInt.prototype, 'toJSON', { value() { return this.toString(); }, enumerable: false }],
  'String.prototype.toJSON': [String.prototype, 'toJSON', { value() { return 'wrapped'; }, enumerable: false }],
};
for (const [name, [target, key, desc]] of Object.entries(ENVIRONMENTS)) {
  test(`hostile environment: ${name}`, (t) => {
    const records = [RECORD, { eventName: 'GetDistribution2020_05_31', a: { b: [1, { c: 2 }] }, n: 5n, s: new String('x') }, HOSTILE['__proto__ nested']()];
    const failures = [];
    noteRoutes(t, () => {
      Object.defineProperty(target, key, { ...desc, configurable: true, writable: true });
      try {
        for (const [i, x] of records.entries()) {
          for (const o of [undefined, { enrich: false }, { separator: '/' }]) {
            const r = run(() => assertParity(x, o, `${name}, record ${i}`, { noSnapshot: true }));
            if (!r.ok) failures.push(r.error.message);
          }
        }
      } finally {
        delete target[key];
      }
    });
    assert.deepEqual(failures, []);
  });
}

test('interned keys: many distinct keys across calls (cache turnover) and the same keys under other separators', (t) => noteRoutes(t, () => {
  const failures = [];
  for (let r = 0; r < 8; r++) {
    const x = { eventName: 'GetDistribution2020_05_31', nested: {} };
    for (let i = 0; i < 4000; i++) x[`k${r}_${i}`] = i;
    for (let i = 0; i < 4000; i++) put(x.nested, `n${r}_${i}${i % 7 === 0 ? '.~/' : ''}`, { v: i });
    for (const o of [undefined, { separator: '/' }, { separator: '.' }]) {
      const p = run(() => assertParity(x, o, `turnover record ${r}`));
      if (!p.ok) failures.push(p.error.message.slice(0, 2000));
    }
  }
  // One member name reached by different paths and separators keeps each path's own key.
  const shared = { a: { 'x.y': 1, 'x/y': 2 }, b: { 'x.y': 3 }, 'x.y': [{ 'x.y': 4, 'x/y': { 'x.y': 5 } }] };
  for (const o of [undefined, { separator: '/' }, undefined, { separator: '→' }, { separator: '/' }]) {
    const p = run(() => assertParity(shared, o, 'shared member names'));
    if (!p.ok) failures.push(p.error.message);
  }
  assert.deepEqual(failures, []);
}));

// ---------------------------------------------------------------------------------------------
// 4. Seeded random CloudTrail-like records.

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toJSON', 'valueOf', 'a.b', '.', '~', '~0', '~1', '/', '→', 'a/b',
  '', ' ', '0', '1', '10', '-1', '01', '4294967295', 'é', '𝒳', '\ud800', '\udfff', 'event.action', 'event', 'cloud', 'length',
  '@timestamp', 'Records', 'eventName', 'errorCode', '"', '\\', '\n'];
const EVENT_NAMES = ['UpdateDistribution2020_05_31', 'CreateDistribution2020_05_31', 'GetDistribution2020_05_31', 'DeleteDistribution2020_05_31',
  'CreateInvalidation2020_05_31', 'ListDistributions2019_03_26', 'TagResource2020_05_31', 'CreateKeyValueStore2020_05_31',
  'UpdateDistribution', 'GetDistributionConfig2014_01_31', 'CreateCachePolicy2020_05_31', 'AssumeRole', 'ConsoleLogin', 'PutKey', '',
  'GetCachePolicy2020_05_31', 'CreateFunction2020_05_31', 'GetInvalidation2020_05_31', 'UpdateKeyValueStore2020_05_31',
  'AssociateAlias2020_05_31', 'UntagResource2020_05_31', 'CreateDistributionWithTags2020_05_31', 'CopyDistribution2020_05_31',
  'UpdateContinuousDeploymentPolicy2020_05_31', 'DescribeFunction2020_05_31', 'AddPermission20150331v2', 'GetFederationToken'];
const SAMPLE_STRINGS = ['E2QWRUHEXAMPLE', 'arn:aws:cloudfront::111122223333:distribution/E2QWRUHEXAMPLE', '111122223333', 'AKIAEXAMPLEKEY',
  'ASIAEXAMPLEKEY', '203.0.113.7', '2001:db8::1', 'AWS Internal', 'cloudfront.amazonaws.com', 'terraform/1.7.0 aws-sdk-go/1.50',
  'aws-cli/2.15.0', 'true', 'false', 'False', '2024-03-14T11:31:09Z', '20131102T010628Z', 'May 6, 2014 6:00:32 PM', 'AccessDenied', '200',
  'TLSv1.2_2021', 'TLSv1', 'allow-all', 'redirect-to-https', 'whitelist', 'none', 'é', '😀', '\ud800', '\u0000', '"\\', '', 'x'.repeat(300)];

function generator(seed) {
  const rnd = mulberry32(seed);
  const chance = (p) => rnd() < p;
  const int = (n) => Math.floor(rnd() * n);
  const pick = (a) => a[int(a.length)];
  // Half the records are "wild" (Dates, toJSON, boxed values, keys with lone surrogates, deep
  // nesting: what a fast route hands back to the old one); the other half keep to what a JS
  // walk can mirror (-0, NaN, undefined, holes, hostile but well-formed keys), so the
  // comparison exercises a fast route rather than its fallback.
  const wild = chance(0.5);
  const keys = wild ? HOSTILE_KEYS : HOSTILE_KEYS.filter((k) => k.isWellFormed());

  function hostileValue(depth) {
    let c = int(24);
    if (!wild && [6, 13, 14].includes(c)) c = 9;
    switch (c) {
      case 0: return -0;
      case 1: return NaN;
      case 2: return pick([Infinity, -Infinity]);
      case 3: return pick([1e308, 5e-324, 2 ** 53 + 1, -(2 ** 53), 0.1, 1e21, 123456789012]);
      case 4: return undefined;
      case 5: return pick(['\ud800', 'x\udc00', '\ud83d\ude00', '\u2028', 'ünï', '']);
      case 6: return chance(0.5) ? new Date(int(2e12)) : new Date(NaN);
      case 7: return () => 'fn';
      case 8: return Symbol('s');
      case 9: return [undefined, -0, , null]; // eslint-disable-line no-sparse-arrays
      case 10: return nested(1 + int(depth > 0 || !wild ? 6 : 45), pick([{}, [], 1, 'leaf']), pick(['x', '0', '.', '__proto__']));
      case 11: return nestedArrays(1 + int(8), pick([{ a: 1 }, [], 'v']));
      case 12: return Object.create(null);
      case 13: return pick([new Number(1), new String('s'), new Boolean(true)]);
      case 14: {
        // Chosen now: toJSON runs once per stringify, and the reference stringifies separately.
        const j = pick(['j', 1, null, { x: 1 }, undefined]);
        return { toJSON: () => j };
      }
      case 15: return Object.freeze({ frozen: [1] });
      default: return value(depth + 1);
    }
  }

  function value(depth) {
    if (depth > 6 || chance(0.35)) return pick([...SAMPLE_STRINGS, 0, 1, -1, 2.5, true, false, null]);
    if (chance(0.5)) return object(depth + 1, int(4));
    return Array.from({ length: int(4) }, () => (chance(0.1) ? hostileValue(depth + 1) : value(depth + 1)));
  }

  function object(depth, n) {
    const o = {};
    for (let i = 0; i < n; i++) put(o, chance(0.3) ? pick(keys) : pick(['id', 'name', 'items', 'quantity', 'enabled', 'k', 'v']), value(depth));
    return o;
  }

  // A member that is usually the real thing, sometimes missing, sometimes hostile; hostile keys
  // are sprinkled beside real ones.
  function fields(entries, depth) {
    const o = {};
    for (const [k, make] of entries) {
      if (chance(0.15)) continue;
      put(o, k, chance(0.06) ? hostileValue(depth) : make());
      if (chance(0.04)) put(o, pick(keys), chance(0.5) ? hostileValue(depth) : value(depth));
    }
    return o;
  }

  const s = () => pick(SAMPLE_STRINGS);
  // Any JSON type, so enrichment meets numbers, booleans, objects and arrays where it expects text.
  const any = () => pick([s, s, s, () => int(1e6), () => chance(0.5), () => null, () => ({ id: s() }), () => [s()], () => value(3)])();
  const extra = (names, depth) => names.map((k) => [k, any]).filter(() => chance(0.25)).map(([k, f]) => [k, f, depth]);
  const items = (make) => ({ quantity: 1 + int(3), items: Array.from({ length: int(4) }, make) });
  return () => fields([
    ['eventVersion', () => pick(['1.01', '1.08', '1.09', '1.10'])],
    ['userIdentity', () => fields([
      ['type', () => pick(['IAMUser', 'AssumedRole', 'Root', 'AWSService', 'FederatedUser', 'IdentityCenterUser', 'Unknown'])],
      ['principalId', s], ['arn', () => pick(['arn:aws:iam::111122223333:user/web', 'arn:aws:sts::111122223333:assumed-role/Deploy/alice', 'arn:aws:iam::111122223333:root'])],
      ['accountId', () => pick(['111122223333', 111122223333, ''])], ['accessKeyId', () => pick(['AKIAEXAMPLE', 'ASIAEXAMPLE', ''])],
      ['invokedBy', s],
      ...extra(['userName', 'identityProvider', 'credentialId', 'identityStoreArn', 'onBehalfOf'], 2),
      ['sessionContext', () => fields([
        ['attributes', () => fields([['mfaAuthenticated', () => pick(['true', 'false', 'False', true, 'yes'])], ['creationDate', s]], 3)],
        ['sessionIssuer', () => fields([['type', () => 'Role'], ['userName', () => 'Deploy'], ['arn', s], ['accountId', s]], 3)],
        ...extra(['webIdFederationData', 'sourceIdentity', 'ec2RoleDelivery'], 3),
      ], 2)],
    ], 1)],
    ['eventTime', () => pick(['2024-03-14T11:31:09Z', '2024-02-29T23:30:00.250+01:00', '2023-02-30T00:00:00Z', 'yesterday', 5])],
    ['eventSource', () => pick(['cloudfront.amazonaws.com', 'edgekeyvaluestore.amazonaws.com', 'iam.amazonaws.com', 'signin.amazonaws.com'])],
    ['eventName', () => pick(EVENT_NAMES)],
    ['awsRegion', () => pick(['us-east-1', 'eu-west-1', ''])],
    ['sourceIPAddress', () => pick(['203.0.113.7', '2001:db8::1', 'AWS Internal', 'cloudfront.amazonaws.com', '10.0.0.1, 10.0.0.2'])],
    ['userAgent', s],
    ['requestParameters', () => fields([
      ['distributionConfig', () => fields([
        ['enabled', () => pick([true, false, 'true'])], ['logging', () => fields([['enabled', () => pick([true, false])], ['bucket', s]], 3)],
        ['origins', () => items(() => fields([['id', s], ['domainName', s], ['customOriginConfig', () => fields([['originProtocolPolicy', () => 'http-only']], 5)]], 4))],
        ['viewerCertificate', () => fields([['cloudFrontDefaultCertificate', () => pick([true, false])], ['minimumProtocolVersion', s]], 3)],
        ['restrictions', () => fields([['geoRestriction', () => fields([['restrictionType', s], ['quantity', () => 0]], 4)]], 3)],
        ['webACLId', s], ['defaultCacheBehavior', () => fields([['viewerProtocolPolicy', s], ['minTTL', () => int(1000)]], 3)],
      ], 2)],
      ['distributionId', s], ['id', s], ['ifMatch', s],
      ['invalidationBatch', () => fields([['paths', () => items(() => pick(['/*', '/index.html', '/é', '']))], ['callerReference', s]], 2)],
      ...extra(['name', 'resource', 'targetDistributionId', 'primaryDistributionId', 'stagingDistributionId', 'cachePolicyId', 'kvsARN',
        'webACLArn', 'webACLId', 'distributionTenantId', 'originAccessControlId', 'keyGroupId', 'tagKeys', 'tags'], 2),
      ['distributionConfigWithTags', () => fields([['distributionConfig', () => fields([['enabled', any], ['webACLId', any],
        ['cacheBehaviors', () => items(() => fields([['viewerProtocolPolicy', any]], 5))]], 3)]], 2)],
    ], 1)],
    ['responseElements', () => (chance(0.2) ? null : fields([
      ['distribution', () => fields([['id', s], ['aRN', s], ['lastModifiedTime', s], ['status', () => 'InProgress']], 2)],
      ['invalidation', () => fields([['id', s], ['createTime', s]], 2)],
      ['keyValueStore', () => fields([['name', s], ['aRN', s]], 2)],
      ['cachePolicy', () => fields([['id', s]], 2)],
      ['eTag', s],
      ['ConsoleLogin', () => pick(['Success', 'Failure', any()])],
      ...extra(['functionSummary', 'originAccessControl', 'keyGroup', 'credentials', 'assumedRoleUser', 'distributionList'], 2),
    ], 1))],
    ['errorCode', () => pick(['AccessDenied', '200', 'NoSuchDistribution', ''])],
    ['errorMessage', s],
    ['tlsDetails', () => fields([['tlsVersion', s], ['cipherSuite', () => 'ECDHE-RSA-AES128-GCM-SHA256'], ['clientProvidedHostHeader', s]], 1)],
    ['additionalEventData', () => fields([['MFAUsed', () => pick(['Yes', 'No'])], ['LoginTo', s]], 1)],
    ['insightDetails', () => fields([['state', () => pick(['Start', 'End'])], ['eventSource', s], ['eventName', () => pick(EVENT_NAMES)], ['insightType', s]], 1)],
    ['readOnly', () => pick([true, false, 'true'])],
    ['recipientAccountId', s],
    ['eventID', () => `id-${int(1e9)}`],
    ...extra(['resources', 'managementEvent', 'sharedEventID', 'vpcEndpointId', 'eventCategory', 'serviceEventDetails',
      'sessionCredentialFromConsole', 'apiVersion', 'eventType', 'requestID'], 1),
    ['junk', () => object(1, int(6))],
  ], 0);
}

// Smallest failing variant: drop members and array elements, and replace subtrees by their
// first member, while the case still fails. Works on own enumerable data properties.
function shrink(x, stillFails, budget = 3000) {
  let best = x;
  let tries = 0;
  const copy = (v) => {
    if (v === null || typeof v !== 'object' || !(Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype)) return v;
    if (Array.isArray(v)) return v.map(copy);
    const o = {};
    for (const k of Object.keys(v)) put(o, k, copy(v[k]));
    return o;
  };
  // Every candidate with one change at one place of `v` (a plain object or array).
  function* variants(v) {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) yield v.filter((_, j) => j !== i);
      for (let i = 0; i < v.length; i++) for (const w of variants(v[i])) yield v.map((e, j) => (j === i ? w : e));
      return;
    }
    if (Object.getPrototypeOf(v) !== Object.prototype) return;
    const keys = Object.keys(v);
    for (const k of keys) yield keys.filter((j) => j !== k).reduce((o, j) => put(o, j, v[j]), {});
    for (const k of keys) {
      const inner = v[k];
      if (inner && typeof inner === 'object') {
        const first = Array.isArray(inner) ? inner[0] : inner[Object.keys(inner)[0]];
        if (first !== undefined) yield keys.reduce((o, j) => put(o, j, j === k ? first : v[j]), {});
      }
      for (const w of variants(inner)) yield keys.reduce((o, j) => put(o, j, j === k ? w : v[j]), {});
    }
  }
  let progress = true;
  while (progress && tries < budget) {
    progress = false;
    for (const c of variants(best)) {
      if (++tries > budget) break;
      if (stillFails(copy(c))) {
        best = c;
        progress = true;
        break;
      }
    }
  }
  return copy(best);
}

const replayable = (x) => util.inspect(x, { depth: null, maxArrayLength: 20, maxStringLength: 200, breakLength: Infinity });

test('random: 2,000 seeded CloudTrail-like records with hostile keys and values, object vs text', (t) => noteRoutes(t, () => {
  const only = process.env.CT_SEED;
  const seeds = only ? [Number(only)] : Array.from({ length: 2000 }, (_, i) => 0x5eed0000 + i);
  const failures = [];
  for (const seed of seeds) {
    const rnd = mulberry32(seed ^ 0x9e3779b9);
    const make = generator(seed);
    const x = make();
    const optionSets = [undefined, OPTIONS[1 + Math.floor(rnd() * (OPTIONS.length - 1))], ALL_OPTIONS[Math.floor(rnd() * ALL_OPTIONS.length)]];
    for (const o of optionSets) {
      const r = run(() => withPrototypeWatch(() => assertParity(x, o, `seed ${seed}`)));
      if (r.ok) continue;
      if (!(r.error instanceof assert.AssertionError)) throw r.error;
      failures.push({ seed, o, x, message: r.error.message });
      break;
    }
    if (failures.length >= 5) break;
  }
  if (failures.length === 0) return;
  const report = failures.map(({ seed, o, x, message }) => {
    const small = shrink(x, (c) => !run(() => assertParity(c, o, 'shrunk', { noSnapshot: true })).ok);
    const smallMessage = run(() => assertParity(small, o, 'shrunk')).error?.message ?? '(shrunk case passes?)';
    return `seed ${seed} (replay: CT_SEED=${seed}), options ${show(o)}\n${message.split('\n').slice(0, 12).join('\n')}\n`
      + `case: ${replayable(x)}\ncase JSON: ${run(() => JSON.stringify(x)).value}\n`
      + `smallest failing case: ${replayable(small)}\n${smallMessage.split('\n').slice(0, 12).join('\n')}`;
  });
  assert.fail(`${failures.length}${failures.length >= 5 ? '+' : ''} random case(s) failed:\n\n${report.join('\n\n')}`);
}));

test('random: the generator is deterministic (failures can be replayed by seed)', () => {
  const a = replayable(generator(42)());
  const b = replayable(generator(42)());
  assert.equal(a, b);
  assert.notEqual(a, replayable(generator(43)()));
});

// ---------------------------------------------------------------------------------------------
// 5. The input is left alone and shares nothing with the output.

test('isolation: mutating every object and array of the output leaves the input unchanged', () => {
  const x = {
    ...structuredClone(RECORD),
    requestParameters: { distributionConfig: { origins: { items: [{ id: 'o1', tags: ['a'] }, { id: 'o2' }] }, aliases: { items: [] } } },
    matrix: [[1, [2]], [{ a: [3] }]], empty: {}, emptyArr: [],
  };
  for (const o of [undefined, { enrich: false }, { separator: '/' }, { maxDepth: 3 }, { arrays: 'index' }, { maxFields: 5 }]) {
    const before = structuredClone(x);
    const out = api.transform(x, o);
    const inputs = reachable(x);
    let mutated = 0;
    for (const v of reachable(out)) {
      assert.ok(!inputs.has(v), `output shares an object with the input (${show(o)})`);
      if (Array.isArray(v)) v.push('mutated');
      else {
        for (const k of Object.keys(v)) if (typeof v[k] !== 'object' || v[k] === null) v[k] = 'mutated';
        v.added = 'mutated';
      }
      mutated += 1;
    }
    assert.ok(mutated > 0);
    assert.deepStrictEqual(x, before, `input changed after mutating the output (${show(o)})`);
    // And the next call is not affected by what was done to the previous output.
    assert.deepStrictEqual(api.transform(x, o), api.transform(JSON.stringify(x), o));
  }
});

test('isolation: the same object twice gives equal, distinct outputs', () => {
  const a = api.transform(RECORD);
  const b = api.transform(RECORD);
  assert.notEqual(a, b);
  assert.deepStrictEqual(a, b);
  const items = 'requestParameters.invalidationBatch.paths.items';
  assert.notEqual(a[items], b[items], 'arrays are not shared between calls');
  a[items].push('x');
  assert.deepEqual(RECORD.requestParameters.invalidationBatch.paths.items, ['/*']);
  assert.deepEqual(api.transform(RECORD)[items], ['/*']);
});
