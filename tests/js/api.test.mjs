// The JS shim in Node (ESM): inputs, options, errors, prototype safety, recovery.
// Needs `npm run build` (scripts/test.sh runs it first).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import * as ct from '../../js/node.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const fixture = (name) => fs.readFileSync(here(`../fixtures/js/${name}`));
const SAMPLES = here('../../../shared/samples');
const sample = (p) => `${SAMPLES}/${p}`;

const RECORD = {
  eventVersion: '1.09',
  eventSource: 'cloudfront.amazonaws.com',
  eventName: 'CreateInvalidation2020_05_31',
  awsRegion: 'us-east-1',
  requestParameters: { distributionId: 'E2QWRUHEXAMPLE', invalidationBatch: { paths: { quantity: 1, items: ['/*'] } } },
  responseElements: null,
};

function expectError(fn, kind) {
  let caught;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught, 'expected a throw');
  assert.ok(caught instanceof ct.CloudTrailError, `not a CloudTrailError: ${caught}`);
  assert.ok(caught instanceof Error);
  assert.equal(caught.name, 'CloudTrailError');
  assert.equal(caught.kind, kind, caught.message);
  return caught;
}

test('transform: an object, its text and its bytes give the same flat object', () => {
  const a = ct.transform(RECORD);
  const b = ct.transform(JSON.stringify(RECORD));
  const c = ct.transform(Buffer.from(JSON.stringify(RECORD)));
  assert.deepEqual(a, b);
  assert.deepEqual(a, c);
  assert.equal(a['requestParameters.distributionId'], 'E2QWRUHEXAMPLE');
  assert.equal(a['requestParameters.invalidationBatch.paths.quantity'], 1);
  assert.deepEqual(a['requestParameters.invalidationBatch.paths.items'], ['/*']);
  assert.equal(a.responseElements, null);
  assert.equal(Object.getPrototypeOf(a), Object.prototype, 'a plain object');
});

test('transform: enrichment adds keys; enrich:false gives exactly the flattened record', () => {
  const plain = ct.transform(RECORD, { enrich: false });
  assert.deepEqual(Object.keys(plain), [
    'eventVersion', 'eventSource', 'eventName', 'awsRegion', 'requestParameters.distributionId',
    'requestParameters.invalidationBatch.paths.quantity', 'requestParameters.invalidationBatch.paths.items',
    'responseElements',
  ]);
  const enriched = ct.transform(RECORD);
  assert.ok(Object.keys(enriched).length > Object.keys(plain).length);
  for (const [k, v] of Object.entries(plain)) assert.deepEqual(enriched[k], v, k);
});

test('transform: non-object input throws a CloudTrailError with a clear message', () => {
  for (const bad of [null, undefined, 42, true, [RECORD], 'not json']) {
    const e = expectError(() => ct.transform(bad), 'record');
    assert.ok(e.message.length > 10, e.message);
  }
  const e = expectError(() => ct.transform('  [1, 2]'), 'record');
  assert.equal(e.offset, 2);
  assert.equal(e.line, 1);
  assert.equal(e.column, 3);
});

test('transform: a syntax error carries offset, line and column', () => {
  const text = '{\n  "eventName": "X",\n  "bad": tru\n}';
  const e = expectError(() => ct.transform(text), 'syntax');
  assert.equal(e.line, 3);
  assert.ok(e.column >= 10, String(e.column));
  assert.ok(e.offset > 20 && e.offset < text.length, String(e.offset));
  assert.match(e.message, /line 3/);
});

test('options: camelCase names reach the core; bad ones throw kind "option"', () => {
  const idx = ct.transform(RECORD, { arrays: 'index', enrich: false, separator: '/' });
  assert.equal(idx['requestParameters/invalidationBatch/paths/items/0'], '/*');
  const shallow = ct.transform(RECORD, { maxDepth: 1, enrich: false });
  assert.equal(typeof shallow['requestParameters'], 'string', 'subtree past maxDepth kept as JSON text');
  assert.deepEqual(JSON.parse(shallow.requestParameters), RECORD.requestParameters);
  for (const bad of [{ bogus: 1 }, { profile: 'xml' }, { enrich: 'yes' }, { maxDepth: -1 }, { maxDepth: 1.5 },
    { maxFields: Infinity }, { separator: '~' }, { separator: '' }, { arrays: 'explode' }, 'flat', [1]]) {
    expectError(() => ct.transform(RECORD, bad), 'option');
  }
  // A "__proto__" option name is an unknown option, not a prototype change.
  expectError(() => ct.transform(RECORD, JSON.parse('{"__proto__": {"enrich": false}}')), 'option');
  // undefined values mean "default".
  assert.deepEqual(ct.transform(RECORD, { profile: undefined }), ct.transform(RECORD));
});

test('options: one options object passed per call is read anew when it changes', () => {
  // The shim hands the core the same snapshot while the object's members stay the same (the
  // core then skips reading it): a change must still be seen, by the text and object routes.
  const text = JSON.stringify(RECORD);
  const opts = { enrich: false, profile: 'flat' };
  const plain = ct.transform(text, opts);
  assert.equal(plain['cloud.provider'], undefined);
  assert.deepEqual(ct.transform(text, opts), plain);
  opts.enrich = true;
  assert.equal(ct.transform(text, opts)['cloud.provider'], 'aws');
  opts.profile = 'ecs';
  assert.equal(ct.transform(text, opts).cloud?.provider, 'aws');
  delete opts.profile;
  assert.equal(ct.transform(RECORD, opts)['cloud.provider'], 'aws');
  opts.separator = '/';
  assert.equal(ct.transform(text, opts)['requestParameters/distributionId'], RECORD.requestParameters.distributionId);
  opts.maxDepth = 0;
  expectError(() => ct.transform(text, opts), 'option');
  expectError(() => ct.transform(text, opts), 'option');
  opts.maxDepth = 1;
  assert.equal(typeof ct.transform(text, opts).requestParameters, 'string');
  // The message names the option and what it must be, read from the object.
  assert.throws(() => ct.transform(text, { enrich: 'yes' }), /option: enrich must be true or false/);
  assert.throws(() => ct.transform(text, { separator: '\ud800' }), /option: separator must be a string of Unicode text/);
});

test('options: maxFields keeps what does not fit under ~overflow, losslessly', () => {
  const out = ct.transform(RECORD, { maxFields: 3, enrich: false });
  assert.ok(Object.keys(out).length <= 4, JSON.stringify(out));
  assert.equal(typeof out['~overflow'], 'string');
  assert.deepEqual(ct.unflatten(out), RECORD);
});

test('transformLog with salvage: the damaged record is a record, counted in salvaged; records + errors the same', () => {
  const bytes = fixture('broken-middle.ndjson');
  const log = ct.transformLog(bytes, { salvage: true });
  assert.deepEqual(log.records.map((r) => r.seq), [1, 2, 3]);
  assert.deepEqual([log.errors.length, log.salvaged], [0, 1]);
  assert.equal(log.records[1]['event.salvaged'], true);
  // The splitter counts the same, whatever the chunks.
  const sp = ct.createSplitter({ salvage: true });
  let out = '';
  for (let i = 0; i < bytes.length; i += 17) out += sp.push(bytes.subarray(i, i + 17));
  out += sp.finish();
  assert.deepEqual([sp.records, sp.errors, sp.salvaged], [3, 0, 1]);
  assert.equal(out, ct.transformLogToNdjson(bytes, { salvage: true }));
  const off = ct.createSplitter();
  off.push(bytes);
  off.finish();
  assert.deepEqual([off.records, off.errors, off.salvaged], [2, 1, 0]);
});

test('transformLog: every input type, broken record in the middle kept as an error entry', () => {
  const bytes = fixture('broken-middle.ndjson');
  const inputs = [bytes, bytes.toString('utf8'), new Uint8Array(bytes), bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    new DataView(bytes.buffer, bytes.byteOffset, bytes.length)];
  for (const input of inputs) {
    const log = ct.transformLog(input);
    assert.deepEqual(Object.keys(log), ['format', 'gzip', 'records', 'errors', 'skipped', 'salvaged']);
    // The library's default: no salvage (docs/INPUTS.md), so the damaged record is an error entry.
    assert.equal(log.salvaged, 0);
    assert.equal(log.format, 'ndjson');
    assert.equal(log.gzip, false);
    assert.deepEqual(log.records.map((r) => r.seq), [1, 3]);
    assert.equal(log.errors.length, 1);
    const [entry] = log.errors;
    assert.match(entry['error.message'], /line|byte/);
    assert.equal(entry['error.type'], 'syntax');
    assert.ok(entry['event.original'].includes('distributionConfig omitted'));
    assert.equal(typeof entry['error.offset'], 'number');
    // The offset points into the second line.
    const firstLineEnd = bytes.indexOf(10);
    assert.ok(entry['error.offset'] > firstLineEnd, `${entry['error.offset']} > ${firstLineEnd}`);
  }
  for (const bad of [null, 42, {}, [1]]) expectError(() => ct.transformLog(bad), 'input');
});

test('error entries and strict throws carry line and column as data, pointing into event.original', () => {
  const text = '{"eventVersion":"1.08","eventName":"A"}\n{"eventVersion":"1.08",\n  "x": { oops } }\n';
  const [entry] = ct.transformLog(text).errors;
  assert.equal(entry['error.line'], 2);
  const line = entry['event.original'].split('\n')[entry['error.line'] - 1];
  assert.equal(line[entry['error.column'] - 1], 'o', `${line} at column ${entry['error.column']}`);
  const [ndjsonEntry] = ct.transformLogToNdjson(text).trim().split('\n').slice(1).map((l) => JSON.parse(l));
  assert.deepEqual([ndjsonEntry['error.line'], ndjsonEntry['error.column']], [entry['error.line'], entry['error.column']]);
  const e = expectError(() => ct.transformLog(text, { strict: true }), 'syntax');
  assert.deepEqual([e.line, e.column], [entry['error.line'], entry['error.column']]);
});

test('transformLog: gzip found by its magic bytes; EventBridge unwrapped', () => {
  const gz = zlib.gzipSync(fixture('broken-middle.ndjson'));
  const log = ct.transformLog(gz);
  assert.equal(log.gzip, true);
  assert.equal(log.records.length, 2);
  assert.equal(log.errors.length, 1);
  const eb = ct.transformLog(fixture('eventbridge.json'));
  assert.equal(eb.format, 'eventbridge');
  assert.equal(eb.records.length, 1);
  assert.equal(eb.records[0].eventName, 'CreateInvalidation2020_05_31');
});

test('transformLog: CloudWatch Logs subscription payload (base64 gzip inside JSON)', () => {
  const message = {
    messageType: 'DATA_MESSAGE', owner: '111122223333', logGroup: 'aws-cloudtrail-logs', logStream: '111122223333_CloudTrail_us-east-1',
    subscriptionFilters: ['to-shipper'],
    logEvents: [1, 2].map((seq) => ({ id: String(seq), timestamp: 1710415869000, message: JSON.stringify({ eventName: 'GetDistribution2020_05_31', seq }) })),
  };
  const payload = JSON.stringify({ awslogs: { data: zlib.gzipSync(JSON.stringify(message)).toString('base64') } });
  const log = ct.transformLog(payload);
  assert.equal(log.format, 'cloudwatch-logs');
  assert.deepEqual(log.records.map((r) => r.seq), [1, 2]);
  assert.deepEqual(ct.transformLog(JSON.stringify(message)).records.map((r) => r.seq), [1, 2]);
});

test('transformLog: a digest file is recognised, with no records and no error', (t) => {
  const p = sample('real/elastic-beats__cloudtrail-digest-json.log');
  if (!fs.existsSync(p)) {
    t.skip('../shared/samples not present');
    return;
  }
  const log = ct.transformLog(fs.readFileSync(p));
  assert.equal(log.format, 'digest');
  assert.equal(log.records.length, 0);
  assert.equal(log.errors.length, 0);
});

test('transformLog: truncated gzip and a gzip bomb are clear errors; later calls still work', () => {
  const gz = zlib.gzipSync(fixture('broken-middle.ndjson'));
  expectError(() => ct.transformLog(gz.subarray(0, gz.length - 10)), 'input');
  const bomb = zlib.gzipSync(Buffer.alloc(8 << 20, 0x20));
  const e = expectError(() => ct.transformLog(bomb, { maxDecompressedBytes: 1 << 20 }), 'limit');
  assert.match(e.message, /maxDecompressedBytes|limit/);
  assert.equal(ct.transformLog(gz).records.length, 2);
});

test('transformLog: 200,000 levels of nesting and invalid UTF-8 are error entries, not crashes', () => {
  const deep = '{"x":'.repeat(200000) + '1' + '}'.repeat(200000);
  const log = ct.transformLog(`{"seq":1}\n${deep}\n{"seq":2}\n`);
  assert.deepEqual(log.records.map((r) => r.seq), [1, 2]);
  assert.equal(log.errors.length, 1);
  const utf8 = Buffer.concat([Buffer.from('{"seq":1}\n{"bad":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n{"seq":2}\n')]);
  const u = ct.transformLog(utf8);
  assert.deepEqual(u.records.map((r) => r.seq), [1, 2]);
  assert.match(u.errors[0]['error.message'], /UTF-8/);
  assert.ok(u.errors[0]['event.original'].includes('\uFFFD'));
});

test('transformLog: strict throws at the first bad record', () => {
  const e = expectError(() => ct.transformLog(fixture('broken-middle.ndjson'), { strict: true }), 'syntax');
  assert.equal(typeof e.offset, 'number');
});

test('transformLogToNdjson: text by default, bytes on request, same lines as transformLog', () => {
  const input = fixture('broken-middle.ndjson');
  const text = ct.transformLogToNdjson(input);
  assert.equal(typeof text, 'string');
  const bytes = ct.transformLogToNdjson(input.toString(), { bytes: true });
  assert.ok(bytes instanceof Uint8Array);
  assert.equal(Buffer.from(bytes).toString('utf8'), text);
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  const log = ct.transformLog(input);
  assert.deepEqual(lines.map((l) => JSON.parse(l)), [log.records[0], log.errors[0], log.records[1]]);
});

test('unflatten: the exact inverse of flattening, from an object or JSON text', () => {
  const rec = { 'a.b': { 'c~d': [{ 'e.f': 1 }, 2] }, big: 12345678901234567890n.toString(), n: null, '': { x: true } };
  const flat = ct.transform(rec, { enrich: false });
  assert.ok('a~1b.c~0d' in flat, JSON.stringify(flat));
  assert.deepEqual(ct.unflatten(flat), rec);
  assert.deepEqual(ct.unflatten(JSON.stringify(flat)), rec);
  const slashFlat = ct.transform(rec, { enrich: false, separator: '/', arrays: 'index' });
  assert.deepEqual(ct.unflatten(slashFlat, { separator: '/', arrays: 'index' }), rec);
  expectError(() => ct.unflatten([1]), 'record');
});

test('prototype safety: __proto__ and constructor keys stay own data properties', () => {
  const before = Object.getOwnPropertyNames(Object.prototype).sort();
  const text = fixture('proto-keys.json').toString();
  const flat = ct.transform(text, { enrich: false, arrays: 'index' });
  assert.equal(flat['requestParameters.__proto__.polluted'], 'yes');
  assert.equal(flat['requestParameters.constructor.prototype.polluted'], 'yes');
  assert.equal(flat['requestParameters.tags.items.0.key'], '__proto__');
  const nested = ct.unflatten(flat, { arrays: 'index' });
  const rp = nested.requestParameters;
  assert.ok(Object.hasOwn(rp, '__proto__'), 'own __proto__ key');
  assert.equal(Object.getPrototypeOf(rp), Object.prototype, 'prototype not replaced');
  assert.equal(rp.__proto__.polluted, 'yes');
  assert.ok(Object.hasOwn(rp, 'constructor'));
  assert.deepEqual(nested, JSON.parse(text));
  // Nothing leaked onto Object.prototype.
  assert.equal({}.polluted, undefined);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before);
  // A flat key that is exactly "__proto__" also stays data.
  const own = ct.unflatten('{"__proto__":{"polluted":"yes"}}');
  assert.ok(Object.hasOwn(own, '__proto__'));
  assert.equal({}.polluted, undefined);
});

test('recovery: a panic traps the instance; it is re-created and later calls work', () => {
  const before = ct.transform(RECORD);
  const e = expectError(() => ct.__panicForTest(), 'internal');
  assert.match(e.message, /re-created/);
  assert.deepEqual(ct.transform(RECORD), before);
  // A splitter that lived in the old instance goes on in a new one from its checkpoint: only
  // the splitter that trapped is affected (issue 12), so nothing here is lost.
  const sp = ct.createSplitter();
  const first = sp.push('{"seq":1}\n');
  expectError(() => ct.__panicForTest(), 'internal');
  const lost = sp.push('{"seq":2}\n');
  const rest = sp.push('{"seq":3}\n') + sp.finish();
  const lines = (first + lost + rest).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.filter((l) => 'seq' in l).map((l) => l.seq), [1, 2, 3]);
  assert.equal(sp.records, 3);
  assert.equal(sp.errors, 0);
});

test('init() is a no-op promise in Node', async () => {
  assert.equal(await ct.init(), undefined);
});

test('shared sample: the CloudFront doc example gives 4 records and 1 error entry', (t) => {
  const p = sample('seed/cloudfront-doc-example.raw.txt');
  if (!fs.existsSync(p)) {
    t.skip('../shared/samples not present');
    return;
  }
  const log = ct.transformLog(fs.readFileSync(p));
  assert.equal(log.format, 'cloudtrail');
  assert.equal(log.records.length, 4);
  assert.equal(log.errors.length, 1);
  assert.ok(log.errors[0]['event.original'].includes('response omitted'));
});

test('bundled sample: every record reads', () => {
  const text = fs.readFileSync(here('../../examples/cloudfront-sample.json'));
  const log = ct.transformLog(text);
  const expected = JSON.parse(text).Records;
  assert.equal(log.format, 'cloudtrail');
  assert.equal(log.errors.length, 0);
  assert.equal(log.records.length, expected.length);
  assert.deepEqual(log.records.map((r) => r.eventID), expected.map((r) => r.eventID));
});

test('keys with a lone surrogate stay apart and round-trip; such a separator, or a digit, is an option error', () => {
  const rec = { '\ud800': 1, '\ufffd': 2, a: { 'x\udc00': [{ '\udfff': 3 }] } };
  for (const input of [rec, JSON.stringify(rec)]) {
    const flat = ct.transform(input, { enrich: false });
    assert.deepEqual(Object.keys(flat), ['\ud800', '\ufffd', 'a.x\udc00']);
    assert.deepEqual(ct.unflatten(flat), rec);
  }
  for (const separator of ['\ud800', '5', '0']) {
    expectError(() => ct.transform(rec, { separator }), 'option');
    expectError(() => ct.transform(JSON.stringify(rec), { separator, arrays: 'index' }), 'option');
  }
});
