// Unit tests of the viewer's pure helpers (js/viewer/model.mjs): no browser needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buckets, cell, columnsOf, csvCell, enrichedFrom, errorIndex, isoOf, members, prettyJson, timeOf, unflattenJs, visible } from '../../js/viewer/model.mjs';

test('CSV cells are quoted and cannot start a formula', () => {
  assert.equal(csvCell('plain'), '"plain"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  for (const [v, want] of [
    ['=1+1', `"'=1+1"`],
    ['+1', `"'+1"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\tx', `"'\tx"`],
    ['\rx', `"'\rx"`],
  ]) {
    assert.equal(csvCell(v), want);
  }
  assert.equal(csvCell(['a', 'b']), '"a, b"');
  assert.equal(csvCell(-5), `"'-5"`);
  assert.equal(csvCell(null), '""');
  assert.equal(csvCell({ k: '=x' }), '"{""k"":""=x""}"');
});

test('control and bidi characters become visible codes; cells are one line and cut', () => {
  assert.equal(visible('a\u202Eb\u200Bc\u0000'), 'a⟨U+202E⟩b⟨U+200B⟩c⟨U+0000⟩');
  assert.equal(visible('line\nnext\ttab'), 'line\nnext\ttab');
  assert.equal(cell('a\nb\tc'), 'a⏎b⇥c');
  assert.equal(cell('x'.repeat(300)).length, 241);
  assert.equal(cell('<img src=x onerror=alert(1)>'), '<img src=x onerror=alert(1)>');
});

test('members reads top-level members from the text: exact numbers, duplicates, escapes', () => {
  const src = '{"a":1,"b":"x\\"}","c":[1,{"d":2}],"e":null,"a":12345678901234567890,"__proto__":{"x":true}, "s" : "\\u202e" }';
  assert.deepEqual(members(src).map(([k, v]) => [k, v]), [
    ['a', '1'],
    ['b', '"x\\"}"'],
    ['c', '[1,{"d":2}]'],
    ['e', 'null'],
    ['a', '12345678901234567890'],
    ['__proto__', '{"x":true}'],
    ['s', '"\\u202e"'],
  ]);
  assert.deepEqual(members('{}'), []);
  // The key as written, for the detail pane's exact include/exclude filters.
  assert.deepEqual(members('{"a\\u0062":1}')[0], ['ab', '1', '"a\\u0062"']);
});

test('prettyJson indents without touching number text', () => {
  assert.equal(prettyJson('{"n":12345678901234567890,"a":[],"o":{"k":"v, }"}}'), '{\n  "n": 12345678901234567890,\n  "a": [],\n  "o": {\n    "k": "v, }"\n  }\n}');
});

test('an object that is not CloudTrail is no successful call', async () => {
  // What the core writes for one, by text and by object (needs `npm run build`).
  const { transform } = await import('../../js/node.mjs');
  for (const out of [transform('{"hello":"world"}'), transform({ hello: 'world' })]) {
    const o = typeof out === 'string' ? JSON.parse(out) : out;
    assert.equal(o['error.type'], 'not_cloudtrail', JSON.stringify(o));
    assert.equal(columnsOf(o).outcome, '');
    assert.deepEqual(Object.keys(o).slice(enrichedFrom(Object.keys(o))), ['event.kind', 'error.type', 'error.message']);
  }
  // The marker decides even where a raw member would otherwise read as a call.
  assert.equal(columnsOf({ errorCode: 'x', 'error.type': 'not_cloudtrail' }).outcome, '');
});

test('the enrichment keys are the trailing run of known names', () => {
  assert.equal(enrichedFrom(['eventName', 'user.name', 'userAgent', '@timestamp', 'event.action', 'cloudfront.risk']), 3);
  assert.equal(enrichedFrom(['eventName']), 1);
  assert.equal(enrichedFrom(['@timestamp']), 0);
});

test('unflattenJs keeps __proto__ as data and undoes ~1/~0', () => {
  const o = unflattenJs({ '__proto__.polluted': 'yes', 'a~1b.c': 1, 'x~0y': 2 });
  assert.equal(Object.getPrototypeOf(o), null);
  assert.equal(JSON.stringify(o), '{"__proto__":{"polluted":"yes"},"a.b":{"c":1},"x~y":2}');
  assert.equal({}.polluted, undefined);
});

test('errorIndex finds "line L, column C" in the raw text', () => {
  assert.equal(errorIndex('expected a key at line 2, column 3 of the record', 'ab\ncdef'), 5);
  assert.equal(errorIndex('no position', 'abc'), -1);
  assert.equal(errorIndex('at line 1, column 9', 'abc'), -1);
});

test('columns come from the enrichment contract, raw keys second', () => {
  const enriched = columnsOf({
    eventName: 'UpdateDistribution2020_05_31',
    '@timestamp': '2024-03-05T14:02:41Z',
    'event.action': 'UpdateDistribution',
    'user.name': 'deploy-bot',
    'source.ip': '198.51.100.7',
    'event.outcome': 'success',
    'cloudfront.distribution.id': 'E1',
    'cloudfront.risk': ['no_waf', 'weak_tls'],
  });
  const pick = (o) => ({ time: o.time, action: o.action, principal: o.principal, ip: o.ip, outcome: o.outcome, resource: o.resource, risk: o.risk });
  assert.deepEqual(pick(enriched), { time: '2024-03-05T14:02:41Z', action: 'UpdateDistribution', principal: 'deploy-bot', ip: '198.51.100.7', outcome: 'success', resource: 'E1', risk: 'no_waf, weak_tls' });
  // Flags without details still rank (low).
  assert.equal(enriched.severity, 1);
  const raw = columnsOf({ eventTime: '2024-03-06T02:11:09Z', eventSource: 'cloudfront.amazonaws.com', eventName: 'DeleteDistribution', 'userIdentity.arn': 'arn:aws:sts::1:assumed-role/r/sess', sourceIPAddress: '192.0.2.66', errorCode: 'AccessDenied', 'requestParameters.id': 'E2' });
  assert.deepEqual(pick(raw), { time: '2024-03-06T02:11:09Z', action: 'DeleteDistribution', principal: 'sess', ip: '192.0.2.66', outcome: 'failure', resource: 'E2', risk: '' });
  assert.equal(raw.severity, 0);
  assert.equal(columnsOf({ 'cloudfront.function.name': 'rewrite' }).resource, 'function: rewrite');
});

test('times: parsed to milliseconds, shown as UTC ISO', () => {
  assert.equal(isoOf(timeOf('2024-03-05T14:02:41Z')), '2024-03-05T14:02:41Z');
  assert.equal(isoOf(timeOf('2024-03-05T16:02:41.5+02:00')), '2024-03-05T14:02:41.500Z');
  assert.ok(Number.isNaN(timeOf('<img src=x>')));
  assert.ok(Number.isNaN(timeOf('2024'.repeat(30))));
});

test('the columns a triage needs: account, region, identity type, MFA, readOnly, severity, change flags', () => {
  const o = columnsOf({
    '@timestamp': '2024-03-05T14:02:41Z',
    'event.action': 'UpdateDistribution',
    'cloud.account.id': '111122223333',
    'cloud.region': 'us-east-1',
    'cloudtrail.identity.type': 'AssumedRole',
    'cloudtrail.mfa_authenticated': false,
    'cloudtrail.read_only': false,
    'cloudfront.distribution.id': 'E1',
    'cloudfront.risk': ['weak_tls'],
    'cloudfront.risk_details': [{ flag: 'weak_tls', severity: 'medium', kind: 'state', evidence: [] }],
    'cloudfront.change.state': 'changed',
    'cloudfront.change.fields': ['logging.enabled', 'webACLId'],
    'cloudfront.change.flags': ['logging_turned_off', 'weak_tls'],
    'cloudfront.change.flag_details': [{ flag: 'logging_turned_off', severity: 'high', kind: 'diff', evidence: [{ key: 'logging.enabled', before: true, after: false }] }],
  });
  assert.equal(o.account, '111122223333');
  assert.equal(o.region, 'us-east-1');
  assert.equal(o.idtype, 'AssumedRole');
  assert.equal(o.mfa, 'no');
  assert.equal(o.readOnly, 0);
  // The worst of state and change flags; each flag once.
  assert.equal(o.severity, 3);
  // Worst first: the high change flag, then the medium state flag.
  assert.equal(o.risk, 'logging_turned_off, weak_tls');
  assert.equal(o.change, '2 fields changed');
  assert.equal(columnsOf({ readOnly: true }).readOnly, 1);
  assert.equal(columnsOf({}).readOnly, 2);
});

test('an Insights event shows as the call it is about', () => {
  const o = columnsOf({
    eventType: 'AwsCloudTrailInsight',
    'cloudtrail.insight.event_name': 'UpdateDistribution',
    'cloudtrail.insight.type': 'ApiCallRateInsight',
    'cloudtrail.insight.state': 'Start',
  });
  assert.equal(o.action, 'UpdateDistribution (Insight: ApiCallRateInsight Start)');
  assert.equal(columnsOf({ insightDetails: undefined, 'insightDetails.eventName': 'DeleteDistribution2020_05_31' }).action, 'DeleteDistribution (Insight)');
});

test('time buckets: round and aligned; past weeks, calendar months or years', () => {
  const day = buckets(Date.UTC(2024, 2, 1, 3), Date.UTC(2024, 2, 3, 5));
  assert.equal(day.edges[0] % 3600_000, 0, 'hour-aligned');
  // Multi-year: calendar months starting on the 1st (not 365-day steps from the epoch).
  const years = buckets(Date.UTC(2014, 4, 6), Date.UTC(2024, 2, 11));
  assert.equal(years.unit, 'month');
  for (const t of [years.edges[0], years.edges[1], years.edges[years.edges.length - 1]]) assert.equal(new Date(t).getUTCDate(), 1);
  assert.ok(years.edges.length - 1 <= 120);
  assert.ok(years.edges[0] <= Date.UTC(2014, 4, 6) && years.edges[years.edges.length - 1] > Date.UTC(2024, 2, 11));
  const decades = buckets(Date.UTC(1990, 0, 1), Date.UTC(2024, 0, 1));
  assert.equal(decades.unit, 'year');
  assert.equal(new Date(decades.edges[1]).toISOString().slice(5, 10), '01-01');
  // Weeks start on Monday.
  const weeks = buckets(Date.UTC(2024, 0, 3), Date.UTC(2024, 8, 1));
  assert.equal(new Date(weeks.edges[0]).getUTCDay(), 1);
});
