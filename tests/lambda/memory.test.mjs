// Memory: a 250 MB log object goes through the handler, in a process of its own, with a peak RSS
// under 200 MiB (what a 256 MB Lambda leaves), with the handler's defaults (change tracking on).
// Not timed. LAMBDA_MEMORY_MB changes the size.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { Upload } from '@aws-sdk/lib-storage';
import * as h from './harness.mjs';

const MB = Number(process.env.LAMBDA_MEMORY_MB || 250);
const LIMIT = 200 * 1024 * 1024;
const CHILD = join(h.ROOT, 'tests/lambda/memory-child.mjs');

let moto;
let s3;

before(async () => {
  moto = await h.startMoto();
  s3 = h.s3Client(moto.endpoint);
  await h.createBucket(s3, 'big-src');
  await h.createBucket(s3, 'big-dst');
});

after(async () => {
  s3?.destroy();
  await moto?.stop();
});

async function measure(t, key, body, count) {
  await new Upload({ client: s3, params: { Bucket: 'big-src', Key: key, Body: body }, partSize: 16 << 20 }).done();
  const arg = JSON.stringify({ endpoint: moto.endpoint, destination: 's3://big-dst/', event: h.s3Event(h.s3Record('big-src', key, 0)) });
  const { stdout } = await promisify(execFile)(process.execPath, ['--no-warnings', CHILD, arg], { maxBuffer: 1 << 20, timeout: 600_000 });
  const got = JSON.parse(stdout.trim().split('\n').pop());
  const [log] = got.logs;
  t.diagnostic(
    `${log.bytesIn} bytes in (${log.gzip ? 'gzip' : 'plain'}), ${log.records} records: peak RSS ${(got.maxRssBytes / 2 ** 20).toFixed(1)} MiB, ${got.seconds.toFixed(1)} s`,
  );
  assert.equal(log.status, 'ok');
  assert.equal(log.records, count());
  assert.equal(log.errors, 0);
  assert.ok(got.maxRssBytes < LIMIT, `peak RSS ${got.maxRssBytes} bytes, over ${LIMIT}`);
  return log;
}

it(`a ${MB} MB log object (plain JSON) stays under 200 MiB RSS`, async (t) => {
  const body = h.logStream(MB * 1e6, 64); // a little random text per record: many output parts
  const log = await measure(t, h.trailKey('CloudTrail', '111122223333_CloudTrail_us-east-1_20240314T1105Z_plain.json'), body, body.count);
  assert.ok(log.bytesIn >= MB * 1e6);
});

it(`a gzip log object holding ${MB} MB of JSON stays under 200 MiB RSS`, async (t) => {
  const text = h.logStream(MB * 1e6, 64);
  const body = text.pipe(createGzip({ level: 1 }));
  const log = await measure(t, h.trailKey('CloudTrail', '111122223333_CloudTrail_us-east-1_20240314T1105Z_gzip.json.gz'), body, text.count);
  assert.equal(log.gzip, true);
});
