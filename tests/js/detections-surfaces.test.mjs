// Detections where people see them: the CLI's --summary lists the rules that matched first, in
// every output profile, and transformLog, transform, the NDJSON and Node streams give the same
// detections for the same rules. The expectations are computed here from transformLog's flat
// records and the rule files themselves, never written down.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import * as ct from '../../js/node.mjs';
import { createTransformStream } from '../../js/stream.mjs';
import { Summary } from '../../js/summary.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here('../../js/cli.mjs');
const UI_RULES = here('../fixtures/sigma-ui');
const CORE_RULES = here('../fixtures/sigma');
const LOG_FILE = here('../fixtures/js/detections-log.json');
const LEVELS = ['critical', 'high', 'medium', 'low', 'informational'];

function loadRules(dir) {
  const out = [];
  for (const f of fs.readdirSync(dir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) out.push(doc.toJS());
  }
  return out;
}
const RULES = [...loadRules(UI_RULES), ...loadRules(CORE_RULES)];
const BY_ID = new Map(RULES.map((r) => [r.id, r]));

function run(args, input) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const idsOf = (rec) => [].concat(rec['rule.id'] ?? []);

/** What the summary must list: each matched rule with its level (from its file), count and first record. */
function expectedDetections() {
  const log = ct.transformLog(fs.readFileSync(LOG_FILE), { rules: RULES });
  const byId = new Map();
  let records = 0;
  for (const rec of log.records) {
    const ids = idsOf(rec);
    if (ids.length) records++;
    for (const id of ids) {
      if (!byId.has(id)) byId.set(id, []);
      byId.get(id).push(rec);
    }
  }
  const rows = [...byId].map(([id, recs]) => ({ id, title: BY_ID.get(id).title, level: BY_ID.get(id).level, count: recs.length, first: recs[0] }));
  rows.sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || b.count - a.count || (a.title < b.title ? -1 : 1));
  return { rows, records };
}

/** The detections section of a report: its head line and each rule's block, in order. */
function parseDetections(text) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^Detections/.test(l));
  if (start < 0) return null;
  const rows = [];
  let i = start + 1;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const m = /^ {2}(CRITICAL|HIGH|MEDIUM|LOW|INFO) +(.*?) +(\d+) events?$/.exec(lines[i]);
    if (m) rows.push({ level: m[1] === 'INFO' ? 'informational' : m[1].toLowerCase(), title: m[2], count: Number(m[3]), lines: [] });
    else if (rows.length) rows[rows.length - 1].lines.push(lines[i].trim());
  }
  return { head: lines[start], start, rows, lines: lines.slice(start, i) };
}

test('--summary lists detections first: rule, level, count and the first matching events, most severe first', () => {
  const want = expectedDetections();
  // Enough to be worth checking: every level, and a level with two rules.
  assert.deepEqual(new Set(want.rows.map((r) => r.level)), new Set(LEVELS));
  assert.ok(want.rows.length >= 8, JSON.stringify(want.rows.map((r) => r.id)));
  const r = run(['--summary', '--rules', UI_RULES, '--rules', CORE_RULES, LOG_FILE]);
  assert.equal(r.code, 0, r.err);
  const got = parseDetections(r.out);
  assert.ok(got, r.out);
  assert.equal(got.head, `Detections: ${want.rows.length} of ${RULES.length} rules matched ${want.records} records, most severe first`);
  // Before the other tables.
  assert.ok(got.start < r.out.split('\n').indexOf('Top actions'), r.out);
  assert.equal(got.rows.length, want.rows.length, got.lines.join('\n'));
  for (const [k, w] of want.rows.entries()) {
    const g = got.rows[k];
    assert.equal(g.level, w.level, `row ${k}: ${JSON.stringify(g)}`);
    assert.equal(g.count, w.count, `row ${k}: ${JSON.stringify(g)}`);
    // The title, cut with … when it is too long for the line.
    assert.ok(g.title.endsWith('…') ? w.title.startsWith(g.title.slice(0, -1)) : g.title === w.title, `${g.title} vs ${w.title}`);
    // Its id and techniques, then the first matching event: time, action, who.
    assert.match(g.lines[0], new RegExp(`^${w.id}\\b`));
    for (const t of (w.tags ?? []).filter((x) => /^attack\.t\d/.test(x))) assert.ok(g.lines[0].includes(`T${t.slice(8)}`), g.lines[0]);
    const first = w.first;
    assert.ok(g.lines[1].startsWith(first['@timestamp']), `${g.lines[1]} vs ${first['@timestamp']}`);
    assert.ok(g.lines[1].includes(`${first['event.action']}  by ${first['user.name']}`), g.lines[1]);
    assert.equal(g.lines.filter((l) => /^\d{4}-/.test(l)).length, Math.min(3, w.count));
    if (w.count > 3) assert.ok(g.lines.includes(`… and ${w.count - 3} more`), g.lines.join('\n'));
  }
  // The hostile title is text on one line: no control characters, cut to the width.
  for (const l of got.lines) assert.ok(l.length <= 80 && !/[\u0000-\u001f]/.test(l), JSON.stringify(l));
});

test('--summary with rules that match nothing says so; without rules there is no detections part', () => {
  const quiet = JSON.stringify({ Records: [{ eventVersion: '1.09', eventTime: '2026-03-02T09:00:00Z', eventSource: 'ec2.amazonaws.com', eventName: 'DescribeInstances' }] });
  const r = run(['--summary', '--rules', UI_RULES], quiet);
  assert.equal(r.code, 0, r.err);
  const got = parseDetections(r.out);
  assert.equal(got.head, 'Detections');
  assert.match(got.lines[1], /none: no record matched the 5 rules/);
  const none = run(['--summary', LOG_FILE]);
  assert.equal(parseDetections(none.out), null, none.out);
});

test('--summary reads detections in the ECS and OCSF output as in the flat one', () => {
  const flat = parseDetections(run(['--summary', '--rules', UI_RULES, '--rules', CORE_RULES, LOG_FILE]).out);
  for (const profile of ['ecs', 'ocsf']) {
    const r = run(['--summary', '--profile', profile, '--rules', UI_RULES, '--rules', CORE_RULES, LOG_FILE]);
    assert.equal(r.code, 0, r.err);
    const got = parseDetections(r.out);
    // Whether this build's profile writes detections at all: a rule id anywhere in its records.
    const carries = ct.transformLog(fs.readFileSync(LOG_FILE), { rules: RULES, profile }).records.some((x) => JSON.stringify(x).includes('ui-stop-logging'));
    if (carries) {
      assert.deepEqual(got.rows.map((x) => [x.level, x.title, x.count]), flat.rows.map((x) => [x.level, x.title, x.count]), `${profile}\n${r.out}`);
      assert.equal(got.head, flat.head);
    } else {
      // Never "nothing matched" when the output cannot tell.
      assert.equal(got.head, 'Detections', r.out);
      assert.match(got.lines[1], new RegExp(`the ${profile} output names no rule`), r.out);
    }
  }
});

test('Summary reads ECS-nested rule objects and takes a missing level from the rules given', () => {
  const rules = loadRules(UI_RULES);
  const s = new Summary({ rules });
  const base = { '@timestamp': '2026-03-02T09:00:00Z', event: { action: 'StopLogging' }, user: { name: 'mallory' } };
  s.add({ ...base, rule: { id: 'ui-stop-logging', name: 'UI fixture CloudTrail logging stopped' }, threat: { technique: { id: 'T1562.008' } } });
  s.add({ ...base, rule: { id: ['ui-console-login', 'ui-list-buckets'], name: ['UI fixture console login', 'UI fixture buckets listed'] } });
  s.add({ ...base, rule: { id: 'ui-stop-logging', name: 'UI fixture CloudTrail logging stopped' } });
  const got = parseDetections(s.render());
  assert.deepEqual(got.rows.map((x) => [x.level, x.title, x.count]), [
    ['critical', 'UI fixture CloudTrail logging stopped', 2],
    ['low', 'UI fixture console login', 1],
    ['informational', 'UI fixture buckets listed', 1],
  ]);
  // Techniques of a record with two rules come from each rule's own tags.
  assert.match(got.rows[1].lines[0], /^ui-console-login {2}T1078\.004$/);
  assert.match(got.rows[2].lines[0], /^ui-list-buckets {2}T1619$/);
  assert.match(got.rows[0].lines[1], /^2026-03-02T09:00:00Z {2}StopLogging {2}by mallory$/);
});

// ---------------------------------------------------------------- every API, the same detections

const flatDetections = (recs) => recs.map((r) => [idsOf(r), [].concat(r['rule.level'] ?? []), [].concat(r['threat.technique.id'] ?? [])]);

test('transformLog, transform, transformMany, transformLogToNdjson and the streams give the same detections for the same rules', async () => {
  const bytes = fs.readFileSync(LOG_FILE);
  const opts = { rules: RULES };
  const want = flatDetections(ct.transformLog(bytes, opts).records);
  assert.ok(want.filter(([ids]) => ids.length).length >= 10, 'the log matches rules');
  const raw = JSON.parse(bytes).Records;
  // One record at a time (an object and its text), and many at once.
  assert.deepEqual(flatDetections(raw.map((r) => ct.transform(r, opts))), want);
  assert.deepEqual(flatDetections(raw.map((r) => ct.transform(JSON.stringify(r), opts))), want);
  assert.deepEqual(flatDetections(ct.transformMany(raw, opts)), want);
  assert.deepEqual(flatDetections(ct.transformLogToNdjson(bytes, opts).trim().split('\n').map((l) => JSON.parse(l))), want);
  // The NDJSON stream, fed in small pieces, and the record stream.
  const out = [];
  await pipeline(Readable.from(chunks(bytes, 997)), createTransformStream({ ...opts, ndjson: true }), async function* (src) {
    for await (const c of src) out.push(c);
  });
  assert.deepEqual(flatDetections(Buffer.concat(out.map((c) => Buffer.from(c))).toString('utf8').trim().split('\n').map((l) => JSON.parse(l))), want);
  const recs = [];
  await pipeline(Readable.from(chunks(bytes, 4096)), createTransformStream(opts), async function* (src) {
    for await (const r of src) recs.push(r);
  });
  assert.deepEqual(flatDetections(recs), want);
  // The splitter (what the viewer reads with), pushed in pieces.
  const sp = ct.createSplitter(opts);
  let nd = '';
  for (const c of chunks(bytes, 1500)) nd += sp.push(c);
  nd += sp.finish();
  assert.deepEqual(flatDetections(nd.trim().split('\n').map((l) => JSON.parse(l))), want);
});

function* chunks(buf, n) {
  for (let i = 0; i < buf.length; i += n) yield buf.subarray(i, i + n);
}
