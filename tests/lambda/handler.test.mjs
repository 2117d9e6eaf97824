// The Lambda handler against a real S3 API (moto's server on loopback): all three trigger shapes,
// every profile, digests, corrupt objects, determinism of retries, and the cold-start check.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHandler, loadConfig, objectsOf, outputKey } from '../../js/lambda.mjs';
import { transformLogToNdjson } from '../../js/node.mjs';
import * as h from './harness.mjs';

const NAME = '111122223333_CloudTrail_us-east-1_20240314T1105Z_abcdEFGH1234ijkl.json.gz';
const OUT = 'account=111122223333/region=us-east-1/date=2024-03-14/111122223333_CloudTrail_us-east-1_20240314T1105Z_abcdEFGH1234ijkl.ndjson.gz';

let moto;
let s3;
let bucketSeq = 0;

/** Fresh source and destination buckets, and a handler writing to dst/prefix. */
async function setup(env = {}, prefix = 'cloudtrail/') {
  bucketSeq++;
  const src = `trail-logs-${bucketSeq}`;
  const dst = `trail-flat-${bucketSeq}`;
  await h.createBucket(s3, src);
  await h.createBucket(s3, dst);
  const logs = [];
  const config = loadConfig({ TRAIL_DESTINATION: `s3://${dst}/${prefix}`, ...env });
  const handler = createHandler(config, { s3, log: (e) => logs.push(e) });
  return { src, dst, config, handler, logs };
}

async function exists(bucket, key) {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return false;
    throw e;
  }
}

before(async () => {
  moto = await h.startMoto();
  s3 = h.s3Client(moto.endpoint);
});

after(async () => {
  s3?.destroy();
  await moto?.stop();
});

describe('configuration (cold start)', () => {
  it('reads the destination, profile and options', () => {
    const c = loadConfig({
      TRAIL_DESTINATION: 's3://my-flat-logs/cloudtrail',
      TRAIL_PROFILE: 'ocsf',
      TRAIL_OPTIONS: '{"enrich":false,"arrays":"index"}',
      TRAIL_DIGESTS: 'index',
      TRAIL_PART_SIZE_MB: '16',
    });
    assert.equal(c.bucket, 'my-flat-logs');
    assert.equal(c.prefix, 'cloudtrail/');
    assert.equal(c.profile, 'ocsf');
    assert.deepEqual(c.options, { enrich: false, arrays: 'index' });
    assert.equal(c.digests, 'index');
    assert.equal(c.partSize, 16 << 20);
    const d = loadConfig({ TRAIL_DESTINATION: 's3://b-1' });
    assert.deepEqual([d.prefix, d.profile, d.digests, d.partSize, d.queueSize, d.gzipLevel], ['', 'flat', 'skip', 8 << 20, 2, 6]);
  });

  it('lists every problem in one clear message', () => {
    assert.throws(
      () =>
        loadConfig({
          TRAIL_PROFILE: 'splunk',
          TRAIL_OPTIONS: '{"strict":true}',
          TRAIL_DIGESTS: 'keep',
          TRAIL_PART_SIZE_MB: '4',
        }),
      (e) => {
        assert.match(e.message, /bad configuration/);
        assert.match(e.message, /TRAIL_DESTINATION is required/);
        assert.match(e.message, /TRAIL_PROFILE must be flat, ecs or ocsf, got "splunk"/);
        assert.match(e.message, /TRAIL_OPTIONS: strict is not accepted/);
        assert.match(e.message, /TRAIL_DIGESTS must be skip or index/);
        assert.match(e.message, /TRAIL_PART_SIZE_MB must be a whole number from 5 to 512, got "4"/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ TRAIL_DESTINATION: 'my-bucket/prefix' }), /TRAIL_DESTINATION must look like s3:\/\/bucket/);
    assert.throws(() => loadConfig({ TRAIL_DESTINATION: 's3://b-1', TRAIL_OPTIONS: '{"maxDepth":' }), /TRAIL_OPTIONS must be a JSON object/);
    assert.throws(() => loadConfig({ TRAIL_DESTINATION: 's3://b-1', TRAIL_OPTIONS: '[1]' }), /TRAIL_OPTIONS must be a JSON object/);
    // Names, types and ranges are the core's own checks.
    assert.throws(() => loadConfig({ TRAIL_DESTINATION: 's3://b-1', TRAIL_OPTIONS: '{"maxDepht":3}' }), /TRAIL_OPTIONS: .*maxDepht/);
    assert.throws(() => loadConfig({ TRAIL_DESTINATION: 's3://b-1', TRAIL_OPTIONS: '{"separator":"~"}' }), /TRAIL_OPTIONS: .*separator/);
    assert.throws(() => loadConfig({ TRAIL_DESTINATION: 's3://b-1', TRAIL_OPTIONS: '{"profile":"ecs"}' }), /set the profile with TRAIL_PROFILE/);
  });

  it('fails the cold start in Lambda, and works from the environment alone', async () => {
    const code = "import('cloudfront-trail/lambda').then(m => m.handler(JSON.parse(process.argv[1]))).then(r => console.log(JSON.stringify(r)))";
    const bad = spawnSync(process.execPath, ['--no-warnings', '-e', code, '{}'], {
      cwd: h.ROOT,
      env: { PATH: process.env.PATH, AWS_LAMBDA_FUNCTION_NAME: 'cloudtrail-flatten', TRAIL_PROFILE: 'elk' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /TRAIL_DESTINATION is required/);
    assert.match(bad.stderr, /TRAIL_PROFILE must be flat, ecs or ocsf, got "elk"/);

    // The exported `handler`, configured as Lambda would: environment variables only.
    const { src, dst } = await setup();
    const key = h.trailKey('CloudTrail', NAME);
    const body = gzipSync(h.logText(7));
    await h.put(s3, src, key, body);
    const good = spawnSync(process.execPath, ['--no-warnings', '-e', code, JSON.stringify(h.s3Event(h.s3Record(src, key, body.length)))], {
      cwd: h.ROOT,
      env: {
        PATH: process.env.PATH,
        AWS_LAMBDA_FUNCTION_NAME: 'cloudtrail-flatten',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_ENDPOINT_URL_S3: moto.endpoint,
        TRAIL_DESTINATION: `s3://${dst}/from-env`,
        TRAIL_PROFILE: 'ecs',
        TRAIL_OPTIONS: '{"track":false}',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(good.status, 0, good.stderr);
    assert.deepEqual(JSON.parse(good.stdout.trim().split('\n').pop()), { objects: 1, skipped: 0 });
    const text = await h.readOutput(s3, dst, `from-env/${OUT}`);
    // `{"track":false}` in TRAIL_OPTIONS still turns change tracking off (on by default).
    assert.equal(text, transformLogToNdjson(body, { profile: 'ecs', track: false }));
    assert.notEqual(text, transformLogToNdjson(body, { profile: 'ecs' }));
  });
});

describe('output keys', () => {
  const config = loadConfig({ TRAIL_DESTINATION: 's3://out-bucket/flat/' });
  it('partitions by account, region and date from the CloudTrail key', () => {
    assert.deepEqual(outputKey(h.trailKey('CloudTrail', NAME), config), { kind: 'cloudtrail', key: `flat/${OUT}` });
    // A trail prefix, an organization trail, another region and day.
    const org = h.trailKey('CloudTrail', '111122223333_CloudTrail_eu-west-3_20231231T2355Z_x.json.gz', {
      prefix: 'org-trail/',
      org: 'o-exampleorgid1',
      region: 'eu-west-3',
      date: '2023/12/31',
    });
    assert.deepEqual(outputKey(org, config), {
      kind: 'cloudtrail',
      key: 'flat/account=111122223333/region=eu-west-3/date=2023-12-31/111122223333_CloudTrail_eu-west-3_20231231T2355Z_x.ndjson.gz',
    });
    assert.equal(outputKey(h.trailKey('CloudTrail-Insight', 'i.json.gz'), config).key, 'flat/_insights/account=111122223333/region=us-east-1/date=2024-03-14/i.ndjson.gz');
    assert.equal(outputKey(h.trailKey('CloudTrail-Digest', 'd.json.gz'), config).kind, 'digest');
    assert.deepEqual(outputKey('exports/2024/lookup-events.json', config), { kind: 'other', key: 'flat/_unpartitioned/exports/2024/lookup-events.ndjson.gz' });
  });
});

describe('event shapes', () => {
  it('decodes S3 notification keys, skips test events and other event types, unwraps SNS', () => {
    const key = 'prefix with space/AWSLogs/x+y:z.json.gz';
    const ev = h.s3Event(h.s3Record('b', key, 10), h.s3Record('b', 'gone.json.gz', 0, 'ObjectRemoved:Delete'));
    assert.equal(ev.Records[0].s3.object.key, 'prefix+with+space/AWSLogs/x%2By%3Az.json.gz'); // as S3 sends it
    const got = objectsOf(ev);
    assert.deepEqual(got.objects, [{ bucket: 'b', key, size: 10 }]);
    assert.equal(got.skipped[0].reason, 'event ObjectRemoved:Delete');
    assert.deepEqual(objectsOf({ Type: 'Notification', MessageId: 'm', TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: JSON.stringify(ev) }).objects, got.objects);
    const test = objectsOf({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2024-03-14T11:05:12.345Z', Bucket: 'b', RequestId: 'r', HostId: 'h' });
    assert.deepEqual(test, { objects: [], skipped: [{ bucket: 'b', reason: 's3:TestEvent' }] });
    // EventBridge keys arrive as they are.
    assert.deepEqual(objectsOf(h.eventBridgeEvent('b', 'a+b c.json', 5)).objects, [{ bucket: 'b', key: 'a+b c.json', size: 5 }]);
    assert.throws(() => objectsOf({ hello: 'world' }), /not an S3 notification/);
  });
});

describe('end to end against S3', () => {
  it('S3 notification: streams a gzipped log file to partitioned gzipped NDJSON (flat)', async () => {
    const { src, dst, handler, logs } = await setup();
    const key = h.trailKey('CloudTrail', NAME);
    const text = h.logText(120);
    const body = gzipSync(text);
    await h.put(s3, src, key, body);
    const res = await handler(h.s3Event(h.s3Record(src, key, body.length)));
    assert.deepEqual(res, { objects: 1, skipped: 0 });
    assert.deepEqual(await h.listKeys(s3, dst), [`cloudtrail/${OUT}`]);
    const out = await h.readOutput(s3, dst, `cloudtrail/${OUT}`);
    assert.equal(out, transformLogToNdjson(text));
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l));
    // Change tracking is on by default, within the object: updates say what changed.
    assert.ok(lines.some((l) => l['cloudfront.change.state'] === 'changed'));
    assert.equal(lines.length, 120);
    assert.equal(lines[119].eventID, h.record(119).eventID); // every record, in order
    assert.equal(lines[0]['event.action'], h.record(0).eventName.replace(/\d{4}_\d{2}_\d{2}$/, ''));
    assert.equal(logs[0].status, 'ok');
    assert.equal(logs[0].records, 120);
    assert.equal(logs[0].gzip, true);
  });

  it('a damaged record: an error entry by default; with TRAIL_OPTIONS salvage, a record counted in salvaged', async () => {
    const good = h.logText(3);
    // Damaged as the CloudFront guide's example: a placeholder where an object was.
    const text = good.replace('"requestParameters":{', '"requestParameters":{ omitted },"x":{');
    assert.notEqual(text, good);
    for (const [env, want] of [[{}, { records: 2, errors: 1 }], [{ TRAIL_OPTIONS: '{"salvage":true}' }, { records: 3, errors: 0, salvaged: 1 }]]) {
      const { src, dst, handler, logs } = await setup(env);
      const key = h.trailKey('CloudTrail', NAME);
      const body = gzipSync(text);
      await h.put(s3, src, key, body);
      await handler(h.s3Event(h.s3Record(src, key, body.length)));
      const opts = env.TRAIL_OPTIONS ? JSON.parse(env.TRAIL_OPTIONS) : {};
      assert.equal(await h.readOutput(s3, dst, `cloudtrail/${OUT}`), transformLogToNdjson(text, opts));
      assert.deepEqual({ records: logs[0].records, errors: logs[0].errors, ...(want.salvaged !== undefined && { salvaged: logs[0].salvaged }) }, want);
      if (!env.TRAIL_OPTIONS) assert.equal(logs[0].salvaged, 0);
    }
  });

  it('EventBridge "Object Created": ECS documents', async () => {
    const { src, dst, handler } = await setup({ TRAIL_PROFILE: 'ecs' });
    const key = h.trailKey('CloudTrail', NAME);
    const body = gzipSync(h.logText(30));
    await h.put(s3, src, key, body);
    await handler(h.eventBridgeEvent(src, key, body.length));
    const out = await h.readOutput(s3, dst, `cloudtrail/${OUT}`);
    assert.equal(out, transformLogToNdjson(body, { profile: 'ecs' }));
    assert.equal(JSON.parse(out.split('\n')[0]).ecs.version.split('.')[0], '8');
  });

  it('SQS batch: OCSF, partial batch failures, test events, SNS and EventBridge bodies', async () => {
    const { src, dst, handler } = await setup({ TRAIL_PROFILE: 'ocsf' });
    const keys = [0, 1, 2].map((i) => h.trailKey('CloudTrail', NAME.replace('abcd', `f${i}`)));
    const bodies = keys.map((_, i) => gzipSync(h.logText(10 + i, 0, 100 * i)));
    for (let i = 0; i < 3; i++) await h.put(s3, src, keys[i], bodies[i]);
    const missing = h.trailKey('CloudTrail', NAME.replace('abcd', 'gone'));
    const direct = h.sqsMessage(h.s3Event(h.s3Record(src, keys[0], bodies[0].length)));
    const viaSns = h.sqsMessage({ Type: 'Notification', MessageId: 'sns-1', Message: JSON.stringify(h.s3Event(h.s3Record(src, keys[1], bodies[1].length))) });
    const viaEventBridge = h.sqsMessage(h.eventBridgeEvent(src, keys[2], bodies[2].length));
    const testEvent = h.sqsMessage({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2024-03-14T11:00:00.000Z', Bucket: src, RequestId: 'X', HostId: 'Y' });
    const gone = h.sqsMessage(h.s3Event(h.s3Record(src, missing, 100)));
    const garbage = h.sqsMessage('this is not JSON');
    const res = await handler(h.sqsEvent(direct, gone, viaSns, testEvent, garbage, viaEventBridge));
    assert.deepEqual(res, { batchItemFailures: [{ itemIdentifier: gone.messageId }, { itemIdentifier: garbage.messageId }] });
    for (let i = 0; i < 3; i++) {
      const outKey = `cloudtrail/${OUT.replace('abcd', `f${i}`)}`;
      assert.equal(await h.readOutput(s3, dst, outKey), transformLogToNdjson(bodies[i], { profile: 'ocsf' }));
    }
    assert.equal((await h.listKeys(s3, dst)).length, 3);
  });

  it('SQS FIFO: the messages after a failure are reported failed too, in order', async () => {
    const { src, handler } = await setup();
    const key = h.trailKey('CloudTrail', NAME);
    const body = gzipSync(h.logText(3));
    await h.put(s3, src, key, body);
    const ok1 = h.sqsMessage(h.s3Event(h.s3Record(src, key, body.length)), 'ct.fifo');
    const bad = h.sqsMessage(h.s3Event(h.s3Record(src, 'AWSLogs/missing.json.gz', 1)), 'ct.fifo');
    const ok2 = h.sqsMessage(h.s3Event(h.s3Record(src, key, body.length)), 'ct.fifo');
    const res = await handler(h.sqsEvent(ok1, bad, ok2));
    assert.deepEqual(res.batchItemFailures.map((f) => f.itemIdentifier), [bad.messageId, ok2.messageId]);
  });

  it('S3 notification naming a missing object fails the invocation (Lambda retries)', async () => {
    const { src, handler, logs } = await setup();
    await assert.rejects(handler(h.s3Event(h.s3Record(src, h.trailKey('CloudTrail', NAME), 10))), /NoSuchKey|does not exist/);
    assert.equal(logs[0].status, 'failed');
  });

  it('a bad record becomes an error entry in place; the records around it come out', async () => {
    const { src, dst, handler } = await setup();
    const key = h.trailKey('CloudTrail', NAME);
    const good = h.logText(5);
    const text = good.replace('},{"eventVersion"', '},{"eventVersion": oops, "x":1},{"eventVersion"');
    assert.notEqual(text, good);
    await h.put(s3, src, key, gzipSync(text));
    await handler(h.s3Event(h.s3Record(src, key, 1)));
    const lines = (await h.readOutput(s3, dst, `cloudtrail/${OUT}`)).trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 6);
    assert.equal(lines[1]['error.type'], 'syntax');
    assert.equal(lines[1]['event.original'], '{"eventVersion": oops, "x":1}');
    assert.deepEqual(lines.filter((l) => !l['event.original']).map((l) => l.eventID), [0, 1, 2, 3, 4].map((i) => h.record(i).eventID));
  });

  it('a corrupt object: the records read before the damage, then one error entry naming the object', async () => {
    const { src, dst, handler, logs } = await setup();
    const key = h.trailKey('CloudTrail', NAME);
    const whole = gzipSync(h.logText(2000));
    const cut = whole.subarray(0, Math.floor(whole.length * 0.6)); // gzip that stops mid-stream
    await h.put(s3, src, key, cut);
    const res = await handler(h.s3Event(h.s3Record(src, key, cut.length)));
    assert.deepEqual(res, { objects: 1, skipped: 0 }); // data errors are not retried: they would recur
    const lines = (await h.readOutput(s3, dst, `cloudtrail/${OUT}`)).trimEnd().split('\n').map((l) => JSON.parse(l));
    const last = lines.pop();
    assert.ok(lines.length > 100, `${lines.length} records before the damage`);
    lines.forEach((l, i) => assert.equal(l.eventID, h.record(i).eventID));
    assert.equal(last['error.type'], 'input');
    assert.match(last['error.message'], /truncated gzip/);
    assert.equal(last['file.path'], `s3://${src}/${key}`);
    assert.equal(Buffer.from(last['event.original'], 'utf8').length > 0, true);
    assert.equal(logs[0].status, 'partial');

    // Not gzip, not JSON: nothing readable, the entry says so.
    const junkKey = h.trailKey('CloudTrail', NAME.replace('abcd', 'junk'));
    await h.put(s3, src, junkKey, Buffer.from('\x00\x01binary garbage, not a log'));
    await handler(h.s3Event(h.s3Record(src, junkKey, 30)));
    const junk = (await h.readOutput(s3, dst, `cloudtrail/${OUT.replace('abcd', 'junk')}`)).trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(junk.length, 1);
    assert.ok(junk[0]['error.message']);
    assert.ok(junk[0]['event.original'].includes('binary garbage'));
  });

  it('digest files: skipped by default, indexed with TRAIL_DIGESTS=index', async () => {
    const skip = await setup();
    const dkey = h.trailKey('CloudTrail-Digest', '111122223333_CloudTrail-Digest_us-east-1_main_us-east-1_20240314T110000Z.json.gz');
    const digest = gzipSync(h.digestText([h.trailKey('CloudTrail', NAME)], skip.src));
    await h.put(s3, skip.src, dkey, digest);
    assert.deepEqual(await skip.handler(h.s3Event(h.s3Record(skip.src, dkey, digest.length))), { objects: 1, skipped: 0 });
    assert.deepEqual(await h.listKeys(s3, skip.dst), []);
    assert.equal(skip.logs[0].status, 'skipped');
    // Found by content under a key that does not say "digest": no output either.
    const odd = 'uploads/digest-copy.json.gz';
    await h.put(s3, skip.src, odd, digest);
    await skip.handler(h.eventBridgeEvent(skip.src, odd, digest.length));
    assert.deepEqual(await h.listKeys(s3, skip.dst), []);
    assert.equal(skip.logs[1].status, 'skipped');

    const index = await setup({ TRAIL_DIGESTS: 'index' });
    await h.put(s3, index.src, dkey, digest);
    await index.handler(h.s3Event(h.s3Record(index.src, dkey, digest.length)));
    const outKey = 'cloudtrail/_digests/account=111122223333/region=us-east-1/date=2024-03-14/111122223333_CloudTrail-Digest_us-east-1_main_us-east-1_20240314T110000Z.ndjson.gz';
    assert.deepEqual(await h.listKeys(s3, index.dst), [outKey]);
    const row = JSON.parse(await h.readOutput(s3, index.dst, outKey));
    assert.equal(row.digestEndTime, '2024-03-14T11:00:00Z');
    assert.equal(row.logFiles[0].s3Object, h.trailKey('CloudTrail', NAME));
    assert.equal(row['file.path'], `s3://${index.src}/${dkey}`);

    // A "digest" too large to be one: an error entry in its place, not a failed read.
    const huge = dkey.replace('110000Z', '120000Z');
    await h.put(s3, index.src, huge, Buffer.alloc(17 << 20, 'x'));
    await index.handler(h.s3Event(h.s3Record(index.src, huge, 17 << 20)));
    const entry = JSON.parse(await h.readOutput(s3, index.dst, outKey.replace('110000Z', '120000Z')));
    assert.equal(entry['error.type'], 'limit');
    assert.equal(entry['event.original'], 'x'.repeat(64 << 10));
  });

  it('a retry overwrites: same key, same bytes, nothing duplicated', async () => {
    const { src, dst, handler } = await setup();
    const key = h.trailKey('CloudTrail', NAME);
    const body = gzipSync(h.logText(300));
    await h.put(s3, src, key, body);
    const ev = h.s3Event(h.s3Record(src, key, body.length));
    await handler(ev);
    const first = await h.getBytes(s3, dst, `cloudtrail/${OUT}`);
    await handler(ev);
    await handler(h.eventBridgeEvent(src, key, body.length));
    assert.deepEqual(await h.listKeys(s3, dst), [`cloudtrail/${OUT}`]);
    assert.ok(first.equals(await h.getBytes(s3, dst, `cloudtrail/${OUT}`)));
  });

  it('does not process its own output when notifications cover the output bucket', async () => {
    const { dst, handler, logs } = await setup();
    const outKey = `cloudtrail/${OUT}`;
    await h.put(s3, dst, outKey, gzipSync('{}\n'));
    await handler(h.s3Event(h.s3Record(dst, outKey, 23)));
    assert.equal(logs[0].status, 'skipped');
    assert.equal(await exists(dst, outKey), true);
    assert.deepEqual(await h.listKeys(s3, dst), [outKey]);
  });

  it('skips folder markers (empty keys ending in /)', async () => {
    const { src, dst, handler, logs } = await setup();
    await h.put(s3, src, 'AWSLogs/111122223333/', '');
    await handler(h.s3Event(h.s3Record(src, 'AWSLogs/111122223333/', 0)));
    assert.deepEqual([logs[0].status, logs[0].reason], ['skipped', 'folder marker']);
    assert.deepEqual(await h.listKeys(s3, dst), []);
  });
});
