// Hostile input through the real WebAssembly build (SECURITY.md): limits come back as
// CloudTrailError kind 'limit' (never 'internal', which would mean the instance trapped), the
// deepest legal record fits the WebAssembly stack, and no output touches Object.prototype.
// Needs `npm run build` (scripts/test.sh runs it first).
import test from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import * as ct from '../../js/node.mjs';

function errorOf(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected an error');
}

const rec = (name, extra = '') => `{"eventVersion":"1.08","eventSource":"cloudfront.amazonaws.com","eventName":"${name}"${extra}}`;

test('200,000 levels of nesting: a limit entry, neighbours kept, instance alive', () => {
  const deep = `${'['.repeat(200_000)}1${']'.repeat(200_000)}`;
  const bad = `{"eventName":"Deep","x":${deep}}`;
  const log = ct.transformLog(`${rec('A')}\n${bad}\n${rec('B')}\n`, { enrich: false });
  assert.deepEqual(log.records.map((r) => r.eventName), ['A', 'B']);
  assert.equal(log.errors.length, 1);
  assert.equal(log.errors[0]['event.original'], bad);
  const e = errorOf(() => ct.transform(`{"x":${deep}}`));
  assert.equal(e.kind, 'limit', e.message);
  // The instance still works afterwards.
  assert.equal(ct.transform(rec('C'), { enrich: false }).eventName, 'C');
});

test('the deepest legal record round-trips within the WebAssembly stack', () => {
  for (const arrays of ['keep', 'index']) {
    const o = { enrich: false, maxDepth: 1000, arrays };
    const text = `${'{"a":'.repeat(509)}{"k":[1,"s"]}${'}'.repeat(509)}`;
    const flat = ct.transform(text, o);
    const back = ct.unflatten(flat, o);
    assert.equal(JSON.stringify(back), text, arrays);
  }
  const log = ct.transformLog(`${'{"a":'.repeat(509)}{"eventName":"D"}${'}'.repeat(509)}`);
  assert.equal(log.records.length, 1);
});

test('a flat key of 200,000 separators is a limit error, not a stack overflow', () => {
  const e = errorOf(() => ct.unflatten(`{"${'a.'.repeat(200_000)}a":1}`));
  assert.equal(e.kind, 'limit', e.message);
  assert.equal(ct.unflatten('{"a.b":1}').a.b, 1);
});

test('gzip bomb: stops at maxDecompressedBytes with a limit error', () => {
  const bomb = zlib.gzipSync(Buffer.alloc(32 << 20, 0x20), { level: 9 });
  assert.ok(bomb.length < 64 << 10, `a real bomb: ${bomb.length} bytes`);
  const e = errorOf(() => ct.transformLog(bomb, { maxDecompressedBytes: 1 << 20 }));
  assert.equal(e.kind, 'limit', e.message);
  assert.match(e.message, /maxDecompressedBytes/);
});

test('maxRecordBytes and maxFields: a limit entry and a ~overflow string, nothing dropped', () => {
  const big = rec('Big', `,"blob":"${'x'.repeat(5000)}"`);
  const log = ct.transformLog(`${rec('A')}\n${big}\n${rec('B')}\n`, { maxRecordBytes: 1024, enrich: false });
  assert.deepEqual(log.records.map((r) => r.eventName), ['A', 'B']);
  // In pieces of at most maxRecordBytes (as a stream gives it), together all of its text.
  assert.equal(log.errors.length, Math.ceil(big.length / 1024));
  assert.ok(log.errors.every((e) => e['error.type'] === 'limit'));
  assert.equal(log.errors.map((e) => e['event.original']).join(''), big);

  const many = `{${Array.from({ length: 500 }, (_, i) => `"f${i}":{"v":${i}}`).join(',')}}`;
  const o = { maxFields: 10, enrich: false };
  const flat = ct.transform(many, o);
  assert.ok(Object.keys(flat).length <= 10);
  assert.equal(typeof flat['~overflow'], 'string');
  assert.deepEqual(ct.unflatten(flat, o), JSON.parse(many));
});

test('hostile keys at any depth stay plain data in every output, stream included', async () => {
  const before = Object.getOwnPropertyNames(Object.prototype).sort();
  const hostile = '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":1}}';
  const record = rec('P', `,"requestParameters":${hostile},"tags":[${hostile}],"x":{"y":${hostile}}`);
  const outputs = [];
  for (const arrays of ['keep', 'index']) {
    outputs.push(ct.transform(record, { arrays }));
    outputs.push(...ct.transformLog(`${record}\n${record}`, { arrays }).records);
    outputs.push(ct.unflatten(ct.transform(record, { arrays, enrich: false }), { arrays }));
  }
  const stream = ct.createTransformStream();
  Readable.from([Buffer.from(`${record}\n`), Buffer.from(record)]).pipe(stream);
  for await (const r of stream) outputs.push(r);
  assert.ok(outputs.length >= 9);

  const walk = (v) => {
    if (v === null || typeof v !== 'object') return;
    const proto = Object.getPrototypeOf(v);
    assert.ok(proto === Object.prototype || proto === Array.prototype || proto === null, 'no replaced prototype');
    for (const k of Object.keys(v)) walk(v[k]);
  };
  outputs.forEach(walk);
  // The nested outputs hold __proto__ as an own key.
  const nested = ct.unflatten(ct.transform(record, { enrich: false }), {});
  assert.ok(Object.hasOwn(nested.requestParameters, '__proto__'));
  assert.equal(nested.requestParameters.__proto__.polluted, 1);
  assert.ok(Object.hasOwn(nested.x.y, 'constructor'));
  assert.equal(({}).polluted, undefined);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before);
});
