// The Fluent Bit filter build, loaded in Node's WebAssembly engine and called exactly as
// `filter_wasm` calls it (host.mjs). Every output is checked the way Fluent Bit checks it
// (non-NULL, non-empty, a JSON object) and against the same core as the npm package
// (pkg/node's `transformBytes`, the text `transform` parses), so the filter, the Node package and
// the viewer run one logic. Node's engine is the host; the filter's exact calling convention and
// its flat memory are what is tested, as filter_wasm (WAMR) would call it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sigmaRules, transform } from '../../js/node.mjs';
import { compiled, exportSignatures, Filter, FUNCTIONS, ROOT, SIGMA_FUNCTIONS, wasmPath } from './host.mjs';

const TAG = Buffer.from('cloudtrail.cloudfront');
const core = createRequire(import.meta.url)(join(ROOT, 'pkg/node/cloudfront_trail.js'));
const SAMPLES = join(ROOT, '../shared/samples/real');

/** Every file under tests/fixtures that holds one record per line (.ndjson, .jsonl). */
function ndjsonFiles(dir, out = []) {
  let names;
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) ndjsonFiles(p, out);
    else if (/\.(ndjson|jsonl)$/.test(n)) out.push(p);
  }
  return out;
}

function linesOf(path) {
  const data = readFileSync(path);
  const lines = [];
  let start = 0;
  for (;;) {
    const nl = data.indexOf(10, start);
    const line = data.subarray(start, nl < 0 ? data.length : nl);
    if (!/^\s*$/.test(line.toString('latin1'))) lines.push(Buffer.from(line));
    if (nl < 0) return lines;
    start = nl + 1;
  }
}

/** The repository's one-record-per-line fixtures (at least ours in tests/fixtures/fluentbit). */
function fixtureRecords() {
  const recs = [];
  for (const f of ndjsonFiles(join(ROOT, 'tests/fixtures'))) {
    linesOf(f).forEach((line, n) => recs.push([`${f}:${n + 1}`, line]));
  }
  assert.ok(recs.length >= 6, `expected the fixtures in tests/fixtures/fluentbit, found ${recs.length} records`);
  return recs;
}

/**
 * Real CloudTrail records from ../shared/samples when that folder exists: lines of the .log files,
 * and each element of a {"Records":[...]} file re-serialised the way Fluent Bit hands a parsed
 * record to the filter (msgpack back to compact JSON).
 */
function sampleRecords() {
  return recordsIn([SAMPLES], false);
}

/**
 * The records of the .log (one per line) and .json files of `dirs`: a {"Records":[...]} file's
 * elements, re-serialised (and a bare array's, with `bareArrays`).
 */
function recordsIn(dirs, bareArrays) {
  const recs = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const n of readdirSync(dir).sort()) {
      const p = join(dir, n);
      if (n.endsWith('.log')) {
        linesOf(p).forEach((line, i) => recs.push([`${p}:${i + 1}`, line]));
      } else if (n.endsWith('.json')) {
        let v;
        try {
          v = JSON.parse(readFileSync(p, 'utf8'));
        } catch {
          continue;
        }
        const list = Array.isArray(v?.Records) ? v.Records : bareArrays && Array.isArray(v) ? v : [];
        list.forEach((r, i) => recs.push([`${p}#Records[${i}]`, Buffer.from(JSON.stringify(r))]));
      }
    }
  }
  return recs;
}

const samplesPresent = (() => {
  try {
    return statSync(SAMPLES).isDirectory();
  } catch {
    return false;
  }
})();

function profileOf(fn) {
  return fn.startsWith('cloudtrail_filter_ecs') ? 'ecs' : fn.startsWith('cloudtrail_filter_ocsf') ? 'ocsf' : 'flat';
}

/** Fluent Bit's acceptance: a non-NULL, non-empty string that is a JSON object. */
function kept(name, outcome) {
  if (outcome.kind !== 'text' || outcome.text.length === 0) assert.fail(`${name}: Fluent Bit would drop this record: ${JSON.stringify(outcome)}`);
  let obj;
  try {
    obj = JSON.parse(outcome.text.toString('utf8'));
  } catch {
    obj = undefined;
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    assert.fail(`${name}: not a JSON object, Fluent Bit would drop it: ${outcome.text.subarray(0, 300)}`);
  }
  return [outcome.text, obj];
}

/** The core's answer for one record: `{ doc }` (JSON text) or `{ err }` (its error). Every
 * filter salvages a damaged record (src/fluentbit.rs), so the core is asked to as well. */
function coreTransform(rec, profile) {
  try {
    return { doc: core.transformBytes(rec, { profile, salvage: true }) };
  } catch (err) {
    assert.equal(typeof err.kind, 'string', `the core threw something else: ${err}`);
    return { err };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * pkg/node's text is the core's output with every non-ASCII character written as a \u escape
 * (src/json.rs `to_ascii`, so JS reads it without a UTF-8 decode); the filter writes the core's
 * output as it is, in UTF-8. This applies the same escaping to the filter's bytes (which must be
 * valid UTF-8).
 */
function toAscii(text) {
  return utf8.decode(text).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The filter's output must be what the core gives: the document byte for byte (up to that
 * escaping), or for an unreadable record the error entry holding the record's text.
 */
function assertSameAsCore(name, fn, rec, text, obj) {
  const r = coreTransform(rec, profileOf(fn));
  if (r.doc !== undefined) assert.ok(toAscii(text) === r.doc, `${name}: ${fn} differs from transform()`);
  else assertErrorEntry(name, rec, obj, r.err);
}

function assertErrorEntry(name, rec, obj, err) {
  assert.equal(obj['error.message'], err.message, name);
  assert.equal(obj['error.type'], err.kind, name);
  // The record's text, invalid UTF-8 as U+FFFD.
  assert.ok(obj['event.original'] === rec.toString('utf8'), `${name}: event.original is not the record`);
}

/**
 * Independent of the core's own code: every scalar leaf reached through objects appears under its
 * dotted path with the same value, and every array under its path with the same length (paths
 * whose keys hold the separator or the escape character are left out).
 */
function assertFlattenedLosslessly(name, input, out) {
  let checked = 0;
  const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const walk = (v, path) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length && path.length < 30) {
        for (const k of keys) {
          if (k.includes('.') || k.includes('~') || k === '') continue;
          walk(v[k], [...path, k]);
        }
      }
      return;
    }
    const key = path.join('.');
    if (Array.isArray(v)) {
      assert.ok(own(out, key) && Array.isArray(out[key]), `${name}: array ${key}`);
      assert.equal(out[key].length, v.length, `${name}: array ${key}`);
    } else {
      assert.ok(own(out, key), `${name}: ${key} missing`);
      assert.deepEqual(out[key], v, `${name}: ${key}`);
    }
    checked++;
  };
  walk(input, []);
  assert.ok(checked > 0, `${name}: nothing to check`);
}

/** A CloudFront UpdateDistribution whose config lists `origins` origins (about 150 bytes each). */
function bigUpdate(origins, blob) {
  const parts = [
    '{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/big","accountId":"111122223333"},"eventTime":"2024-03-01T12:00:00Z","eventSource":"cloudfront.amazonaws.com","eventName":"UpdateDistribution","awsRegion":"us-east-1","requestParameters":{"id":"EBIGEXAMPLE","distributionConfig":{"comment":"',
    'c'.repeat(blob),
    `","origins":{"quantity":${origins},"items":[`,
  ];
  for (let n = 0; n < origins; n++) {
    parts.push(
      `${n ? ',' : ''}{"id":"origin-${n}","domainName":"bucket-${n}.s3.us-east-1.amazonaws.com","originPath":"/p${n}","connectionAttempts":3,"s3OriginConfig":{"originAccessIdentity":""}}`,
    );
  }
  parts.push(']}}},"responseElements":null,"eventID":"big-1"}');
  return Buffer.from(parts.join(''));
}

/** `n` nested objects {"a":{"a":...1...}}. */
function nestedObjects(n) {
  return Buffer.from(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);
}

/** {"requestParameters":[[...]]} with `n` nested arrays. */
function deepArrays(n) {
  return Buffer.from(`{"requestParameters":${'['.repeat(n)}${']'.repeat(n)}}`);
}

describe('the filter_wasm contract', () => {
  it('imports nothing and exports the functions, malloc, free and memory with Fluent Bit\'s signatures', () => {
    const { bytes, module } = compiled();
    assert.deepEqual(WebAssembly.Module.imports(module), [], 'the filter must import nothing');
    const sigs = exportSignatures(bytes);
    for (const f of [...FUNCTIONS, ...SIGMA_FUNCTIONS]) assert.deepEqual(sigs[f], { kind: 'function', params: Array(6).fill('i32'), results: ['i32'] }, f);
    assert.deepEqual(sigs.malloc, { kind: 'function', params: ['i32'], results: ['i32'] });
    assert.deepEqual(sigs.free, { kind: 'function', params: ['i32'], results: [] });
    assert.equal(sigs.memory?.kind, 'memory');
    for (const f of [...FUNCTIONS, ...SIGMA_FUNCTIONS]) new Filter(f); // instantiates with no imports
  });

  it('needs no wasm feature beyond WebAssembly 2.0 without SIMD (no SIMD, relaxed SIMD, tail calls, threads)', () => {
    // WAMR builds may lack these proposals; Node's engine has them all, so binaryen's validator
    // checks the module with only the features below enabled.
    const features = ['sign-ext', 'mutable-globals', 'nontrapping-float-to-int', 'bulk-memory', 'multivalue', 'reference-types'];
    execFileSync(join(ROOT, 'node_modules/.bin/wasm-opt'), [wasmPath(), '--mvp-features', ...features.map((f) => `--enable-${f}`), '-q', '-o', '/dev/null'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  });
});

describe('outputs', () => {
  it('a damaged record passes through salvaged, as the core salvages it, from every filter', () => {
    // Damaged as the CloudFront guide's example is: a placeholder where an object was.
    const rec = Buffer.from('{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"bob","accountId":"111122223333","arn":"arn:aws:iam::111122223333:user/bob"},"eventTime":"2024-03-01T12:00:00Z","eventSource":"cloudfront.amazonaws.com","eventName":"UpdateDistribution2020_05_31","awsRegion":"us-east-1","requestParameters":{"id":"E1","distributionConfig":{ distributionConfig omitted }},"eventID":"d-1"}');
    const marked = {
      cloudtrail_filter: (o) => o['event.salvaged'] === true && o['requestParameters.distributionConfig.~0damaged'] === 'distributionConfig omitted',
      cloudtrail_filter_passthrough: (o) => o['event.salvaged'] === true && o['event.original'] === rec.toString(),
      cloudtrail_filter_ecs: (o) => o.tags?.[0] === 'salvaged' && o.aws?.cloudtrail?.salvaged === true && o.event?.original === rec.toString(),
      cloudtrail_filter_ocsf: (o) => o.metadata?.labels?.[0] === 'salvaged' && o.raw_data === rec.toString(),
    };
    for (const fn of FUNCTIONS) {
      const [text, obj] = kept(fn, new Filter(fn).call(TAG, 1_709_287_200, 5, rec));
      const r = coreTransform(rec, profileOf(fn));
      assert.ok(r.doc !== undefined, `${fn}: the core salvages the record`);
      assert.ok(toAscii(text) === r.doc, `${fn}: differs from transform()`);
      assert.ok(marked[fn](obj), `${fn}: not marked as salvaged: ${text.subarray(0, 400)}`);
    }
    // A line cut short (a shipper's line limit): salvaged too, and marked truncated.
    const cut = Buffer.from('{"eventName":"CreateDistribution","awsRegion":"us-');
    const [text, obj] = kept('cut', new Filter('cloudtrail_filter').call(TAG, 0, 0, cut));
    assert.ok(toAscii(text) === coreTransform(cut, 'flat').doc);
    assert.deepEqual([obj['event.salvaged'], obj['event.salvage.truncated'], obj['event.action']], [true, true, 'CreateDistribution']);
  });

  it('fixtures match the core in every profile', () => {
    const recs = fixtureRecords();
    for (const fn of FUNCTIONS) {
      const filter = new Filter(fn);
      for (const [name, rec] of recs) {
        const [text, obj] = kept(name, filter.call(TAG, 1_709_287_200, 5, rec));
        assertSameAsCore(name, fn, rec, text, obj);
        // Fluent Bit keeps its own timestamp and tag: the filter's answer does not depend on them.
        const again = filter.call(Buffer.from('other.tag'), 0, 999_999_999, rec);
        assert.ok(again.kind === 'text' && again.text.equals(text), `${name}: output depends on tag or time`);
      }
    }
  });

  it('fixtures are flattened losslessly', () => {
    const filter = new Filter('cloudtrail_filter');
    let ours = 0;
    for (const [name, rec] of fixtureRecords()) {
      let input;
      try {
        input = JSON.parse(rec.toString('utf8'));
      } catch {
        input = undefined;
      }
      // Other suites' fixtures include deliberately broken lines (covered by the test above).
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        assert.ok(!name.includes('/fixtures/fluentbit/'), `${name}: our fixture is not a JSON object`);
        continue;
      }
      if (name.includes('/fixtures/fluentbit/')) ours++;
      const [, obj] = kept(name, filter.call(TAG, 0, 0, rec));
      assert.ok(!('event.original' in obj), `${name}: a readable record became an error entry`);
      assertFlattenedLosslessly(name, input, obj);
    }
    assert.ok(ours >= 6, `only ${ours} records from tests/fixtures/fluentbit`);
  });

  it('real samples match the core', { skip: samplesPresent ? false : '../shared/samples is absent' }, (t) => {
    const recs = sampleRecords();
    assert.ok(recs.length > 0);
    const filter = new Filter('cloudtrail_filter');
    for (const [name, rec] of recs) {
      const [text, obj] = kept(name, filter.call(TAG, 0, 0, rec));
      assertSameAsCore(name, 'cloudtrail_filter', rec, text, obj);
    }
    t.diagnostic(`${recs.length} records`);
  });

  it('records over 256 KB', (t) => {
    const filter = new Filter('cloudtrail_filter');
    const cases = [
      ['2,000 origins', bigUpdate(2000, 0)],
      ['1 MiB string', bigUpdate(3, 1 << 20)],
      ['8 MiB', bigUpdate(20000, 5 << 20)],
    ];
    for (const [name, rec] of cases) {
      assert.ok(rec.length > 256 << 10, `${name}: only ${rec.length} bytes`);
      const [text, obj] = kept(name, filter.call(TAG, 0, 0, rec));
      assert.ok(!('event.original' in obj), `${name}: became an error entry`);
      assertSameAsCore(name, 'cloudtrail_filter', rec, text, obj);
      assertFlattenedLosslessly(name, JSON.parse(rec.toString('utf8')), obj);
      t.diagnostic(`${name}: ${rec.length} bytes in, ${text.length} out, memory ${filter.memorySize()} bytes`);
    }
  });

  it('invalid JSON comes back as an error entry (what salvage declines: no intact CloudTrail member)', () => {
    const cases = [
      ['truncated', '{"bucket":"logs","awsRegion":"us-'],
      ['trailing brace', '{"a":1}}'],
      ['two objects', '{"a":1}{"b":2}'],
      ['array', '[{"eventName":"x"}]'],
      ['string', '"just text"'],
      ['number', '42'],
      ['null', 'null'],
      ['empty', ''],
      ['blank', '   \n'],
      ['single quotes', "{'eventName':'x'}"],
      ['bare word', '{eventName: x}'],
      ['invalid utf-8', Buffer.from([...Buffer.from('{"eventName":"'), 0xff, 0xfe, ...Buffer.from('"}')])],
      ['raw NUL in a string', '{"eventName":"a\0b"}'],
      ['raw newline in a string', '{"eventName":"a\nb"}'],
      ['bad escape', '{"eventName":"\\x41"}'],
      ['missing value', '{"eventName":}'],
      ['trailing comma', '{"a":1,}'],
    ];
    assert.equal(cases.length, 17);
    for (const fn of ['cloudtrail_filter', 'cloudtrail_filter_passthrough']) {
      const filter = new Filter(fn);
      for (const [name, c] of cases) {
        const rec = Buffer.from(c);
        const r = coreTransform(rec, 'flat');
        assert.ok(r.err, `${name}: the core accepted it: ${r.doc}`);
        const [, obj] = kept(name, filter.call(TAG, 0, 0, rec));
        assertErrorEntry(`${fn}: ${name}`, rec, obj, r.err);
      }
    }
  });

  it('hostile records', () => {
    const script =
      '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}},"eventName":"<script>alert(1)</script>","userAgent":"\\"><img src=x onerror=alert(1)>","requestParameters":{"__proto__":"<script>","toString":"x","hasOwnProperty":null},"awsRegion":"us-east-1\\u0000\\u2028\\u2029"}';
    const manyKeys = `{${Array.from({ length: 50000 }, (_, n) => `"k${n}":${n},`).join('')}"last":true}`;
    const cases = [
      ['prototype keys and markup', Buffer.from(script)],
      ['200,000 nested objects', nestedObjects(200000)],
      ['200,000 nested arrays', deepArrays(200000)],
      ['100 nested objects', nestedObjects(100)],
      // Just under the core's nesting limit (512): the deepest recursion a record can cause.
      ['510 nested objects', nestedObjects(510)],
      ['510 nested arrays', deepArrays(510)],
      ['50,000 keys', Buffer.from(manyKeys)],
      ['300 KB key', Buffer.from(`{"${'k'.repeat(300000)}":1}`)],
    ];
    for (const fn of ['cloudtrail_filter', 'cloudtrail_filter_passthrough']) {
      const filter = new Filter(fn);
      for (const [name, rec] of cases) {
        const label = `${fn}: ${name}`;
        const [text, obj] = kept(label, filter.call(TAG, 0, 0, rec));
        assertSameAsCore(label, 'cloudtrail_filter', rec, text, obj);
        if (name.startsWith('510')) assert.ok(!('event.original' in obj), `${label}: within the nesting limit, yet not read`);
      }
      // The keys JavaScript treats specially are ordinary keys, and markup is kept as text.
      const [, obj] = kept('script', filter.call(TAG, 0, 0, Buffer.from(script)));
      assert.equal(obj['__proto__.isAdmin'], true);
      assert.equal(obj['constructor.prototype.polluted'], 1);
      assert.equal(obj['requestParameters.__proto__'], '<script>');
      assert.equal(obj.eventName, '<script>alert(1)</script>');
      assert.equal(obj.awsRegion, 'us-east-1\u0000\u2028\u2029');
      // Too deep to read: an error entry that keeps the whole record, in both modes (a record the
      // filter cannot check cannot be passed through as an object).
      const deep = nestedObjects(200000);
      const [, entry] = kept('deep', filter.call(TAG, 0, 0, deep));
      assert.equal(entry['error.type'], 'limit');
      assert.equal(entry['event.original'].length, deep.length);
    }
  });

  it('pass-through returns an oversized object unchanged, with error keys', () => {
    // Over maxRecordBytes (64 MiB): a well-formed object the core will not transform.
    const rec = Buffer.concat([Buffer.from('{"eventName":"Big","blob":"'), Buffer.alloc(64 << 20, 'x'), Buffer.from('"}')]);
    let filter = new Filter('cloudtrail_filter_passthrough');
    const out = filter.call(TAG, 0, 0, rec);
    assert.equal(out.kind, 'text', 'dropped');
    const text = out.text;
    const head = Buffer.from(`{"error.message":"limit: record of ${rec.length} bytes`);
    assert.ok(text.subarray(0, head.length).equals(head), text.subarray(0, 200).toString());
    const tail = Buffer.from('","error.type":"limit","eventName":"Big","blob":"');
    const at = text.indexOf(tail);
    assert.ok(at > 0, 'error keys, then the record\'s members');
    const members = at + tail.length - Buffer.byteLength('"eventName":"Big","blob":"');
    assert.ok(text.subarray(members).equals(rec.subarray(1)), 'members not unchanged');
    const [, obj] = kept('oversized', out);
    assert.equal(obj.blob.length, 64 << 20);

    filter = new Filter('cloudtrail_filter');
    const [, entry] = kept('oversized entry', filter.call(TAG, 0, 0, rec));
    assert.equal(entry['error.type'], 'limit');
    assert.ok(Buffer.from(entry['event.original']).equals(rec));
  });
});

/**
 * The rules scripts/build.d/fluentbit.sh built in: pkg/sigma/index.json (what `sigmaRules()`
 * reads) when `npm run build` wrote it, else its own extraction in target/sigma; null when
 * neither exists (no copy of SigmaHQ/sigma: the filter was built without rules).
 */
function builtinRules() {
  if (existsSync(join(ROOT, 'pkg/sigma/index.json'))) return { from: 'pkg/sigma (sigmaRules())', rules: sigmaRules() };
  const own = join(ROOT, 'target/sigma/index.json');
  if (existsSync(own)) return { from: 'target/sigma', rules: JSON.parse(readFileSync(own, 'utf8')).rules };
  return null;
}
const BUILTIN = builtinRules();

/**
 * The real logs tests/sigma.rs runs SigmaHQ's rules on: ../shared/samples/real and the
 * invictus-ir detonation logs in ../shared/samples/bulk (where Stratus Red Team's calls that
 * SigmaHQ has rules for are), as sampleRecords reads them, plus files holding a bare array.
 */
function realRecords() {
  return recordsIn([SAMPLES, join(ROOT, '../shared/samples/bulk/invictus-ir-aws_dataset')], true);
}

/** transform(record, { rules, salvage }) from the Node package: `{ doc }` (an object) or `{ err }`. */
function nodeTransform(rec, profile, rules) {
  try {
    return { doc: transform(rec, { profile, salvage: true, rules }) };
  } catch (err) {
    assert.equal(typeof err.kind, 'string', `transform threw something else: ${err}`);
    return { err };
  }
}

describe('the _sigma functions (SigmaHQ\'s rules built in)', () => {
  const have = BUILTIN ? false : 'no SigmaHQ rules in this build (no copy of SigmaHQ/sigma: pkg/sigma and target/sigma are absent)';

  it('give what transform(record, { rules: sigmaRules() }) gives, on the fixtures and the real samples', { skip: have }, (t) => {
    const recs = [...fixtureRecords(), ...(samplesPresent ? realRecords() : [])];
    let fired = 0;
    const stratus = new Set();
    for (const fn of SIGMA_FUNCTIONS) {
      const filter = new Filter(fn);
      for (const [name, rec] of recs) {
        const [, obj] = kept(`${fn}: ${name}`, filter.call(TAG, 1_709_287_200, 5, rec));
        const r = nodeTransform(rec, profileOf(fn), BUILTIN.rules);
        if (r.doc !== undefined) assert.deepEqual(obj, r.doc, `${fn}: ${name}: differs from transform() with the rules`);
        else assertErrorEntry(`${fn}: ${name}`, rec, obj, r.err);
        if (fn === 'cloudtrail_filter_sigma' && obj['rule.id'] !== undefined) {
          fired++;
          if (name.includes('stratus-red-team') || String(obj.userAgent).includes('stratus-red-team')) stratus.add(name);
        }
      }
    }
    if (samplesPresent) assert.ok(stratus.size > 0, 'no real Stratus Red Team record got rule.id');
    t.diagnostic(`${recs.length} records, rules from ${BUILTIN.from} (${BUILTIN.rules.length}); ${fired} matched, ${stratus.size} of them Stratus Red Team's`);
  });

  it('without rules in the build, every record is an error entry saying so (never passed as if nothing matched)', { skip: BUILTIN ? 'this build has the rules' : false }, () => {
    const rec = Buffer.from('{"eventVersion":"1.08","eventTime":"2024-01-02T03:04:05Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1"}');
    for (const fn of SIGMA_FUNCTIONS) {
      const [, obj] = kept(fn, new Filter(fn).call(TAG, 0, 0, rec));
      assert.equal(obj['error.type'], 'option', fn);
      assert.match(obj['error.message'], /not in this build/, fn);
      assert.equal(obj['event.original'], rec.toString(), fn);
    }
  });

  it('the functions without _sigma evaluate no rules', () => {
    // A record SigmaHQ's "AWS CloudTrail Important Change" (StopLogging) matches.
    const rec = Buffer.from('{"eventVersion":"1.08","eventTime":"2024-01-02T03:04:05Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}}');
    const [, flat] = kept('flat', new Filter('cloudtrail_filter').call(TAG, 0, 0, rec));
    assert.ok(!('rule.id' in flat), 'cloudtrail_filter wrote rule.id');
    assert.deepEqual(flat, transform(rec, { salvage: true }));
    if (BUILTIN) {
      const [, sigma] = kept('sigma', new Filter('cloudtrail_filter_sigma').call(TAG, 0, 0, rec));
      assert.equal(typeof sigma['rule.id'], 'string', 'the StopLogging record matches no built-in rule');
    }
  });
});

describe('memory over time', () => {
  it('linear memory stays flat over 1,000,000 calls, and the result buffer does not move', (t) => {
    const calls = Number(process.env.FLUENTBIT_HOST_CALLS || 1_000_000);
    const recs = fixtureRecords().map(([, r]) => r);
    const small = recs.length;
    recs.push(bigUpdate(2000, 0), Buffer.from('{"eventName":'), nestedObjects(10000));
    const filter = new Filter('cloudtrail_filter');
    // Warm-up: one of each, so the buffers reach the largest record's size.
    for (const r of recs) kept('warm-up', filter.call(TAG, 0, 0, r));
    const size = filter.memorySize();
    const addr = filter.callAddr(recs[0]);
    let bytesOut = 0;
    for (let n = 0; n < calls; n++) {
      // Mostly small records, with the large, invalid and deep ones now and then.
      const r = n % 1000 === 999 ? recs[small + (Math.floor(n / 1000) % 3)] : recs[n % small];
      const o = filter.call(TAG, n, 0, r);
      if (o.kind !== 'text' || o.text[0] !== 0x7b || o.text[o.text.length - 1] !== 0x7d) assert.fail(`call ${n}: ${JSON.stringify(o)}`);
      bytesOut += o.text.length;
    }
    assert.equal(filter.memorySize(), size, `linear memory grew over ${calls} calls`);
    assert.equal(filter.callAddr(recs[0]), addr, 'output buffer moved');
    t.diagnostic(`${calls} calls, ${bytesOut} bytes out, memory ${size} bytes throughout`);
  });
});
