// The `geoip` option through the JS shim: a path (Node) or bytes, one database or several, in the
// three profiles and every entry point; each database loaded into the instance once; what gets no
// geo keys; and errors that name the option and the file. The databases come from an independent
// writer (tests/js/geoip-dbs.mjs). Needs `npm run build`.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as ct from '../../js/node.mjs';
import { createApi } from '../../js/core.mjs';
import { geoipDb } from './geoip-dbs.mjs';

const CITY = geoipDb('city');
const ASN = geoipDb('asn');

const record = (ip) => ({
  eventVersion: '1.08', eventTime: '2024-03-01T10:00:00Z', eventSource: 'cloudfront.amazonaws.com',
  eventName: 'GetDistribution2020_05_31', awsRegion: 'us-east-1', sourceIPAddress: ip,
});

const geoKeys = (flat) => Object.keys(flat).filter((k) => k.startsWith('source.geo.') || k.startsWith('source.as.'));

test('flat: a City and an ASN database give source.geo.* and source.as.*', () => {
  const doc = ct.transform(record('81.2.69.142'), { geoip: [CITY, ASN] });
  assert.deepEqual(Object.fromEntries(geoKeys(doc).map((k) => [k, doc[k]])), {
    'source.geo.continent_code': 'EU',
    'source.geo.continent_name': 'Europe',
    'source.geo.country_iso_code': 'GB',
    'source.geo.country_name': 'United Kingdom',
    'source.geo.region_iso_code': 'GB-ENG',
    'source.geo.region_name': 'England',
    'source.geo.city_name': 'London',
    'source.geo.postal_code': 'EC2V',
    'source.geo.timezone': 'Europe/London',
    'source.geo.location.lat': 51.5142,
    'source.geo.location.lon': -0.0931,
    'source.as.number': 20712,
    'source.as.organization.name': 'Andrews & Arnold Ltd',
  });
  // IPv6, and an IPv6 address in the IPv4-only ASN database: no AS, no error.
  const v6 = ct.transform(record('2001:db8:1::7'), { geoip: [CITY, ASN] });
  assert.equal(v6['source.geo.city_name'], 'Tokyo');
  assert.equal(v6['source.as.number'], undefined);
  assert.equal(v6['enrich.errors'], undefined);
  // A country-level answer.
  const us = ct.transform(record('192.0.2.7'), { geoip: CITY });
  assert.deepEqual(geoKeys(us).sort(), ['source.geo.continent_code', 'source.geo.continent_name', 'source.geo.country_iso_code', 'source.geo.country_name']);
});

test('ecs and ocsf write the lookup in their own shapes', () => {
  const ecs = ct.transform(record('81.2.69.142'), { profile: 'ecs', geoip: [CITY, ASN] });
  assert.deepEqual(ecs.source.geo.location, { lat: 51.5142, lon: -0.0931 });
  assert.equal(ecs.source.geo.region_iso_code, 'GB-ENG');
  assert.deepEqual(ecs.source.as, { number: 20712, organization: { name: 'Andrews & Arnold Ltd' } });
  const ocsf = ct.transform(record('81.2.69.142'), { profile: 'ocsf', geoip: [CITY, ASN] });
  assert.deepEqual(ocsf.src_endpoint, {
    ip: '81.2.69.142',
    location: { city: 'London', continent: 'Europe', coordinates: [-0.0931, 51.5142], country: 'GB', postal_code: 'EC2V', region: 'ENG' },
  });
});

test('no geo keys for an unknown address, a service, AWS Internal or text that is no address', () => {
  for (const ip of ['10.1.2.3', 'cloudformation.amazonaws.com', 'AWS Internal', '81.2.69.999', '', '2001:db8:2::1']) {
    const flat = ct.transform(record(ip), { geoip: [CITY, ASN] });
    assert.deepEqual(geoKeys(flat), [], ip);
    assert.equal(ct.transform(record(ip), { profile: 'ecs', geoip: [CITY, ASN] }).source?.geo, undefined, ip);
    assert.equal(ct.transform(record(ip), { profile: 'ocsf', geoip: [CITY, ASN] }).src_endpoint?.location, undefined, ip);
  }
  // Without the option nothing is looked up.
  assert.deepEqual(geoKeys(ct.transform(record('81.2.69.142'))), []);
});

test('bytes work as well as a path, and every entry point looks up', async () => {
  const bytes = fs.readFileSync(CITY);
  for (const geoip of [bytes, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), new Uint8Array(bytes)]) {
    assert.equal(ct.transform(record('81.2.69.142'), { geoip })['source.geo.city_name'], 'London');
  }
  const log = JSON.stringify({ Records: [record('81.2.69.142'), record('ec2.amazonaws.com')] });
  const opts = { geoip: CITY };
  assert.deepEqual(ct.transformLog(log, opts).records.map((r) => r['source.geo.city_name']), ['London', undefined]);
  assert.match(ct.transformLogToNdjson(log, opts), /"source\.geo\.city_name":"London"/);
  const sp = ct.createSplitter(opts);
  assert.match(sp.push(log) + sp.finish(), /"source\.geo\.city_name":"London"/);
  const chunks = [];
  const stream = ct.createTransformStream(opts);
  stream.on('data', (c) => chunks.push(c));
  stream.end(log);
  await new Promise((resolve, reject) => { stream.on('end', resolve); stream.on('error', reject); });
  assert.deepEqual(chunks.map((r) => r['source.geo.city_name']), ['London', undefined]);
});

test('a database is loaded into the instance once, not per call', () => {
  const require = createRequire(import.meta.url);
  const glue = require('../../pkg/node/cloudfront_trail.js');
  let loads = 0;
  const counting = { ...glue, loadGeoip: (b) => { loads++; return glue.loadGeoip(b); } };
  const api = createApi({ glue: () => counting, reset() {}, readFile: (p) => fs.readFileSync(p) });
  const bytes = fs.readFileSync(ASN);
  for (let i = 0; i < 50; i++) {
    api.transform(record('81.2.69.142'), { geoip: [CITY, bytes] });
    api.transformLog(JSON.stringify(record('81.2.69.142')), { geoip: [CITY, bytes] });
  }
  assert.equal(loads, 2);
});

test('errors name the option and the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-geoip-'));
  const bad = path.join(dir, 'corrupt.mmdb');
  fs.writeFileSync(bad, fs.readFileSync(CITY).subarray(0, 300));
  const expect = (opts, re) => {
    assert.throws(() => ct.transform(record('81.2.69.142'), opts), (e) => e instanceof ct.CloudTrailError && e.kind === 'option' && re.test(e.message));
  };
  expect({ geoip: bad }, new RegExp(`^option: geoip \\(${bad.replace(/[.]/g, '\\.')}\\): not a MaxMind DB \\(\\.mmdb\\) database: `));
  expect({ geoip: [CITY, bad] }, /^option: geoip\[1\] \(.*corrupt\.mmdb\): not a MaxMind DB/);
  expect({ geoip: new Uint8Array(10) }, /^option: geoip: not a MaxMind DB/);
  expect({ geoip: path.join(dir, 'missing.mmdb') }, /^option: geoip: cannot read .*missing\.mmdb/);
  expect({ geoip: 7 }, /^option: geoip must be a \.mmdb file/);
  expect({ geoip: CITY, enrich: false }, /^option: geoip is an enrichment: it needs enrich/);
  fs.rmSync(dir, { recursive: true });
});

test('one options object with geoip, reused across calls and across a trap, keeps its databases', () => {
  // The shim reuses its snapshot of an unchanged options object; the geoip handles in it name
  // databases of one instance, so after a trap the snapshot is made again with new handles.
  const opts = { geoip: [CITY, ASN] };
  const before = ct.transform(record('81.2.69.142'), opts);
  assert.equal(ct.transform(record('81.2.69.142'), opts)['source.geo.city_name'], 'London');
  assert.throws(() => ct.__panicForTest());
  assert.deepEqual(ct.transform(record('81.2.69.142'), opts), before);
  assert.equal(ct.transformLog(JSON.stringify({ Records: [record('81.2.69.142')] }), opts).records[0]['source.as.number'], 20712);
});
