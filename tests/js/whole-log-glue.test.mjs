// transformLogToNdjson's glue (js/core.mjs, ndjsonInPlace): the log is written straight into wasm
// memory and the NDJSON read straight out of it. Whatever route a call takes (string or bytes in,
// string or bytes out, Node's Buffer or the browser's TextEncoder/TextDecoder, a text that needs
// the second, wider write), the string out is the bytes out with every non-ASCII character as
// its `\u` escape, and the bytes out do not change with the route.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { transformLogToNdjson } from '../../js/node.mjs';

// The reference for the string out: JSON's escapes of what the bytes out say, as UTF-16 units.
const escaped = (bytes) => new TextDecoder().decode(bytes)
  .replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const record = (i, s) => JSON.stringify({ eventVersion: '1.08', eventName: `Get${i}`, requestParameters: { name: s, n: i } });
const logs = {
  ascii: `{"Records":[${Array.from({ length: 50 }, (_, i) => record(i, 'plain')).join(',')}]}`,
  // Two- and three-byte characters and surrogate pairs, far more than the first write's room of
  // one byte a unit plus 1/64: the second write takes the rest.
  'mostly non-ASCII': `{"Records":[${Array.from({ length: 50 }, (_, i) => record(i, 'é日本語😀'.repeat(20 + i))).join(',')}]}`,
  // Non-ASCII only at the very end, after the first write's room.
  'non-ASCII at the end': `{"Records":[${Array.from({ length: 50 }, (_, i) => record(i, 'x')).join(',')},${record(99, '日本語'.repeat(200))}]}`,
  // No character above U+00FF: Node's route writes it one byte a character (latin1Write) and the
  // wasm makes UTF-8 of it; U+0080 and U+00FF at both ends of the text too.
  'Latin-1 only': `{"Records":[${Array.from({ length: 50 }, (_, i) => record(i, 'é\u0080x\u00ff'.repeat(i % 7) + 'ñ')).join(',')}]}`
    .replace(/^{/, '\u00ff {').replace(/}$/, '} \u0080'),
  // A lone surrogate (raw, not JSON's escape of it) is written as U+FFFD, as TextEncoder does.
  'lone surrogate': '{"Records":[{"eventName":"X","name":"a' + String.fromCharCode(0xd800) + 'b"}]}',
  ndjson: `${record(1, 'ü')}\n{"bad":\n${record(2, 'ok')}\n`,
  empty: '',
};

test('transformLogToNdjson: string out = bytes out with \\u escapes, whatever goes in (Node)', () => {
  for (const [name, log] of Object.entries(logs)) {
    const bytes = transformLogToNdjson(log, { bytes: true });
    assert.ok(bytes instanceof Uint8Array, name);
    assert.deepEqual(transformLogToNdjson(new TextEncoder().encode(log), { bytes: true }), bytes, name);
    const text = transformLogToNdjson(log);
    assert.match(text, /^[\x00-\x7f]*$/, name);
    assert.equal(text, escaped(bytes), name);
    assert.equal(transformLogToNdjson(Buffer.from(log)), text, name);
  }
  assert.match(transformLogToNdjson(logs['lone surrogate']), /a\\ufffdb/);
});

test('transformLogToNdjson: the route without Node\'s Buffer (browsers) gives the same output', () => {
  // A child process without globalThis.Buffer loads the browser entry (js/web.mjs).
  const web = fileURLToPath(new URL('../../js/web.mjs', import.meta.url));
  const wasm = fileURLToPath(new URL('../../pkg/web/cloudfront_trail_bg.wasm', import.meta.url));
  const script = `
    const fs = await import('node:fs');
    const bytes = fs.readFileSync(process.env.WASM);
    // Node's fetch (undici, loaded on first use of Response, which the glue looks for) needs Buffer.
    void globalThis.Response;
    delete globalThis.Buffer;
    const web = await import(process.env.WEB);
    await web.init(bytes);
    const logs = JSON.parse(fs.readFileSync(0, 'utf8'));
    const out = {};
    for (const [k, v] of Object.entries(logs)) out[k] = [web.transformLogToNdjson(v), Array.from(web.transformLogToNdjson(v, { bytes: true }))];
    process.stdout.write(JSON.stringify(out));`;
  const got = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    input: JSON.stringify(logs), env: { ...process.env, WEB: web, WASM: wasm }, maxBuffer: 1 << 26,
  }).toString());
  for (const [name, log] of Object.entries(logs)) {
    assert.equal(got[name][0], transformLogToNdjson(log), name);
    assert.deepEqual(Uint8Array.from(got[name][1]), transformLogToNdjson(log, { bytes: true }), name);
  }
});

test('transformLogToNdjson: strict keeps what was read before the bad record, on every route', () => {
  const log = `${record(1, 'é')}\n{"bad":\n${record(2, 'ok')}\n`;
  for (const input of [log, Buffer.from(log)]) {
    for (const bytes of [false, true]) {
      assert.throws(() => transformLogToNdjson(input, { strict: true, bytes }), (e) => {
        assert.equal(e.output, escaped(transformLogToNdjson(record(1, 'é'), { bytes: true })));
        return true;
      });
    }
  }
  // The instance is fine afterwards.
  assert.equal(transformLogToNdjson(record(3, 'x')).split('\n').length, 2);
});
