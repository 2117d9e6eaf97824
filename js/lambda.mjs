// cloudfront-trail/lambda: an AWS Lambda handler for CloudTrail's S3 deliveries (docs/LAMBDA.md).
// Triggers: S3 ObjectCreated notifications, the same wrapped in SQS messages (directly or through
// SNS; partial batch failures), and EventBridge "Object Created" events. Each log object is
// streamed from S3 through createTransformStream into a gzipped NDJSON object whose key is derived
// from the source key alone, so a retry overwrites what an earlier attempt wrote.
//
// Failure rule: a read or write failure (network, S3, a short read) aborts the output's multipart
// upload and fails the object, so Lambda or SQS retries it; a problem in the data itself (a bad
// record, bad gzip, a limit) is deterministic, so it becomes an error entry in the output instead
// and the object succeeds: retrying could not change it, and nothing is dropped.
import { PassThrough, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { CloudTrailError, createSplitter, transform } from './node.mjs';
import { createTransformStream } from './stream.mjs';

let sdk;
try {
  const [s3, storage] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);
  sdk = { ...s3, Upload: storage.Upload };
} catch (e) {
  throw new Error(
    'cloudfront-trail/lambda needs @aws-sdk/client-s3 and @aws-sdk/lib-storage v3: install them next to ' +
      'cloudfront-trail in the deployment package (docs/LAMBDA.md)',
    { cause: e },
  );
}

const MIB = 1 << 20;
// The part of an unreadable object kept in its error entry (the whole object stays in its bucket).
const ORIGINAL_HEAD = 64 << 10;
// Digest files are a few KiB; one larger than this is not read for indexing.
const MAX_DIGEST_BYTES = 16 * MIB;
// Options the handler sets itself or that would make it drop or throw on records.
const RESERVED_OPTIONS = new Set(['profile', 'strict', 'ndjson', 'bytes', 'highWaterMark']);

/**
 * Reads and checks the configuration from environment variables; throws one Error listing every
 * problem. See docs/LAMBDA.md for the variables.
 */
export function loadConfig(env = process.env) {
  const problems = [];
  const get = (name) => (env[name] === undefined || env[name] === '' ? undefined : String(env[name]));
  const int = (name, dflt, min, max) => {
    const raw = get(name);
    if (raw === undefined) return dflt;
    const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return dflt;
    }
    return n;
  };

  let bucket;
  let prefix = '';
  const dest = get('TRAIL_DESTINATION');
  if (dest === undefined) {
    problems.push('TRAIL_DESTINATION is required: the output location, s3://bucket or s3://bucket/prefix/');
  } else {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(dest.trim());
    if (!m) {
      problems.push(`TRAIL_DESTINATION must look like s3://bucket or s3://bucket/prefix/, got ${JSON.stringify(dest)}`);
    } else {
      bucket = m[1];
      prefix = (m[2] ?? '').replace(/^\/+/, '');
      if (prefix && !prefix.endsWith('/')) prefix += '/';
    }
  }

  const profile = get('TRAIL_PROFILE') ?? 'flat';
  if (!['flat', 'ecs', 'ocsf'].includes(profile)) {
    problems.push(`TRAIL_PROFILE must be flat, ecs or ocsf, got ${JSON.stringify(profile)}`);
  }

  const digests = get('TRAIL_DIGESTS') ?? 'skip';
  if (!['skip', 'index'].includes(digests)) {
    problems.push(`TRAIL_DIGESTS must be skip or index, got ${JSON.stringify(digests)}`);
  }

  let options = {};
  const rawOptions = get('TRAIL_OPTIONS');
  if (rawOptions !== undefined) {
    try {
      options = JSON.parse(rawOptions);
    } catch (e) {
      problems.push(`TRAIL_OPTIONS must be a JSON object: ${e.message}`);
    }
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      if (!problems.some((p) => p.startsWith('TRAIL_OPTIONS'))) problems.push('TRAIL_OPTIONS must be a JSON object');
      options = {};
    }
    for (const k of Object.keys(options)) {
      if (RESERVED_OPTIONS.has(k)) {
        problems.push(
          k === 'profile'
            ? 'TRAIL_OPTIONS: set the profile with TRAIL_PROFILE'
            : `TRAIL_OPTIONS: ${k} is not accepted here (the handler writes NDJSON and keeps bad records as error entries)`,
        );
        delete options[k];
      }
    }
  }
  if (!problems.some((p) => p.startsWith('TRAIL_PROFILE') || p.startsWith('TRAIL_OPTIONS'))) {
    // The core checks every option's name, type and range: the same check the first object would hit.
    try {
      createSplitter({ ...options, profile }).free();
    } catch (e) {
      problems.push(`TRAIL_OPTIONS: ${e.message}`);
    }
  }

  const partSize = int('TRAIL_PART_SIZE_MB', 8, 5, 512) * MIB;
  const queueSize = int('TRAIL_UPLOAD_QUEUE', 2, 1, 16);
  const gzipLevel = int('TRAIL_GZIP_LEVEL', 6, 1, 9);

  if (problems.length) {
    throw new Error(`cloudfront-trail/lambda: bad configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return Object.freeze({ bucket, prefix, profile, options: Object.freeze(options), digests, partSize, queueSize, gzipLevel });
}

// AWSLogs/[<org-id>/]<account>/<CloudTrail|CloudTrail-Insight|CloudTrail-Digest>/<region>/YYYY/MM/DD/<file>,
// after any prefix the trail was given.
const TRAIL_KEY =
  /(?:^|\/)AWSLogs\/(?:o-[a-z0-9]{10,32}\/)?(\d{12})\/(CloudTrail|CloudTrail-Insight|CloudTrail-Digest)\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/([^/]+)$/;
const OUTPUT_SUBTREE = /^(account=|_digests\/|_insights\/|_unpartitioned\/)/;

/** The name without the extensions CloudTrail and log shippers add. */
function stem(name) {
  return name.replace(/(\.json|\.ndjson|\.jsonl|\.log)?(\.gz)?$/i, '') || name;
}

/**
 * Where the output of a source key goes (docs/LAMBDA.md, "Output keys"): `{ kind, key }`, kind
 * one of `cloudtrail`, `insight`, `digest`, `other`. Depends only on the key and the config.
 */
export function outputKey(sourceKey, config) {
  const m = TRAIL_KEY.exec(sourceKey);
  if (!m) return { kind: 'other', key: `${config.prefix}_unpartitioned/${stem(sourceKey)}.ndjson.gz` };
  const [, account, type, region, y, mo, d, name] = m;
  const kind = type === 'CloudTrail' ? 'cloudtrail' : type === 'CloudTrail-Insight' ? 'insight' : 'digest';
  const sub = kind === 'cloudtrail' ? '' : kind === 'insight' ? '_insights/' : '_digests/';
  return { kind, key: `${config.prefix}${sub}account=${account}/region=${region}/date=${y}-${mo}-${d}/${stem(name)}.ndjson.gz` };
}

// ---- event shapes -----------------------------------------------------------------------------

/** S3 notification keys are form-encoded ("a b" arrives as "a+b"); EventBridge keys are not. */
function decodeS3Key(key) {
  return decodeURIComponent(String(key).replace(/\+/g, ' '));
}

/**
 * The objects an event names, as `{ bucket, key, size }`, plus `skipped` notes for what it names
 * that is not a created object (test events, deletions). Throws on a payload it cannot read.
 */
export function objectsOf(payload) {
  const objects = [];
  const skipped = [];
  if (payload && typeof payload === 'object' && payload.Type === 'Notification' && typeof payload.Message === 'string') {
    return objectsOf(JSON.parse(payload.Message)); // S3 -> SNS -> SQS without raw delivery
  }
  if (payload && Array.isArray(payload.Records)) {
    for (const r of payload.Records) {
      if (r && r.eventSource === 'aws:s3' && r.s3 && r.s3.bucket && r.s3.object) {
        const where = { bucket: r.s3.bucket.name, key: decodeS3Key(r.s3.object.key), size: r.s3.object.size };
        if (typeof r.eventName === 'string' && r.eventName.startsWith('ObjectCreated:')) objects.push(where);
        else skipped.push({ ...where, reason: `event ${r.eventName}` });
      } else {
        throw new Error('not an S3 event notification record');
      }
    }
    return { objects, skipped };
  }
  if (payload && payload.source === 'aws.s3' && payload.detail && payload.detail.bucket && payload.detail.object) {
    const where = { bucket: payload.detail.bucket.name, key: String(payload.detail.object.key), size: payload.detail.object.size };
    if (payload['detail-type'] === 'Object Created') objects.push(where);
    else skipped.push({ ...where, reason: `event ${payload['detail-type']}` });
    return { objects, skipped };
  }
  if (payload && payload.Event === 's3:TestEvent') {
    skipped.push({ bucket: payload.Bucket, reason: 's3:TestEvent' });
    return { objects, skipped };
  }
  throw new Error('not an S3 notification, SNS notification of one, or EventBridge S3 event');
}

// ---- one object -------------------------------------------------------------------------------

/** Passes bytes through, counts them, keeps the first few; fails at the end on a short read. */
function readGuard(expected) {
  const head = [];
  let headBytes = 0;
  const guard = new Transform({
    transform(chunk, _enc, cb) {
      guard.bytes += chunk.length;
      if (headBytes < ORIGINAL_HEAD) {
        const part = chunk.subarray(0, ORIGINAL_HEAD - headBytes);
        head.push(Buffer.from(part));
        headBytes += part.length;
      }
      cb(null, chunk);
    },
    flush(cb) {
      // Node reports a dropped connection, but a body that simply ends early must not reach the
      // parser's end: it would read as truncated data, an error entry instead of a retry.
      if (typeof expected === 'number' && guard.bytes !== expected) {
        cb(new Error(`short read: got ${guard.bytes} of ${expected} bytes`));
      } else cb();
    },
  });
  guard.bytes = 0;
  guard.head = () => Buffer.concat(head);
  return guard;
}

/** The error entry for an object the core could not read to the end (bad gzip, a limit, ...). */
function objectErrorEntry(err, src, head) {
  const e = {
    'error.message': `${err.message} (object s3://${src.bucket}/${src.key})`,
    'error.type': err.kind,
  };
  if (typeof err.offset === 'number') e['error.offset'] = err.offset;
  e['event.original'] = head.toString('utf8');
  e['file.path'] = `s3://${src.bucket}/${src.key}`;
  return e;
}

function statsOf(ts) {
  try {
    const s = ts.stats;
    return {
      records: s.records, errors: s.errors, format: s.format, gzip: s.gzip,
      ...(s.skipped !== undefined && { skipped: s.skipped }), ...(s.salvaged !== undefined && { salvaged: s.salvaged }),
    };
  } catch {
    return {};
  }
}

async function convert(s3, config, src, out) {
  const got = await s3.send(new sdk.GetObjectCommand({ Bucket: src.bucket, Key: src.key }));
  const guard = readGuard(got.ContentLength);
  // Change tracking on, as in the library (TRAIL_OPTIONS `{"track":false}` turns it off), within
  // the object: an invocation keeps no history across objects.
  const ts = createTransformStream({ ...config.options, profile: config.profile, ndjson: true });
  const gz = createGzip({ level: config.gzipLevel });
  const body = new PassThrough();
  const upload = new sdk.Upload({
    client: s3,
    params: { Bucket: config.bucket, Key: out.key, Body: body, ContentType: 'application/gzip' },
    partSize: config.partSize,
    queueSize: config.queueSize,
    leavePartsOnError: false, // a failed upload is aborted: no parts left behind, no object
  });
  const uploading = upload.done();
  // When writing fails, stop reading (the pipeline would otherwise wait on backpressure forever).
  const stop = new AbortController();
  uploading.catch(() => stop.abort());

  // Output side: gzip into the upload. Input side: S3 -> guard -> core -> a sink feeding gzip.
  // They are two pipelines so that a data error can still end the output with its error entry.
  const writing = pipeline(gz, body, { signal: stop.signal });
  writing.catch(() => stop.abort());
  let dataError = null;
  const sink = new Writable({
    write(chunk, _enc, cb) {
      if (gz.destroyed) cb(new Error('the output stream is closed'));
      else if (gz.write(chunk)) cb();
      else gz.once('drain', cb);
    },
  });
  const reading = pipeline(got.Body, guard, ts, sink, { signal: stop.signal }).then(
    () => gz.end(),
    (e) => {
      if (e instanceof CloudTrailError && !stop.signal.aborted) {
        dataError = e;
        gz.end(`${JSON.stringify(objectErrorEntry(e, src, guard.head()))}\n`);
      } else {
        gz.destroy(e); // fails `writing`, which destroys `body`, which fails the upload: aborted
        throw e;
      }
    },
  );
  const [r, w, u] = await Promise.allSettled([reading, writing, uploading]);
  const failed = [r, u, w].find((x) => x.status === 'rejected');
  if (failed) {
    // The read failure first, as the cause; an upload's "aborted" is its consequence.
    const cause = r.status === 'rejected' ? r.reason : u.status === 'rejected' ? u.reason : w.reason;
    throw new Error(`s3://${src.bucket}/${src.key} -> s3://${config.bucket}/${out.key}: ${cause && cause.message}`, { cause });
  }
  const stats = statsOf(ts);
  if (dataError) stats.errors = (stats.errors ?? 0) + 1;
  if (stats.format === 'digest' && config.digests === 'skip') {
    // A digest under a key that did not say so: found only by content, so its (empty) output goes.
    await s3.send(new sdk.DeleteObjectCommand({ Bucket: config.bucket, Key: out.key }));
    return { status: 'skipped', reason: 'digest (by content)', ...stats };
  }
  return { status: dataError ? 'partial' : 'ok', output: `s3://${config.bucket}/${out.key}`, bytesIn: guard.bytes, ...stats };
}

/** Digest index: the digest's own fields (flat, no enrichment) as one NDJSON line. */
async function indexDigest(s3, config, src, out) {
  const got = await s3.send(new sdk.GetObjectCommand({ Bucket: src.bucket, Key: src.key }));
  const chunks = [];
  let n = 0;
  let tooBig = false;
  for await (const c of got.Body) {
    n += c.length;
    if (n > MAX_DIGEST_BYTES) {
      tooBig = true; // a property of the object, not a failed read
      got.Body.destroy();
      break;
    }
    chunks.push(c);
  }
  if (!tooBig && typeof got.ContentLength === 'number' && n !== got.ContentLength) {
    throw new Error(`s3://${src.bucket}/${src.key}: short read: got ${n} of ${got.ContentLength} bytes`);
  }
  const raw = Buffer.concat(chunks);
  let line;
  try {
    if (tooBig) {
      throw new CloudTrailError(`limit: digest file larger than ${MAX_DIGEST_BYTES} bytes`, { kind: 'limit' });
    }
    let text = raw;
    if (raw[0] === 0x1f && raw[1] === 0x8b) {
      try {
        text = gunzipSync(raw, { maxOutputLength: MAX_DIGEST_BYTES });
      } catch (e) {
        throw new CloudTrailError(`input: gzip: ${e.message}`, { kind: 'input' });
      }
    }
    const flat = transform(text, { ...config.options, enrich: false });
    line = JSON.stringify({ ...flat, 'file.path': `s3://${src.bucket}/${src.key}` });
  } catch (e) {
    if (!(e instanceof CloudTrailError)) throw e;
    line = JSON.stringify(objectErrorEntry(e, src, raw.subarray(0, ORIGINAL_HEAD)));
  }
  const gz = gzipSync(`${line}\n`, { level: config.gzipLevel });
  await s3.send(new sdk.PutObjectCommand({ Bucket: config.bucket, Key: out.key, Body: gz, ContentType: 'application/gzip' }));
  return { status: 'ok', output: `s3://${config.bucket}/${out.key}`, format: 'digest', records: 1, errors: 0 };
}

/** One object, start to end: `{ status, output?, records?, errors?, ... }`; throws on read/write failure. */
export async function processObject(s3, config, src) {
  const out = outputKey(src.key, config);
  if (src.bucket === config.bucket && src.key.startsWith(config.prefix) && OUTPUT_SUBTREE.test(src.key.slice(config.prefix.length)) && src.key.endsWith('.ndjson.gz')) {
    return { status: 'skipped', reason: 'our own output' }; // a notification on the output bucket must not loop
  }
  if (src.key.endsWith('/') && !src.size) return { status: 'skipped', reason: 'folder marker' };
  if (out.kind === 'digest') {
    if (config.digests === 'skip') return { status: 'skipped', reason: 'digest' };
    return indexDigest(s3, config, src, out);
  }
  return convert(s3, config, src, out);
}

// ---- the handler ------------------------------------------------------------------------------

function defaultLog(entry) {
  console.log(JSON.stringify(entry));
}

/**
 * A Lambda handler for S3, SQS (wrapping S3, SNS or EventBridge payloads) and EventBridge events.
 * `config` as from `loadConfig`; `s3` an S3Client (default: one from the environment); `log` gets
 * one object per object processed or skipped.
 */
export function createHandler(config, { s3, log = defaultLog } = {}) {
  if (!config || typeof config.bucket !== 'string') throw new TypeError('createHandler: config must come from loadConfig(env)');
  const client = s3 ?? new sdk.S3Client({});

  async function run(payload) {
    const { objects, skipped } = objectsOf(payload);
    for (const s of skipped) log({ status: 'skipped', ...s });
    const failures = [];
    const results = [];
    // One object at a time: memory stays that of one stream, whatever the batch holds.
    for (const src of objects) {
      const t0 = Date.now();
      try {
        const res = await processObject(client, config, src);
        results.push(res);
        log({ source: `s3://${src.bucket}/${src.key}`, ...res, ms: Date.now() - t0 });
      } catch (e) {
        failures.push(e);
        log({ source: `s3://${src.bucket}/${src.key}`, status: 'failed', error: e.message, ms: Date.now() - t0 });
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} of ${objects.length} objects failed`);
    return { objects: results.length, skipped: skipped.length };
  }

  return async function handler(event) {
    if (event && Array.isArray(event.Records) && event.Records.length && event.Records.every((r) => r && r.eventSource === 'aws:sqs')) {
      // SQS: report failed messages only (the event source mapping needs ReportBatchItemFailures).
      const batchItemFailures = [];
      let fifoFailed = false;
      for (const msg of event.Records) {
        // On a FIFO queue, the messages after a failure must not overtake it.
        if (fifoFailed) {
          batchItemFailures.push({ itemIdentifier: msg.messageId });
          continue;
        }
        try {
          await run(JSON.parse(msg.body));
        } catch (e) {
          log({ messageId: msg.messageId, status: 'failed', error: e.message });
          batchItemFailures.push({ itemIdentifier: msg.messageId });
          if (String(msg.eventSourceARN ?? '').endsWith('.fifo')) fifoFailed = true;
        }
      }
      return { batchItemFailures };
    }
    // S3 (asynchronous invoke) and EventBridge: a throw makes Lambda retry the whole event.
    return run(event);
  };
}

// The handler Lambda calls, configured from the environment. In Lambda a bad configuration fails
// the cold start with its message; elsewhere (tools, tests importing createHandler) it is thrown
// by the first call instead.
let envConfig;
let envError;
try {
  envConfig = loadConfig(process.env);
} catch (e) {
  if (process.env.AWS_LAMBDA_FUNCTION_NAME) throw e;
  envError = e;
}
export const handler = envError
  ? async () => {
      throw envError;
    }
  : createHandler(envConfig);
