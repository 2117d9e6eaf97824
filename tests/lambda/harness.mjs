// Test harness for the Lambda handler: a moto S3 server on loopback, a fault-injecting HTTP proxy
// in front of it, S3 clients, and real-shaped CloudTrail log files.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const MOTO = process.env.MOTO_SERVER || join(ROOT, 'target/moto-venv/bin/moto_server');

export const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts moto's S3 server on 127.0.0.1 and a free port; `stop()` ends it. Bounded wait. */
export async function startMoto() {
  const port = await freePort();
  const child = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const kill = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', kill);
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`moto_server exited at start: ${stderr}`);
    if (i >= 300) {
      kill();
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    const ok = await new Promise((resolve) => {
      const req = http.get(`${endpoint}/moto-api/`, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.setTimeout(1000, () => req.destroy());
    });
    if (ok) break;
    await sleep(100);
  }
  return {
    endpoint,
    port,
    async stop() {
      process.off('exit', kill);
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    },
  };
}

/**
 * An HTTP proxy on loopback in front of `target`. `proxy.rule = (req) => action` injects faults:
 * 'fail' (a 500 InternalError), { cut(bytesSentSoFar) } (the connection drops mid-body once it
 * returns true), or
 * undefined (forward). `proxy.down = true` refuses every connection. `proxy.seen` logs requests.
 */
export async function startProxy(targetPort) {
  const sockets = new Set();
  const proxy = { rule: null, down: false, seen: [] };
  const server = http.createServer((req, res) => {
    proxy.seen.push(`${req.method} ${req.url}`);
    const action = proxy.rule ? proxy.rule(req) : undefined;
    if (action === 'fail') {
      req.resume();
      req.on('end', () => {
        res.writeHead(500, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected by the test proxy</Message></Error>');
      });
      return;
    }
    const up = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (ur) => {
        res.writeHead(ur.statusCode, ur.headers);
        if (action && typeof action.cut === 'function') {
          // Forward with backpressure (so the client has read about what was sent), and drop the
          // connection mid-body once the predicate says so.
          let n = 0;
          ur.on('data', (c) => {
            if (action.cut(n)) {
              ur.destroy();
              res.socket.destroy();
              return;
            }
            n += c.length;
            if (!res.write(c)) {
              ur.pause();
              res.once('drain', () => ur.resume());
            }
          });
          ur.on('end', () => res.end());
        } else {
          ur.pipe(res);
        }
      },
    );
    up.on('error', () => res.socket && res.socket.destroy());
    req.pipe(up);
  });
  server.on('connection', (s) => {
    if (proxy.down) {
      s.destroy();
      return;
    }
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  proxy.endpoint = `http://127.0.0.1:${server.address().port}`;
  proxy.dropAll = () => {
    for (const s of sockets) s.destroy();
  };
  proxy.close = () =>
    new Promise((r) => {
      proxy.dropAll();
      server.close(r);
    });
  return proxy;
}

export function s3Client(endpoint, extra = {}) {
  return new S3Client({ endpoint, region: 'us-east-1', credentials: CREDENTIALS, forcePathStyle: true, ...extra });
}

export async function createBucket(s3, name) {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
}

export async function put(s3, bucket, key, body) {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

export async function getBytes(s3, bucket, key) {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body.transformToByteArray());
}

/** The NDJSON lines of a gzipped output object, parsed. */
export async function readOutput(s3, bucket, key) {
  const text = gunzipSync(await getBytes(s3, bucket, key)).toString('utf8');
  return text;
}

export async function listKeys(s3, bucket, prefix = '') {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key).sort();
}

export async function multipartUploads(s3, bucket) {
  const r = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return r.Uploads ?? [];
}

// ---- real-shaped CloudTrail data ----------------------------------------------------------------

const SAMPLE = JSON.parse(readFileSync(join(ROOT, 'examples/cloudfront-sample.json'), 'utf8')).Records;

/** The i-th record: a sample CloudFront record with its own IDs and time (and `pad` random bytes of text). */
export function record(i, pad = 0) {
  const r = structuredClone(SAMPLE[i % SAMPLE.length]);
  r.eventID = `${(i >>> 0).toString(16).padStart(8, '0')}-1111-4222-8333-444455556666`;
  r.requestID = `req-${i}`;
  const t = new Date(Date.UTC(2024, 2, 14, 10, 0, 0) + i * 1000);
  r.eventTime = t.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (pad) r.requestParameters = { ...r.requestParameters, comment: randomBytes(pad).toString('base64') };
  return r;
}

/** A CloudTrail log file's text: {"Records":[...]} with n records. */
export function logText(n, pad = 0, first = 0) {
  const recs = [];
  for (let i = 0; i < n; i++) recs.push(record(first + i, pad));
  return JSON.stringify({ Records: recs });
}

/** A stream of a CloudTrail log file of about `bytes` bytes (not held whole); `count()` after. */
export function logStream(bytes, pad = 0) {
  let i = 0;
  let out = 0;
  let state = 0;
  const s = new Readable({
    read() {
      if (state === 0) {
        state = 1;
        out += 13;
        this.push('{"Records":[\n');
        return;
      }
      if (state === 2) return;
      const parts = [];
      let size = 0;
      while (size < 1 << 20 && out + size < bytes) {
        const t = (i ? ',\n' : '') + JSON.stringify(record(i, pad));
        parts.push(t);
        size += Buffer.byteLength(t);
        i++;
      }
      out += size;
      if (out >= bytes) {
        parts.push(']}\n');
        state = 2;
        this.push(parts.join(''));
        this.push(null);
      } else this.push(parts.join(''));
    },
  });
  s.count = () => i;
  return s;
}

export const ACCOUNT = '111122223333';

export function trailKey(type, name, { region = 'us-east-1', date = '2024/03/14', prefix = '', org = '' } = {}) {
  return `${prefix}AWSLogs/${org ? `${org}/` : ''}${ACCOUNT}/${type}/${region}/${date}/${name}`;
}

export function digestText(logKeys, bucket) {
  return JSON.stringify({
    awsAccountId: ACCOUNT,
    digestStartTime: '2024-03-14T10:00:00Z',
    digestEndTime: '2024-03-14T11:00:00Z',
    digestS3Bucket: bucket,
    digestS3Object: trailKey('CloudTrail-Digest', `${ACCOUNT}_CloudTrail-Digest_us-east-1_main_us-east-1_20240314T110000Z.json.gz`),
    digestPublicKeyFingerprint: '4a7aa197feec25e9bd0b5e98fcad8ecb',
    digestSignatureAlgorithm: 'SHA256withRSA',
    newestEventTime: '2024-03-14T10:59:00Z',
    oldestEventTime: '2024-03-14T10:00:00Z',
    previousDigestS3Bucket: bucket,
    previousDigestS3Object: null,
    previousDigestHashValue: null,
    previousDigestHashAlgorithm: null,
    previousDigestSignature: null,
    logFiles: logKeys.map((k) => ({
      s3Bucket: bucket,
      s3Object: k,
      hashValue: randomBytes(32).toString('hex'),
      hashAlgorithm: 'SHA-256',
      newestEventTime: '2024-03-14T10:59:00Z',
      oldestEventTime: '2024-03-14T10:00:00Z',
    })),
  });
}

// ---- event payloads, as AWS delivers them ---------------------------------------------------------

/** S3 event notification record (the key form-encoded, as S3 sends it). */
export function s3Record(bucket, key, size, eventName = 'ObjectCreated:Put') {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2024-03-14T11:05:12.345Z',
    eventName,
    userIdentity: { principalId: 'AWS:AROAEXAMPLE:regionalDeliverySession' },
    requestParameters: { sourceIPAddress: '198.51.100.7' },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'cloudtrail-to-lambda',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
      object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'), size, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0055AED6DCD90281E5' },
    },
  };
}

export function s3Event(...records) {
  return { Records: records };
}

export function eventBridgeEvent(bucket, key, size) {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: ACCOUNT,
    time: '2024-03-14T11:05:12Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size, etag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '617f08299329d189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: 'cloudtrail.amazonaws.com',
      'source-ip-address': '198.51.100.7',
      reason: 'PutObject',
    },
  };
}

let msgSeq = 0;
export function sqsMessage(body, queue = 'cloudtrail-objects') {
  msgSeq++;
  return {
    messageId: `059f36b4-87a3-44ab-83d2-${String(msgSeq).padStart(12, '0')}`,
    receiptHandle: `AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a-${msgSeq}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1710414312345', SenderId: 'AIDAIENQZJOLO23YVJ4VO', ApproximateFirstReceiveTimestamp: '1710414312350' },
    messageAttributes: {},
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:${ACCOUNT}:${queue}`,
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(...messages) {
  return { Records: messages };
}
