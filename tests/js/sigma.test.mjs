// Sigma rules through the JS API (`rules` option, rule objects) and the CLI (`--rules DIR`,
// YAML read with the `yaml` package); the evaluator itself is tested in tests/sigma.rs.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import * as ct from '../../js/node.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here('../../js/cli.mjs');
const RULES = here('../fixtures/sigma');
const rule = (name) => parse(fs.readFileSync(path.join(RULES, `${name}.yml`), 'utf8'));

const LOG = JSON.stringify({
  Records: [
    { eventVersion: '1.08', eventSource: 's3.amazonaws.com', eventName: 'PutBucketPolicy' },
    { eventVersion: '1.08', eventSource: 's3.amazonaws.com', eventName: 'PutBucketAcl' },
    { eventVersion: '1.08', eventName: 'ConsoleLogin', sourceIPAddress: '203.0.113.9' },
  ],
});

test('the rules option: matches in the flat profile, nothing on the near-miss', () => {
  const log = ct.transformLog(LOG, { rules: [rule('plain'), rule('cidr'), rule('null')] });
  const [a, b, c] = log.records;
  assert.equal(a['rule.id'], 'fixture-plain');
  assert.equal(a['rule.level'], 'medium');
  assert.equal(a['threat.technique.id'], 'T1562.001');
  assert.equal(b['rule.id'], undefined);
  // Two rules on one record: arrays, in rule order.
  assert.deepEqual(c['rule.id'], ['fixture-cidr', 'fixture-null']);
  assert.deepEqual(c['rule.name'], ['Fixture cidr', 'Fixture null']);
  // One rule object alone is accepted too; one record at a time as well.
  assert.equal(ct.transform(JSON.parse(LOG).Records[0], { rules: rule('plain') })['rule.name'], 'Fixture plain');
});

test('a rule the engine cannot evaluate is an option error naming it', () => {
  const bad = { title: 'Counts', detection: { sel: { eventName: 'X' }, condition: 'sel | count() > 5' } };
  assert.throws(() => ct.transformLog(LOG, { rules: [rule('plain'), bad] }), (e) => e.kind === 'option' && /Counts/.test(e.message) && /aggregation/.test(e.message));
});

function run(args, input) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('the CLI: --rules DIR reads the YAML rules there', () => {
  const r = run(['--rules', RULES, '--format', 'ndjson'], LOG);
  assert.equal(r.code, 0, r.err);
  const recs = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(recs[0]['rule.id'], 'fixture-plain');
  assert.equal(recs[1]['rule.id'], undefined);
  assert.ok(recs[2]['rule.id'].includes('fixture-cidr'), JSON.stringify(recs[2]));
});

test('the CLI: a missing directory or bad YAML is an error that names the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-rules-'));
  try {
    fs.writeFileSync(path.join(dir, 'bad.yml'), 'detection: [unclosed\n');
    let r = run(['--rules', dir, '--format', 'ndjson'], LOG);
    assert.equal(r.code, 1);
    assert.match(r.err, /bad\.yml/);
    fs.writeFileSync(path.join(dir, 'bad.yml'), 'title: T\ndetection:\n  sel: {a|base64: x}\n  condition: sel\n');
    r = run(['--rules', dir, '--format', 'ndjson'], LOG);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /base64/);
    r = run(['--rules', path.join(dir, 'none')], LOG);
    assert.equal(r.code, 1);
    assert.match(r.err, /no such file/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// SigmaHQ's rules as the package ships them (pkg/sigma, written by scripts/build.sh through
// scripts/sigma-rules.mjs); skipped when the build had no copy of SigmaHQ/sigma.
const SHIPPED = fs.existsSync(here('../../pkg/sigma/index.json'));
const STOP = { eventVersion: '1.08', eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging', userIdentity: { type: 'IAMUser' } };
const IMPORTANT_CHANGE = '4db60cc0-36fb-42b7-9b58-a5b53019fb74';

test('sigmaRules(): the shipped rules, one frozen array, usable as the rules option', { skip: !SHIPPED && 'pkg/sigma absent' }, () => {
  const rules = ct.sigmaRules();
  const index = JSON.parse(fs.readFileSync(here('../../pkg/sigma/index.json'), 'utf8'));
  const manifest = JSON.parse(fs.readFileSync(here('../../scripts/sigma-rules.json'), 'utf8'));
  assert.equal(index.commit, manifest.commit);
  assert.equal(rules.length, manifest.rules.filter((r) => r.supported).length);
  assert.equal(ct.sigmaRules(), rules);
  assert.ok(Object.isFrozen(rules) && Object.isFrozen(rules[0].detection));
  assert.ok(fs.readFileSync(here('../../pkg/sigma/LICENSE'), 'utf8').includes('Detection Rule License'));
  const out = ct.transform(STOP, { rules });
  assert.ok([out['rule.id']].flat().includes(IMPORTANT_CHANGE), JSON.stringify(out));
  // The batch path and the nested profiles carry the match too.
  const [many] = ct.transformMany([JSON.stringify(STOP)], { rules });
  assert.deepEqual(many['rule.id'], out['rule.id']);
  const ecs = ct.transform(STOP, { rules, profile: 'ecs' });
  assert.ok([ecs.rule.id].flat().includes(IMPORTANT_CHANGE));
  assert.equal(ecs.threat.framework, 'MITRE ATT&CK');
  const ocsf = ct.transform({ ...STOP, eventTime: '2024-01-01T00:00:00Z', awsRegion: 'us-east-1', sourceIPAddress: '192.0.2.1' }, { rules, profile: 'ocsf' });
  assert.ok(ocsf.enrichments.some((e) => e.type === 'sigma' && e.data.rule.uid === IMPORTANT_CHANGE), JSON.stringify(ocsf.enrichments));
});

test('the CLI: --sigma evaluates the shipped rules, with --rules as well', { skip: !SHIPPED && 'pkg/sigma absent' }, () => {
  const input = JSON.stringify({ Records: [STOP, JSON.parse(LOG).Records[0]] });
  let r = run(['--sigma', '--format', 'ndjson'], input);
  assert.equal(r.code, 0, r.err);
  let recs = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok([recs[0]['rule.id']].flat().includes(IMPORTANT_CHANGE));
  assert.equal(recs[1]['rule.id'], undefined);
  r = run(['--sigma', '--rules', RULES, '--format', 'ndjson'], input);
  assert.equal(r.code, 0, r.err);
  recs = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok([recs[0]['rule.id']].flat().includes(IMPORTANT_CHANGE));
  assert.equal(recs[1]['rule.id'], 'fixture-plain');
});
