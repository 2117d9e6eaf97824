// Issue 12, the JS side: output in bounded pieces however much a chunk expands, text chunks cut
// inside a surrogate pair or a byte order mark, errors that are not crashes leaving the splitter
// as it was, strict delivering what was read, every error a CloudTrailError, counted skips, and
// the object route's key cache bounded by bytes.
import test from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as ct from '../../js/node.mjs';
import { createTransformStream } from '../../js/stream.mjs';
import { keyCacheBytes } from '../../js/flatten.mjs';
import { createApi } from '../../js/core.mjs';
import { createRequire } from 'node:module';

const lines = (t) => t.split('\n').filter(Boolean);

/** Runs `input` through the NDJSON stream: the stream, its line count and its largest chunk. */
async function throughStream(input) {
  const s = createTransformStream({ ndjson: true });
  let count = 0;
  let biggest = 0;
  const sink = new Writable({
    write(chunk, _enc, cb) {
      biggest = Math.max(biggest, chunk.length);
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) count++;
      cb();
    },
  });
  await pipeline(Readable.from([input]), s, sink);
  return { s, count, biggest };
}

test('a small gzip of many records comes out in pieces of about 1 MiB, all of it', async () => {
  // 8 MiB of `{}\n`: 2.8 M records, about 60 bytes each once enriched (170 MB of NDJSON).
  const n = (8 << 20) / 3 | 0;
  const gz = zlib.gzipSync(Buffer.alloc(n * 3, '{}\n'));
  assert.ok(gz.length < 64 << 10);
  // The stream, NDJSON mode: every chunk it pushes is bounded.
  const { s, count, biggest } = await throughStream(gz);
  assert.equal(count, n);
  assert.equal(s.stats.records, n);
  assert.ok(biggest <= (1 << 20) + 4096, `a chunk of ${biggest} bytes`);
  // The splitter's bounded calls.
  const sp = ct.createSplitter();
  let got = 0;
  let piece = sp.pushSome(gz);
  for (; piece; piece = sp.next()) {
    assert.ok(piece.length <= (1 << 20) + 4096);
    got += lines(piece).length;
  }
  for (piece = sp.finishSome(); piece; piece = sp.next()) got += lines(piece).length;
  assert.equal(got, n);
});

test('the stream waits for its reader: a slow reader holds back the output', async () => {
  const gz = zlib.gzipSync(Buffer.alloc(3 << 20, '{}\n'));
  const s = createTransformStream({ highWaterMark: 16 });
  s.write(gz);
  await new Promise((r) => setTimeout(r, 50));
  // Nothing read yet: only about one piece of output is held, not the whole million records.
  assert.ok(s.readableLength < 40_000, `${s.readableLength} objects buffered`);
  let n = 0;
  s.on('data', () => n++);
  s.end();
  await new Promise((r, j) => { s.on('end', r); s.on('error', j); });
  assert.equal(n, 1 << 20);
});

test('a byte order mark cut across the first writes', async () => {
  const text = Buffer.from('\ufeff{"eventName":"A"}\n{"eventName":"B"}\n');
  for (const cut of [1, 2]) {
    const s = createTransformStream({ enrich: false });
    const out = [];
    s.on('data', (d) => out.push(d));
    await pipeline(Readable.from([text.subarray(0, cut), text.subarray(cut)]), s);
    assert.deepEqual(out.map((r) => r.eventName), ['A', 'B'], `cut after ${cut}`);
    const sp = ct.createSplitter({ enrich: false });
    const nd = sp.push(text.subarray(0, cut)) + sp.push(text.subarray(cut)) + sp.finish();
    assert.equal(lines(nd).length, 2);
    assert.equal(sp.errors, 0);
  }
});

test('text cut inside a surrogate pair keeps the character', async () => {
  const rec = '{"eventName":"A","userAgent":"x😀y"}\n';
  const cut = rec.indexOf('😀') + 1; // between the two halves
  const sp = ct.createSplitter({ enrich: false });
  const out = sp.push(rec.slice(0, cut)) + sp.push(rec.slice(cut)) + sp.finish();
  assert.equal(JSON.parse(out).userAgent, 'x😀y');
  // The stream, written as strings.
  const s = createTransformStream({ enrich: false });
  const got = [];
  s.on('data', (d) => got.push(d));
  s.write(rec.slice(0, cut));
  s.write(rec.slice(cut));
  s.end();
  await new Promise((r, j) => { s.on('end', r); s.on('error', j); });
  assert.equal(got[0].userAgent, 'x😀y');
  // A lone half at the very end is U+FFFD, as TextEncoder writes it.
  const lone = ct.createSplitter({ enrich: false });
  const t = lone.push('{"a":"') + lone.push('\ud83d') + lone.push('"}');
  assert.equal(JSON.parse(t + lone.finish()).a, '\ufffd');
});

test('an error that is not a crash leaves the splitter as it was', () => {
  const sp = ct.createSplitter({ enrich: false });
  let out = sp.push('{"Records":[{"eventName":"A"},{"eventN');
  // A chunk whose properties throw (a proxy over bytes): refused, nothing else changes.
  const bad = new Proxy(new Uint8Array(4), { get() { throw new Error('boom'); } });
  assert.throws(() => sp.push(bad), (e) => e instanceof ct.CloudTrailError && e.kind === 'input');
  out += sp.push('ame":"B"}]}');
  out += sp.finish();
  assert.deepEqual(lines(out).map((l) => JSON.parse(l).eventName), ['A', 'B']);
  assert.equal(sp.errors, 0);
  assert.equal(sp.format, 'cloudtrail');
});

test('strict delivers what was read before the bad record', async () => {
  const input = '{"eventName":"A"}\n{"eventName":"B"}\n{bad}\n{"eventName":"C"}\n';
  const sp = ct.createSplitter({ strict: true, enrich: false });
  let e;
  try {
    sp.push(input);
    sp.finish();
  } catch (err) {
    e = err;
  }
  assert.ok(e instanceof ct.CloudTrailError);
  assert.equal(e.kind, 'syntax');
  assert.deepEqual(lines(e.output).map((l) => JSON.parse(l).eventName), ['A', 'B']);
  const log = (() => { try { ct.transformLog(input, { strict: true, enrich: false }); } catch (err) { return err; } })();
  assert.deepEqual(log.records.map((r) => r.eventName), ['A', 'B']);
  const nd = (() => { try { ct.transformLogToNdjson(input, { strict: true, enrich: false }); } catch (err) { return err; } })();
  assert.equal(lines(nd.output).length, 2);
  // The stream gives A and B, then fails.
  const s = createTransformStream({ strict: true, enrich: false });
  const got = [];
  s.on('data', (d) => got.push(d.eventName));
  await assert.rejects(pipeline(Readable.from([Buffer.from(input)]), s), (err) => err.kind === 'syntax');
  assert.deepEqual(got, ['A', 'B']);
});

test('every error is a CloudTrailError; a Map, RegExp or Error is not a record', () => {
  const isCt = (f, kind) => assert.throws(f, (e) => e instanceof ct.CloudTrailError && (!kind || e.kind === kind));
  for (const v of [new Map([['eventName', 'A']]), /eventName/, new Error('x'), new Set([1]), new Date(0)]) {
    isCt(() => ct.transform(v), 'record');
    isCt(() => ct.unflatten(v), 'record');
  }
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const trapping = new Proxy({}, { ownKeys() { throw new Error('trap'); }, get() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } });
  for (const p of [proxy, trapping]) {
    isCt(() => ct.transform(p));
    isCt(() => ct.transformLog(p));
    isCt(() => ct.unflatten(p));
    isCt(() => ct.createSplitter().push(p));
  }
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  isCt(() => ct.unflatten(cyclic), 'record');
  isCt(() => ct.unflatten({ a: 1n }), 'record');
  const ab = new ArrayBuffer(8);
  structuredClone(ab, { transfer: [ab] });
  isCt(() => ct.transformLog(ab), 'input');
  const throwing = { get enrich() { throw new Error('getter'); } };
  isCt(() => ct.transform({ eventName: 'A' }, throwing), 'option');
  isCt(() => ct.createSplitter(throwing), 'option');
  isCt(() => createTransformStream({ highWaterMark: 'x' }), 'option');
  isCt(() => createTransformStream(throwing), 'option');
});

test('control messages and digest files are counted skips', async () => {
  const control = '{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE"}]}';
  const log = ct.transformLog(`${control}\n{"eventName":"A"}\n`);
  assert.deepEqual([log.records.length, log.errors.length, log.skipped], [1, 0, 1]);
  const s = createTransformStream();
  s.resume();
  await pipeline(Readable.from([Buffer.from(`${control}\n${control}\n`)]), s);
  assert.equal(s.stats.skipped, 2);
  const nulls = ct.transformLog('{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":[],"logEvents":null}');
  assert.deepEqual([nulls.records.length, nulls.errors.length, nulls.skipped], [0, 1, 0]);
  assert.equal(ct.transformLog('\x89PNG\r\n\x1a\n').format, 'unknown');
});

test('the object route keeps its key cache under a byte bound', () => {
  const big = 'k'.repeat(100_000);
  for (let i = 0; i < 200; i++) ct.transform({ eventName: 'A', [`${big}${i}`]: 1, [`s${i}`]: { [`${big}x${i}`]: 2 } });
  for (let i = 0; i < 60_000; i++) ct.transform({ eventName: 'A', [`key${i}_${'m'.repeat(60)}`]: i });
  assert.ok(keyCacheBytes() <= 8 << 20, `${keyCacheBytes()} bytes`);
});

test('a trap elsewhere leaves every other splitter its partial record and context', () => {
  const a = ct.createSplitter({ enrich: false });
  const b = ct.createSplitter({ enrich: false });
  let outA = a.push('{"Records":[{"eventName":"A1"},{"eventName":"A');
  let outB = b.push('[{"eventName":"B1"},\n{"eventN');
  assert.throws(() => ct.__panicForTest(), (e) => e.kind === 'internal');
  outA += a.push('2"},{"eventName":"A3"}]}') + a.finish();
  outB += b.push('ame":"B2"}]') + b.finish();
  assert.deepEqual(lines(outA).map((l) => JSON.parse(l).eventName), ['A1', 'A2', 'A3']);
  assert.deepEqual(lines(outB).map((l) => JSON.parse(l).eventName), ['B1', 'B2']);
  assert.deepEqual([a.errors, b.errors, a.format, b.format], [0, 0, 'cloudtrail', 'array']);
});

test('the splitter that traps gives its unconsumed bytes in the error entry', () => {
  // A backend whose splitter traps once on demand (the core itself never does).
  const require = createRequire(import.meta.url);
  const gluePath = require.resolve('../../pkg/node/cloudfront_trail.js');
  let boom = false;
  const wrap = (g) => {
    class Trapping extends g.Splitter {
      pushSome(c) {
        if (boom) {
          boom = false;
          throw new WebAssembly.RuntimeError('unreachable');
        }
        return super.pushSome(c);
      }
    }
    return { ...g, Splitter: Trapping };
  };
  let glue = wrap(require(gluePath));
  const api = createApi({ glue: () => glue, reset() { delete require.cache[gluePath]; glue = wrap(require(gluePath)); } });
  const sp = api.createSplitter({ enrich: false });
  let out = sp.push('{"eventName":"A"}\n{"eventName":"partial');
  boom = true;
  out += sp.push('-rest"}\n');
  out += sp.push('{"eventName":"C"}\n') + sp.finish();
  const got = lines(out).map((l) => JSON.parse(l));
  assert.deepEqual(got.filter((r) => r.eventName).map((r) => r.eventName), ['A', 'C']);
  const entry = got.find((r) => r['error.type'] === 'internal');
  assert.equal(entry['event.original'], '{"eventName":"partial-rest"}\n');
  assert.deepEqual([sp.records, sp.errors], [2, 1]);
});

test('random chunkings of text (surrogate pairs cut anywhere): the same records and entries, all accounted for, with salvage and without', () => {
  let x = 12345;
  const rnd = (n) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
  const control = '{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[]}';
  for (let round = 0; round < 40; round++) {
    // Half the rounds with salvage on: a damaged record is then a record, counted in salvaged.
    const salvage = round % 2 === 1;
    const parts = [];
    // [records, errors, skipped, salvaged]
    let want = [0, 0, 0, 0];
    for (let i = 0; i < 1 + rnd(20); i++) {
      switch (rnd(6)) {
        case 0: parts.push('{"eventName": NaN}'); want[1]++; break;
        case 1: parts.push(control); want[2]++; break;
        case 2:
          // Damaged as the CloudFront guide's example: a placeholder, a lost opener.
          parts.push(`{"eventName":"D${i}😀","requestParameters":{"c":{ omitted é },"b":{"x":"𝒳"}],"q":2}}`);
          if (salvage) { want[0]++; want[3]++; } else want[1]++;
          break;
        default: parts.push(JSON.stringify({ eventName: `E${i}😀`, ua: 'é𝒳'.repeat(rnd(50)) })); want[0]++;
      }
    }
    const text = (rnd(2) ? '\ufeff' : '') + parts.join('\n') + '\n';
    const opts = { enrich: false, salvage };
    const whole = ct.transformLogToNdjson(text, opts);
    const log = ct.transformLog(text, opts);
    assert.deepEqual([log.records.length, log.errors.length, log.skipped, log.salvaged], want, `round ${round}: transformLog`);
    const sp = ct.createSplitter(opts);
    let out = '';
    for (let i = 0; i < text.length;) {
      const n = 1 + rnd(9);
      out += sp.push(text.slice(i, i + n));
      i += n;
    }
    out += sp.finish();
    assert.equal(out, whole, `round ${round}`);
    assert.deepEqual([sp.records, sp.errors, sp.skipped, sp.salvaged], want, `round ${round}`);
    assert.equal(lines(out).filter((l) => l.includes('"event.salvaged":true')).length, want[3], `round ${round}`);
  }
});

test('a CloudWatch Logs payload that inflates to many MB comes out in bounded pieces, all of it', async () => {
  // 40,000 logEvents in one awslogs.data of a few hundred KB: several MB of NDJSON.
  const n = 40000;
  const rec = (i) => JSON.stringify({ eventVersion: '1.08', eventName: `Get${i}`, eventSource: 'cloudfront.amazonaws.com', awsRegion: 'us-east-1' });
  const logEvents = Array.from({ length: n }, (_, i) => ({ id: String(i), timestamp: 1, message: i % 1000 === 999 ? 'not json' : rec(i) }));
  const inner = JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '1', logGroup: 'g', logStream: 's', subscriptionFilters: ['f'], logEvents });
  const data = zlib.gzipSync(Buffer.from(inner)).toString('base64');
  const input = Buffer.from(JSON.stringify({ awslogs: { data } }) + '\n');
  assert.ok(input.length < 1 << 20);
  const sp = ct.createSplitter();
  let got = 0;
  let total = 0;
  let piece = sp.pushSome(input);
  for (; piece; piece = sp.next()) {
    assert.ok(piece.length <= (1 << 20) + 4096, `a piece of ${piece.length} bytes`);
    got += lines(piece).length;
    total += piece.length;
  }
  for (piece = sp.finishSome(); piece; piece = sp.next()) {
    assert.ok(piece.length <= (1 << 20) + 4096, `a piece of ${piece.length} bytes`);
    got += lines(piece).length;
    total += piece.length;
  }
  assert.equal(got, n);
  assert.ok(total > 4 << 20, `${total} bytes of output`);
  assert.deepEqual([sp.records, sp.errors], [n - n / 1000, n / 1000]);
  // The stream: every chunk it pushes is bounded.
  const { count, biggest } = await throughStream(input);
  assert.equal(count, n);
  assert.ok(biggest <= (1 << 20) + 4096, `a chunk of ${biggest} bytes`);
});

test('a splitter paused inside a CloudWatch Logs payload when another traps fails clearly, once', () => {
  // Its checkpoint cannot hold the pending payload (the core refuses it): the splitter must end
  // with an internal error, never go on with the handle of the lost instance.
  const n = 20000;
  const rec = (i) => JSON.stringify({ eventVersion: '1.08', eventName: `Get${i}`, eventSource: 'cloudfront.amazonaws.com' });
  const logEvents = Array.from({ length: n }, (_, i) => ({ id: String(i), timestamp: 1, message: rec(i) }));
  const inner = JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '1', logGroup: 'g', logStream: 's', subscriptionFilters: ['f'], logEvents });
  const data = zlib.gzipSync(Buffer.from(inner)).toString('base64');
  const sp = ct.createSplitter();
  const first = sp.pushSome(JSON.stringify({ awslogs: { data } }) + '\n');
  assert.ok(first.length > 0 && lines(first).length < n, 'paused inside the payload');
  assert.throws(() => ct.__panicForTest(), (e) => e.kind === 'internal');
  assert.throws(() => sp.next(), (e) => e instanceof ct.CloudTrailError && e.kind === 'internal' && /cannot be resumed/.test(e.message));
  assert.equal(sp.next(), '');
  assert.throws(() => sp.push('{}'), (e) => e instanceof ct.CloudTrailError && /finished, freed or failed/.test(e.message));
});
