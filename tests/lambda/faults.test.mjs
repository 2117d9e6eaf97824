// Failure semantics against a real S3 API: the handler talks to moto through a proxy on loopback
// that injects faults mid-object. A read or write failure must leave no output object (the
// multipart upload aborted), fail the invocation so it is retried, and the retry must complete
// with exactly the output a clean run gives.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { createHandler, loadConfig } from '../../js/lambda.mjs';
import { transformLogToNdjson } from '../../js/node.mjs';
import * as h from './harness.mjs';

const NAME = '111122223333_CloudTrail_us-east-1_20240314T1105Z_faultTEST0000001.json';
const OUT = 'account=111122223333/region=us-east-1/date=2024-03-14/111122223333_CloudTrail_us-east-1_20240314T1105Z_faultTEST0000001.ndjson.gz';
const KEY = h.trailKey('CloudTrail', NAME);

let moto;
let proxy;
let direct; // a client straight to moto, to check what is really there
let viaProxy; // the handler's client
let source; // the log text: records padded with random text so the output spans several 5 MiB parts
let expected;
let seq = 0;

before(async () => {
  moto = await h.startMoto();
  proxy = await h.startProxy(moto.port);
  direct = h.s3Client(moto.endpoint);
  // Few retries, short waits: the faults below persist, so retrying longer proves nothing.
  viaProxy = h.s3Client(proxy.endpoint, { maxAttempts: 2 });
  source = h.logText(6000, 2000);
  expected = transformLogToNdjson(source); // the handler's defaults: change tracking on
});

after(async () => {
  direct?.destroy();
  viaProxy?.destroy();
  await proxy?.close();
  await moto?.stop();
});

async function setup() {
  seq++;
  const src = `fault-src-${seq}`;
  const dst = `fault-dst-${seq}`;
  await h.createBucket(direct, src);
  await h.createBucket(direct, dst);
  await h.put(direct, src, KEY, source);
  proxy.rule = null;
  proxy.down = false;
  proxy.seen = [];
  const logs = [];
  const handler = createHandler(loadConfig({ TRAIL_DESTINATION: `s3://${dst}/`, TRAIL_PART_SIZE_MB: '5' }), {
    s3: viaProxy,
    log: (e) => logs.push(e),
  });
  return { src, dst, handler, logs };
}

async function exists(bucket, key) {
  try {
    await direct.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    if (e.$metadata?.httpStatusCode === 404) return false;
    throw e;
  }
}

const isPart = (req, n) => req.method === 'PUT' && new URL(req.url, 'http://x').searchParams.get('partNumber') === String(n);

describe('faults mid-object', () => {
  it('a clean run writes several parts (so the faults below hit a multipart upload)', async () => {
    const { src, dst, handler } = await setup();
    await handler(h.s3Event(h.s3Record(src, KEY, Buffer.byteLength(source))));
    assert.ok(proxy.seen.some((s) => s.startsWith('PUT') && s.includes('partNumber=3')), 'at least 3 parts');
    assert.equal(await h.readOutput(direct, dst, OUT), expected);
  });

  it('write failure (UploadPart fails): upload aborted, no object, SQS reports the message, a retry completes', async () => {
    const { src, dst, handler, logs } = await setup();
    proxy.rule = (req) => (isPart(req, 2) ? 'fail' : undefined);
    const msg = h.sqsMessage(h.s3Event(h.s3Record(src, KEY, Buffer.byteLength(source))));
    const res = await handler(h.sqsEvent(msg));
    assert.deepEqual(res, { batchItemFailures: [{ itemIdentifier: msg.messageId }] });
    assert.match(logs.find((l) => l.status === 'failed').error, /injected by the test proxy|InternalError/);
    assert.ok(proxy.seen.some((s) => s.startsWith('POST') && s.includes('uploads')), 'a multipart upload was started');
    assert.ok(proxy.seen.some((s) => s.startsWith('DELETE') && s.includes('uploadId=')), 'and aborted');
    assert.equal(await exists(dst, OUT), false);
    assert.deepEqual(await h.multipartUploads(direct, dst), []);

    proxy.rule = null; // SQS delivers the message again
    assert.deepEqual(await handler(h.sqsEvent(msg)), { batchItemFailures: [] });
    assert.equal(await h.readOutput(direct, dst, OUT), expected);
    assert.deepEqual(await h.listKeys(direct, dst), [OUT]);
    assert.deepEqual(await h.multipartUploads(direct, dst), []);
  });

  it('read failure (the connection drops mid-object): upload aborted, no object, the invocation fails, a retry completes', async () => {
    const { src, dst, handler } = await setup();
    const size = Buffer.byteLength(source);
    // Drop the source's connection once the output's first part is on its way.
    const partWritten = () => proxy.seen.some((s) => s.startsWith('PUT') && s.includes('partNumber=1'));
    let cutAt = -1;
    const cut = (n) => {
      if (cutAt < 0 && partWritten()) cutAt = n;
      return cutAt >= 0;
    };
    proxy.rule = (req) => (req.method === 'GET' && req.url.startsWith(`/${src}/`) ? { cut } : undefined);
    const ev = h.s3Event(h.s3Record(src, KEY, size));
    await assert.rejects(handler(ev), (e) => {
      assert.match(e.message, new RegExp(`s3://${src}/`));
      return true;
    });
    assert.ok(cutAt > 0 && cutAt < size, `the connection dropped after ${cutAt} of ${size} bytes, a part written`);
    assert.ok(proxy.seen.some((s) => s.startsWith('DELETE') && s.includes('uploadId=')), 'the multipart upload was aborted');
    assert.equal(await exists(dst, OUT), false);
    assert.deepEqual(await h.multipartUploads(direct, dst), []);

    proxy.rule = null; // Lambda's retry
    assert.deepEqual(await handler(ev), { objects: 1, skipped: 0 });
    assert.equal(await h.readOutput(direct, dst, OUT), expected);
  });

  it('S3 goes away mid-upload: no object is visible, the invocation fails, a retry completes', async () => {
    const { src, dst, handler } = await setup();
    proxy.rule = (req) => {
      if (isPart(req, 2)) {
        proxy.down = true; // refuse every new connection, the abort included
        setImmediate(proxy.dropAll);
      }
      return undefined;
    };
    const ev = h.eventBridgeEvent(src, KEY, Buffer.byteLength(source));
    await assert.rejects(handler(ev));
    assert.equal(await exists(dst, OUT), false);
    // The abort could not reach S3 either: the unfinished upload is invisible but stays listed
    // until a lifecycle rule (AbortIncompleteMultipartUpload, docs/LAMBDA.md) removes it.
    const orphans = await h.multipartUploads(direct, dst);
    assert.equal(orphans.length, 1);

    proxy.down = false;
    proxy.rule = null;
    await handler(ev);
    assert.equal(await h.readOutput(direct, dst, OUT), expected);
    assert.deepEqual(await h.listKeys(direct, dst), [OUT]);
    assert.deepEqual((await h.multipartUploads(direct, dst)).map((u) => u.UploadId), orphans.map((u) => u.UploadId));
  });

  it('a body that ends early without an error is a failed read, not truncated data', async () => {
    const { src, dst } = await setup();
    // The S3 client's GetObject answer, its body cut short but ending cleanly.
    const shortReads = {
      config: viaProxy.config,
      async send(cmd) {
        const r = await viaProxy.send(cmd);
        if (cmd instanceof GetObjectCommand) {
          const bytes = Buffer.from(await r.Body.transformToByteArray());
          r.Body = Readable.from([bytes.subarray(0, bytes.length >> 1)]);
        }
        return r;
      },
    };
    const handler = createHandler(loadConfig({ TRAIL_DESTINATION: `s3://${dst}/` }), { s3: shortReads, log: () => {} });
    await assert.rejects(handler(h.s3Event(h.s3Record(src, KEY, 1))), /short read: got \d+ of \d+ bytes/);
    assert.equal(await exists(dst, OUT), false);
  });
});
