// The `ecs` profile judged by the field definitions it claims, without a server: every leaf of
// every ECS document the profile writes (fixtures, the docs' examples, ../shared/samples, with
// enrichment on and off) must be a field of ECS 8.11.0 (npm @elastic/ecs, the version the
// profile stamps in ecs.version), of the aws.cloudtrail data stream
// (tests/fixtures/ecs/aws-cloudtrail-fields.json), or of this library's own documented fields
// (tests/fixtures/ecs/own-fields.json), and its value must fit the field's type as Elasticsearch
// maps it (keyword → string, date → a date it parses, ip → an address, long → an integer,
// boolean, flattened → an object within the depth limit, ...); ECS fields with allowed values
// (event.kind, event.category, event.type, event.outcome) must hold one of them.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { EcsFlat, EcsVersion } from '@elastic/ecs';
import { documents } from './profile-events.mjs';

const fixture = (f) => JSON.parse(fs.readFileSync(fileURLToPath(new URL(`../fixtures/ecs/${f}`, import.meta.url)), 'utf8'));
const STREAM = fixture('aws-cloudtrail-fields.json').fields;
const OWN = Object.entries(fixture('own-fields.json').fields).map(([name, type]) => ({
  re: new RegExp(`^${name.replace(/[.]/g, '\\.').replace(/\*/g, '[^.]+')}$`), type,
}));

/** { type, allowed? } of a dotted field name, or undefined when no definition has it. */
function definition(name) {
  const ecs = EcsFlat[name];
  if (ecs) return { type: ecs.type, allowed: ecs.allowed_values?.map((v) => v.name), from: 'ECS' };
  if (STREAM[name]) return { type: STREAM[name], from: 'aws.cloudtrail data stream' };
  const own = OWN.find((o) => o.re.test(name));
  if (own) return { type: own.type, from: 'own' };
  return undefined;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const depth = (v) => (v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depth)) : 0);
// Elasticsearch's default date format: strict_date_optional_time || epoch_millis.
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}([.,]\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;
const isDate = (v) => (typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v))) || Number.isInteger(v);

/** Why `v` does not fit `type`, or null. */
function misfit(type, v) {
  const ok = {
    keyword: (x) => typeof x === 'string',
    constant_keyword: (x) => typeof x === 'string',
    wildcard: (x) => typeof x === 'string',
    match_only_text: (x) => typeof x === 'string',
    text: (x) => typeof x === 'string',
    date: isDate,
    ip: (x) => typeof x === 'string' && net.isIP(x) !== 0,
    long: Number.isInteger,
    integer: Number.isInteger,
    float: (x) => typeof x === 'number',
    scaled_float: (x) => typeof x === 'number',
    boolean: (x) => typeof x === 'boolean',
    // The flattened type rejects a document nested deeper than its depth_limit (20).
    flattened: (x) => isObject(x) && depth(x) <= 20,
    object: isObject,
    nested: isObject,
    geo_point: (x) => isObject(x) && typeof x.lat === 'number' && typeof x.lon === 'number',
  }[type];
  if (!ok) return `type ${type} unknown to this check`;
  const values = Array.isArray(v) ? v : [v];
  const bad = values.find((x) => x !== null && !ok(x));
  return bad === undefined ? null : `${JSON.stringify(bad).slice(0, 80)} is not a ${type}`;
}

/** Every violation in `doc`, as "kind: field what". */
export function ecsViolations(doc) {
  const out = [];
  const walk = (v, path) => {
    const def = definition(path);
    if (def) {
      const why = misfit(def.type, v);
      if (why) out.push(`type: ${path} (${def.from} ${def.type}): ${why}`);
      if (def.allowed) {
        for (const x of Array.isArray(v) ? v : [v]) {
          if (!def.allowed.includes(x)) out.push(`allowed: ${path} ${JSON.stringify(x)} is not one of ECS's values`);
        }
      }
      if (!['object', 'flattened', 'nested', 'geo_point'].includes(def.type) && !(Array.isArray(v) ? v : [v]).every((x) => !isObject(x))) {
        out.push(`type: ${path} holds an object`);
      }
      return;
    }
    if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
      return;
    }
    // An array of objects is mapped as its members' fields (Elasticsearch's object arrays).
    if (Array.isArray(v) && v.length > 0 && v.every(isObject)) {
      for (const x of v) walk(x, path);
      return;
    }
    out.push(`unmapped: ${path} is no field of ECS ${EcsVersion}, the data stream or ours`);
  };
  walk(doc, '');
  return out;
}

test('the ECS checker can fail: unknown fields, misfit values, values ECS does not allow', () => {
  const good = { '@timestamp': '2024-03-01T09:30:12Z', ecs: { version: EcsVersion }, event: { kind: 'event', type: ['change'] }, source: { ip: '192.0.2.1' },
    aws: { cloudtrail: { read_only: false, flattened: { request_parameters: { a: { b: 1 } } } } } };
  assert.deepEqual(ecsViolations(good), []);
  const bad = (patch) => ecsViolations({ ...structuredClone(good), ...patch }).join('\n');
  assert.match(bad({ source: { ip: 'AWS Internal' } }), /type: source\.ip .* is not a ip/);
  assert.match(bad({ '@timestamp': '2024-13-45' }), /type: @timestamp/);
  assert.match(bad({ made: { up: 1 } }), /unmapped: made\.up/);
  assert.match(bad({ event: { kind: 'alert!', type: ['change'] } }), /allowed: event\.kind/);
  assert.match(bad({ aws: { cloudtrail: { read_only: 'false' } } }), /type: aws\.cloudtrail\.read_only/);
  let deep = 1;
  for (let i = 0; i < 21; i++) deep = { a: deep };
  assert.match(bad({ aws: { cloudtrail: { flattened: { request_parameters: deep } } } }), /is not a flattened/);
  assert.match(bad({ user: { name: { first: 'a' } } }), /type: user\.name/);
});

test('every ECS document the profile writes fits ECS and the aws.cloudtrail mapping', (t) => {
  const docs = documents('ecs');
  const byKind = new Map();
  const failures = [];
  for (const { source, enrich, doc } of docs) {
    // Error entries for objects that are not CloudTrail (event.kind pipeline_error) are
    // documents too: they must fit the mapping as well.
    const v = ecsViolations(doc);
    // The definitions judge only the version they are: the one the profile stamps.
    if (doc.ecs?.version !== EcsVersion) v.push(`version: ecs.version ${doc.ecs?.version} is not @elastic/ecs's ${EcsVersion}`);
    for (const x of v) {
      const kind = x.replace(/:.*?(is|holds|\().*$/s, (m) => m.split(' ').slice(0, 2).join(' '));
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    if (v.length) failures.push(`${source} (enrich ${enrich}, ${doc.event?.action}):\n    ${v.join('\n    ')}`);
  }
  t.diagnostic(`ecs: ${docs.length} documents validated, ${failures.length} with violations`);
  for (const [k, n] of [...byKind].sort((a, b) => b[1] - a[1])) t.diagnostic(`  ${n} × ${k}`);
  assert.ok(docs.length > 0);
  // Salvaged records are among them (tests/fixtures/salvage, and the seed when present).
  const salvaged = docs.filter(({ doc }) => doc.aws?.cloudtrail?.salvaged === true);
  t.diagnostic(`ecs: ${salvaged.length} of them salvaged records`);
  assert.ok(salvaged.length >= 2, 'the salvage fixtures give salvaged documents, enrichment on and off');
  // Sigma matches are among them (rule.*, threat.*, event.risk_score: profile-events.mjs's rules pass).
  const detected = docs.filter(({ doc }) => doc.rule?.id !== undefined);
  t.diagnostic(`ecs: ${detected.length} of them with Sigma matches (${detected.filter(({ doc }) => doc.threat).length} with threat.*)`);
  assert.ok(detected.length > 0 && detected.some(({ doc }) => doc.threat?.technique?.id), 'documents with rule and threat fields');
  assert.equal(failures.length, 0, `${failures.length} of ${docs.length} documents:\n${failures.slice(0, 30).join('\n')}`);
});
