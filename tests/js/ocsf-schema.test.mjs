// The `ocsf` profile judged by OCSF 1.1.0 itself: every event the profile writes for the
// fixtures, the documented examples and ../shared/samples (enrichment on and off) is validated
// by ajv against the JSON Schema of its class (tests/fixtures/ocsf/ocsf-1.1.0.schema.json,
// generated from the OCSF server's 1.1.0 export, see generate.py there), then checked for the
// OCSF server's rules JSON Schema cannot state: type_uid = class_uid * 100 + activity_id, and
// every enum `*_id` agreeing with its label sibling (class_name, activity_name, status, ...):
// the caption of the id, or for 99 (Other) the source's own value.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { documents } from './profile-events.mjs';

const BUNDLE = JSON.parse(fs.readFileSync(fileURLToPath(new URL('../fixtures/ocsf/ocsf-1.1.0.schema.json', import.meta.url)), 'utf8'));

// OCSF's type regexes are written for PCRE-like engines, not for JavaScript's `u` mode; the
// at-least-one rules are `anyOf: [{required: [x]}]`, which strict mode's lint would flag.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, unicodeRegExp: false });
for (const s of BUNDLE.schemas) ajv.addSchema(s);

/** Labels that disagree with their ids, walking the event through the objects it holds. */
function labelViolations(obj, attrs, at, out) {
  for (const [name, a] of Object.entries(attrs)) {
    const v = obj[name];
    if (v === undefined) continue;
    if (a.captions && Number.isInteger(v)) {
      const caption = a.captions[String(v)];
      const label = obj[a.sibling];
      if (v === 99) {
        if (typeof label !== 'string' || label === '' || label === caption) {
          out.push(`label: ${at}${a.sibling} must be the source's own value when ${at}${name} is 99, got ${JSON.stringify(label)}`);
        }
      } else if (caption !== undefined && label !== undefined && label !== caption) {
        out.push(`label: ${at}${a.sibling} is ${JSON.stringify(label)}, but ${at}${name} ${v} is ${JSON.stringify(caption)}`);
      }
    }
    const sub = a.object && BUNDLE.walk.objects[a.object];
    if (sub) {
      const items = Array.isArray(v) ? v : [v];
      items.forEach((x, i) => {
        if (x && typeof x === 'object') labelViolations(x, sub, `${at}${name}${Array.isArray(v) ? `[${i}]` : ''}.`, out);
      });
    }
  }
}

/** Every violation of `ev`, as "kind: where what". */
export function ocsfViolations(ev) {
  const out = [];
  const id = BUNDLE.classes[ev.class_uid];
  if (!id) return [`class: class_uid ${ev.class_uid} is not one the profile may emit`];
  const profiles = ev.metadata?.profiles ?? [];
  if (JSON.stringify(profiles) !== JSON.stringify(BUNDLE.profiles)) out.push(`profiles: metadata.profiles ${JSON.stringify(profiles)}`);
  const validate = ajv.getSchema(id);
  if (!validate(ev)) {
    for (const e of validate.errors) {
      // An at-least-one rule is reported once (its anyOf), not once per member it lists.
      if (/\/anyOf\/\d+\//.test(e.schemaPath)) continue;
      out.push(`schema: ${e.instancePath || '/'} ${e.keyword} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`);
    }
  }
  if (ev.type_uid !== ev.class_uid * 100 + ev.activity_id) out.push(`type_uid: ${ev.type_uid} is not class_uid * 100 + activity_id`);
  labelViolations(ev, BUNDLE.walk.classes[ev.class_uid], '', out);
  return out;
}

test('the OCSF checker can fail: it rejects what OCSF 1.1.0 rejects', () => {
  const good = {
    class_uid: 6003, class_name: 'API Activity', category_uid: 6, category_name: 'Application Activity',
    activity_id: 1, activity_name: 'Create', type_uid: 600301, type_name: 'API Activity: Create',
    time: 1, severity_id: 1, severity: 'Informational',
    metadata: { version: '1.1.0', product: { name: 'CloudTrail', vendor_name: 'AWS' }, profiles: ['cloud'] },
    cloud: { provider: 'AWS' }, api: { operation: 'X' }, actor: { invoked_by: 's' }, src_endpoint: { ip: '192.0.2.1' },
  };
  assert.deepEqual(ocsfViolations(good), []);
  const bad = (patch) => ocsfViolations({ ...structuredClone(good), ...patch });
  assert.match(bad({ src_endpoint: { domain: 'ec2.amazonaws.com' } }).join('\n'), /schema: \/src_endpoint anyOf/);
  assert.match(bad({ actor: { app_name: 'x' } }).join('\n'), /additionalProperties.*app_name/);
  assert.match(bad({ type_uid: 600302 }).join('\n'), /type_uid: 600302/);
  assert.match(bad({ activity_name: 'Read' }).join('\n'), /label: activity_name/);
  assert.match(bad({ activity_id: 99, type_uid: 600399, type_name: 'API Activity: Other', activity_name: 'Other' }).join('\n'), /label: activity_name must be the source's own/);
  assert.match(bad({ actor: { user: { name: 'n', type_id: 1, type: 'IAMUser' } } }).join('\n'), /label: actor\.user\.type/);
  assert.match(bad({ src_endpoint: { ip: 'AWS Internal' } }).join('\n'), /schema: \/src_endpoint\/ip pattern/);
  assert.match(bad({ api: undefined }).join('\n'), /required/);
});

test('every OCSF event the profile writes is valid OCSF 1.1.0', (t) => {
  const docs = documents('ocsf');
  const byKind = new Map();
  const failures = [];
  for (const { source, enrich, doc } of docs) {
    const v = ocsfViolations(doc);
    for (const x of v) {
      const kind = x.replace(/"[^"]*"/g, '…').replace(/\/\d+\//g, '/n/');
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    if (v.length) failures.push(`${source} (enrich ${enrich}, ${doc.metadata?.event_code} → ${doc.class_uid}/${doc.activity_id}):\n    ${v.join('\n    ')}`);
  }
  const classes = {};
  for (const { doc } of docs) classes[doc.class_uid] = (classes[doc.class_uid] ?? 0) + 1;
  t.diagnostic(`ocsf: ${docs.length} events validated (by class ${JSON.stringify(classes)}), ${failures.length} invalid`);
  for (const [k, n] of [...byKind].sort((a, b) => b[1] - a[1])) t.diagnostic(`  ${n} × ${k}`);
  assert.ok(docs.length > 0);
  // Salvaged records are among them (tests/fixtures/salvage, and the seed when present).
  const salvaged = docs.filter(({ doc }) => doc.metadata?.labels?.includes('salvaged'));
  t.diagnostic(`ocsf: ${salvaged.length} of them salvaged records`);
  assert.ok(salvaged.length >= 2, 'the salvage fixtures give salvaged events, enrichment on and off');
  // Sigma matches are among them (sigma enrichments: profile-events.mjs's rules pass).
  const detected = docs.filter(({ doc }) => doc.enrichments?.some((e) => e.type === 'sigma'));
  t.diagnostic(`ocsf: ${detected.length} of them with Sigma matches`);
  assert.ok(detected.length > 0 && detected.some(({ doc }) => doc.enrichments.some((e) => e.data?.attacks?.length)), 'events with sigma enrichments');
  assert.equal(failures.length, 0, `${failures.length} of ${docs.length} events invalid:\n${failures.slice(0, 40).join('\n')}`);
});
