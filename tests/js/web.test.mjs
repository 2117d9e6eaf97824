// The browser entry (js/web.mjs), exercised in Node with explicit bytes: init() is required,
// idempotent, shares one load between concurrent callers, and can be retried after a failure.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as web from '../../js/web.mjs';

const WASM = fileURLToPath(new URL('../../pkg/web/cloudfront_trail_bg.wasm', import.meta.url));

test('web entry: API before init throws; init(bytes) is idempotent; then the API works', async () => {
  assert.throws(() => web.transform('{}'), (e) => e instanceof web.CloudTrailError && /init\(\)/.test(e.message));
  // Bytes that are not wasm fail cleanly, and a later init can still succeed.
  await assert.rejects(web.init(new Uint8Array([0, 1, 2, 3])), (e) => e instanceof web.CloudTrailError && e.kind === 'input');
  const bytes = fs.readFileSync(WASM);
  const a = web.init(bytes);
  const b = web.init(bytes);
  assert.equal(a, b, 'concurrent calls share one load');
  await a;
  await web.init(); // already loaded: resolves without fetching anything
  assert.equal(web.default, web.init);
  const out = web.transform('{"eventName":"GetDistribution2020_05_31","requestParameters":{"id":"E2Q"}}', { enrich: false });
  assert.deepEqual(out, { eventName: 'GetDistribution2020_05_31', 'requestParameters.id': 'E2Q' });
  const log = web.transformLog('{"a":1}\n{"a":\n{"a":3}\n', { enrich: false });
  assert.equal(log.records.length, 2);
  assert.equal(log.errors.length, 1);
  assert.equal(typeof web.createSplitter().push('{"a":1}'), 'string');
});
