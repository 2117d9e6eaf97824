// Every document the `ocsf` and `ecs` profiles write for the inputs the suites and docs hold:
// each CloudTrail record found in tests/fixtures (profile, enrich, input, viewer... fixtures;
// expected outputs left out), in the ```json examples of README.md and docs/*.md, and every
// file under ../shared/samples when present (whole files through transformLog, as a user
// would feed them), each with enrichment on and off; the logs with damaged records
// (tests/fixtures/salvage, and ../shared's seed among the samples) are read with salvage on,
// so salvaged records are validated like the others. Shared by the schema suites
// (ocsf-schema.test.mjs, ecs-fields.test.mjs); not a test file itself.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ct from '../../js/node.mjs';
import { geoipDb } from './geoip-dbs.mjs';
import { parse as parseYaml } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SAMPLES = path.join(ROOT, '../shared/samples');

// The members enrichment takes as the sign of a CloudTrail record (docs/PROFILES.md).
const isRecord = (v) => v && typeof v === 'object' && !Array.isArray(v)
  && ['eventVersion', 'eventTime', 'eventName', 'eventSource'].some((k) => typeof v[k] === 'string');

function* recordsIn(v, depth = 0) {
  if (depth > 32 || !v || typeof v !== 'object') return;
  if (isRecord(v)) {
    yield v;
    return;
  }
  for (const x of Array.isArray(v) ? v : Object.values(v)) yield* recordsIn(x, depth + 1);
}

function parseAll(text) {
  try {
    return [JSON.parse(text)];
  } catch {
    const out = [];
    for (const line of text.split('\n')) {
      try { out.push(JSON.parse(line)); } catch { /* not JSON: nothing to take */ }
    }
    return out;
  }
}

function* walkFiles(dir, skip) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!skip(p)) yield* walkFiles(p, skip);
    } else if (!skip(p)) yield p;
  }
}

const jsonBlocks = (md) => [...md.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);

/** [{ source, record }] with every record of the fixtures and docs. */
export function recordSources() {
  const out = [];
  const fixtures = path.join(ROOT, 'tests/fixtures');
  const skip = (p) => /\.expected\.json$/.test(p) || /fixtures\/(ocsf|ecs)(\/|$)/.test(p) || !(/\.(json|ndjson|log)$/.test(p) || fs.statSync(p).isDirectory());
  for (const file of walkFiles(fixtures, skip)) {
    for (const v of parseAll(fs.readFileSync(file, 'utf8'))) {
      for (const record of recordsIn(v)) out.push({ source: path.relative(ROOT, file), record });
    }
  }
  const docs = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  for (const doc of docs) {
    for (const block of jsonBlocks(fs.readFileSync(path.join(ROOT, doc), 'utf8'))) {
      for (const v of parseAll(block)) {
        for (const record of recordsIn(v)) out.push({ source: doc, record });
      }
    }
  }
  return out;
}

/** [{ source, bytes }]: every file under ../shared/samples (none when the folder is absent),
 * the Markdown ones as their ```json blocks. */
export function sampleFiles() {
  if (!fs.existsSync(SAMPLES)) return [];
  const out = [];
  for (const file of walkFiles(SAMPLES, () => false)) {
    const source = path.relative(SAMPLES, file);
    if (/(README|SOURCES)\.md$/.test(file)) continue;
    if (file.endsWith('.md')) {
      jsonBlocks(fs.readFileSync(file, 'utf8')).forEach((b, i) => out.push({ source: `${source}#${i}`, bytes: Buffer.from(b) }));
    } else {
      out.push({ source, bytes: fs.readFileSync(file) });
    }
  }
  return out;
}

/** [{ source, bytes }]: the logs of tests/fixtures/salvage (damaged records, read with salvage). */
export function salvageFiles() {
  const dir = path.join(ROOT, 'tests/fixtures/salvage');
  return fs.readdirSync(dir).sort().map((f) => ({ source: `tests/fixtures/salvage/${f}`, bytes: fs.readFileSync(path.join(dir, f)) }));
}

/** [{ source, bytes }]: the fixtures that are whole logs to read as one (change tracking needs
 * the records before each one: tests/fixtures/track). */
export function logFixtures() {
  const dir = path.join(ROOT, 'tests/fixtures/track');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => ({ source: `tests/fixtures/track/${f}`, bytes: fs.readFileSync(path.join(dir, f)) }));
}

/** Sigma rules for the documents with detections: this repository's fixtures (tests/fixtures/sigma)
 * and SigmaHQ's CloudTrail rules when scripts/sigma-rules.mjs has extracted them (target/sigma). */
export function judgedRules() {
  const dir = path.join(ROOT, 'tests/fixtures/sigma');
  const rules = fs.readdirSync(dir).sort().map((f) => parseYaml(fs.readFileSync(path.join(dir, f), 'utf8')));
  const index = path.join(ROOT, 'target/sigma/index.json');
  if (fs.existsSync(index)) rules.push(...JSON.parse(fs.readFileSync(index, 'utf8')).rules);
  return rules;
}

/** Every document `profile` writes for the inputs above, enrichment on and off, and enriched
 * with the `geoip` option (a test database that places every address: every geo key written),
 * and with Sigma rules (judgedRules: rule.*, threat.*, OCSF enrichments written):
 * [{ source, enrich, doc }]. Records that become error entries are not documents. */
export function documents(profile) {
  const out = [];
  const geoip = geoipDb('everywhere');
  for (const [enrich, more] of [[true, {}], [false, {}], ['geoip', { geoip }], ['rules', { rules: judgedRules() }]]) {
    const opts = { profile, enrich: enrich !== false, ...more };
    // Whole logs with salvage on: a damaged record (the seed's) is a document too.
    const logOpts = { ...opts, salvage: true };
    for (const { source, bytes } of salvageFiles()) {
      ct.transformLog(bytes, logOpts).records.forEach((doc, i) => out.push({ source: `${source}[${i}]`, enrich, doc }));
    }
    for (const { source, record } of recordSources()) {
      let doc;
      try {
        doc = ct.transform(record, opts);
      } catch (e) {
        if (e instanceof ct.CloudTrailError) continue; // an error entry, not an event
        throw e;
      }
      out.push({ source, enrich, doc });
    }
    for (const { source, bytes } of logFixtures()) {
      ct.transformLog(bytes, opts).records.forEach((doc, i) => out.push({ source: `${source}[${i}]`, enrich, doc }));
    }
    for (const { source, bytes } of sampleFiles()) {
      let log;
      try {
        log = ct.transformLog(bytes, logOpts);
      } catch (e) {
        if (e instanceof ct.CloudTrailError && e.kind === 'input') continue; // not a log at all
        throw e;
      }
      log.records.forEach((doc, i) => out.push({ source: `samples/${source}[${i}]`, enrich, doc }));
    }
  }
  // Digest files as documents (the `digests` option; the ocsf profile refuses it).
  if (profile !== 'ocsf') {
    const dir = path.join(ROOT, 'tests/fixtures/digest');
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const log = ct.transformLog(fs.readFileSync(path.join(dir, f)), { profile, digests: true });
      log.records.forEach((doc, i) => out.push({ source: `tests/fixtures/digest/${f}[${i}]`, enrich: 'digests', doc }));
    }
  }
  return out;
}
