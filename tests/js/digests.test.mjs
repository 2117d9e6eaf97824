// The `digests` option through the JS API and the CLI: a CloudTrail digest file (documented
// format, tests/fixtures/digest/digest.json) gives one document per log file it lists, with
// file.path and file.hash.sha256; without the option it gives nothing and is counted as skipped.
// The expected values are read from the fixture. Needs `npm run build`.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as ct from '../../js/node.mjs';

const FILE = fileURLToPath(new URL('../fixtures/digest/digest.json', import.meta.url));
const DIGEST = JSON.parse(fs.readFileSync(FILE, 'utf8'));
const want = DIGEST.logFiles.map((f) => ({ path: `s3://${f.s3Bucket}/${f.s3Object}`, sha256: f.hashValue }));

test('without the option a digest gives nothing, counted as skipped', () => {
  const log = ct.transformLog(fs.readFileSync(FILE));
  assert.deepEqual([log.format, log.records.length, log.errors.length, log.skipped], ['digest', 0, 0, 1]);
});

test('flat: one document per listed log file', () => {
  const log = ct.transformLog(fs.readFileSync(FILE), { digests: true });
  assert.deepEqual([log.format, log.skipped], ['digest', 0]);
  assert.deepEqual(log.records.map((r) => ({ path: r['file.path'], sha256: r['file.hash.sha256'] })), want);
  for (const r of log.records) {
    assert.equal(r['@timestamp'], DIGEST.digestEndTime);
    assert.equal(r['cloud.account.id'], DIGEST.awsAccountId);
    assert.equal(r.digestS3Object, DIGEST.digestS3Object);
  }
  // Streaming gives the same lines.
  const sp = ct.createSplitter({ digests: true });
  const text = fs.readFileSync(FILE, 'utf8');
  const lines = (sp.push(text.slice(0, 700)) + sp.push(text.slice(700)) + sp.finish()).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines, log.records);
});

// (ecs-fields.test.mjs validates these documents with the rest: profile-events.mjs.)
test('ecs: file.path, file.hash.sha256 and related.hash', () => {
  const { records } = ct.transformLog(fs.readFileSync(FILE), { digests: true, profile: 'ecs' });
  assert.deepEqual(records.map((r) => ({ path: r.file.path, sha256: r.file.hash.sha256 })), want);
  for (const r of records) {
    assert.deepEqual(r.related.hash, [r.file.hash.sha256]);
    assert.equal(r.aws.cloudtrail.flattened.digest.s3_object, DIGEST.digestS3Object);
  }
});

test('ocsf refuses the option; the CLI takes --digests', () => {
  assert.throws(() => ct.transformLog(fs.readFileSync(FILE), { digests: true, profile: 'ocsf' }), (e) => e.kind === 'option' && /^option: digests: /.test(e.message));
  const cli = fileURLToPath(new URL('../../js/cli.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [cli, '--digests', FILE], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l)['file.hash.sha256']), want.map((w) => w.sha256));
  assert.equal(spawnSync(process.execPath, [cli, FILE], { encoding: 'utf8' }).stdout, '');
});
