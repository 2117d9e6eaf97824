// End-to-end test of the browser viewer (js/viewer/) in Debian's Chromium, driven by
// playwright-core (no browser download). Serves the repository root with js/viewer/serve.mjs on a
// free 127.0.0.1 port and feeds the page files through the file input and a synthetic drop.
// Screenshots go to test-results/ (gitignored) so a person can look at the page.
//
// Skips (counted as skipped, with the reason) only when the web build is missing: run
// `npm run build` first.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { geoipDb } from '../js/geoip-dbs.mjs';
import { ROOT, closeViewer, openViewer, skip } from './harness.mjs';

const FIX = join(ROOT, 'tests/fixtures/viewer');
const SEED = resolve(ROOT, '../shared/samples/seed/cloudfront-doc-example.raw.txt');
const SHOTS = join(ROOT, 'test-results');


// What the fixtures hold, counted by hand from the files (not from running the code).
const WEEK = { file: join(FIX, 'cloudfront-week.json'), records: 7 };
// Its damaged line is salvaged (the worker reads with salvage on): a record, no error entry.
const BROKEN = { file: join(FIX, 'broken-lines.ndjson'), records: 3, errors: 0 };
const HOSTILE = { file: join(FIX, 'hostile.json'), records: 2 };
const hasSeed = existsSync(SEED);

let browser;
let server;
let origin;
let url;

async function newPage(t, { scheme = 'dark', width = 1440, height = 900, expect = null } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: scheme, acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const page = await context.newPage();
  const requests = [];
  const problems = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForSelector('html[data-ready="1"]', { timeout: 15_000 });
  t.after(async () => {
    // Nothing may leave this machine: every request goes to our own origin (or is a blob/data URL).
    const remote = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('blob:') && !u.startsWith('data:'));
    assert.deepEqual(remote, [], 'requests left localhost');
    // `expect`: console errors this test provokes on purpose (and requires to happen).
    if (expect) assert.ok(problems.some((p) => expect.test(p)), `expected a console error matching ${expect}`);
    assert.deepEqual(problems.filter((p) => !expect?.test(p)), [], 'errors in the page');
    await context.close();
  });
  return page;
}

const digits = (s) => Number(String(s).replace(/[^0-9]/g, ''));
const eventCount = async (page) => digits(await page.textContent('[data-testid=event-count]'));
const errorCount = async (page) => digits(await page.textContent('[data-testid=error-count]'));

/** Waits until every queued file is read and the counts show `events` (and `errors`). */
async function loaded(page, events, errors) {
  await page.waitForFunction(
    ([e, r]) => {
      const n = (id) => Number(document.querySelector(`[data-testid=${id}]`).textContent.replace(/[^0-9]/g, ''));
      const idle = document.getElementById('progress').hidden && !document.documentElement.dataset.busy;
      return idle && n('event-count') === e && (r === null || n('error-count') === r);
    },
    [events, errors ?? null],
    { timeout: 60_000 },
  );
}

async function dropFiles(page, files) {
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([f.text], f.name));
    const zone = document.querySelector('[data-testid=drop-zone]');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, files);
}

/** Waits until the answer to the last query (filter, sort) is on screen. */
async function settled(page) {
  await page.waitForFunction(() => !document.documentElement.dataset.busy, null, { timeout: 60_000 });
}

/** The visible rows' cells, as text, once the view is up to date. */
async function rows(page) {
  await settled(page);
  return page.$$eval('[data-testid=event-row]', (rs) => rs.map((r) => [...r.children].map((c) => c.textContent)));
}
const COL = { time: 0, action: 1, principal: 2, ip: 3, outcome: 4, resource: 5, risk: 6 };

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `viewer-${name}.png`) });
}

/** Picks the option of a filter select whose label starts with `prefix`; returns its value. */
async function pick(page, testid, prefix) {
  const value = await page.$eval(
    `[data-testid=${testid}]`,
    (sel, p) => [...sel.options].find((o) => o.value && o.textContent.startsWith(p))?.value ?? null,
    prefix,
  );
  assert.ok(value !== null, `${testid} has an option starting with ${prefix}`);
  await page.selectOption(`[data-testid=${testid}]`, value);
  return value;
}

/** A small CSV reader (RFC 4180 quoting) for checking the export. */
function parseCsv(text) {
  const out = [];
  let row = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') q = false;
      else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\n') row.push(cell), out.push(row), (row = []), (cell = '');
    else if (c !== '\r') cell += c;
  }
  if (cell || row.length) row.push(cell), out.push(row);
  return out;
}

async function download(page, testid) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid=${testid}]`)]);
  return readFileSync(await dl.path(), 'utf8');
}

// Each test carries the skip reason, so a missing build shows as skipped tests, not a pass.
const it = (name, fn) => test(name, { skip }, fn);

describe('viewer (js/viewer) in headless Chromium', () => {
  before(async () => {
    if (skip) return;
    ({ server, url, browser } = await openViewer(SHOTS));
    origin = new URL(url).origin;
  });
  after(() => closeViewer({ server, browser }));

  it('the page forbids inline and remote script and loads nothing from elsewhere', async (t) => {
    const page = await newPage(t, { expect: /inline script violates the following Content Security Policy/ });
    const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|https?:|\*/);
    assert.equal(await page.$$eval('script:not([src])', (s) => s.length), 0, 'no inline script');
    const html = readFileSync(join(ROOT, 'js/viewer/index.html'), 'utf8');
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/, 'no remote URL in the page');
    // An inline script injected now is refused by the policy.
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.append(s);
    });
    assert.equal(await page.evaluate(() => window.__inline), undefined);
    await shot(page, 'empty');
  });

  it('files from the input: counts, rows, sorting, details and the unreadable records', async (t) => {
    const page = await newPage(t);
    // A line that is no record at all stays an error entry, salvage or not.
    const garbage = join(tmpdir(), `viewer-garbage-${process.pid}.ndjson`);
    writeFileSync(garbage, '{BROKEN-MARKER-no-quotes: true}\n');
    t.after(() => rmSync(garbage, { force: true }));
    const files = [WEEK.file, BROKEN.file, garbage, ...(hasSeed ? [SEED] : [])];
    // The seed is the CloudFront guide's example: 5 records, its damaged one salvaged.
    const events = WEEK.records + BROKEN.records + (hasSeed ? 5 : 0);
    const errors = BROKEN.errors + 1;
    await page.setInputFiles('[data-testid=file-input]', files);
    await loaded(page, events, errors);
    assert.equal(await eventCount(page), events);
    assert.equal(await errorCount(page), errors);

    let r = await rows(page);
    assert.equal(r.length, events, 'every event has a row (fewer than a screenful)');
    // Default order is by time, oldest first.
    const times = r.map((x) => x[COL.time]);
    assert.deepEqual(times, [...times].sort());
    const mallory = r.filter((x) => x[COL.principal] === 'mallory');
    assert.equal(mallory.length, 2);
    for (const x of mallory) {
      assert.equal(x[COL.outcome], 'failure');
      assert.equal(x[COL.ip], '192.0.2.66');
      assert.equal(x[COL.resource], 'E1MARKETING0001');
    }
    assert.ok(r.some((x) => x[COL.principal] === 'deploy-bot' && x[COL.ip] === '198.51.100.7'), 'assumed-role session name as principal');

    // Sorting: by principal ascending, then descending.
    await page.click('.th[data-key=principal]');
    r = await rows(page);
    const names = r.map((x) => x[COL.principal]).filter(Boolean);
    const byName = [...names].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base', numeric: true }));
    assert.deepEqual(names, byName);
    await page.click('.th[data-key=principal]');
    r = await rows(page);
    assert.deepEqual(r.map((x) => x[COL.principal]).filter(Boolean), byName.reverse());
    await page.click('.th[data-key=time]');
    await settled(page);

    // Details: every flattened field, copyable, and the original record.
    await page.locator('[data-testid=event-row]', { hasText: 'DeleteDistribution' }).click();
    const field = (k) => page.locator(`[data-testid=detail-fields] .field[data-key="${k}"] .fv`);
    await field('errorCode').waitFor();
    assert.equal(await field('errorCode').textContent(), 'AccessDenied');
    assert.equal(await field('userIdentity.userName').textContent(), 'mallory');
    assert.equal(await field('requestParameters.ifMatch').textContent(), 'E3EXAMPLE');
    assert.equal(await field('responseElements').textContent(), 'null');
    await page.locator('[data-testid=detail-fields] .field[data-key="errorCode"]').hover();
    await page.locator('[data-testid=detail-fields] .field[data-key="errorCode"] .copy').click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'AccessDenied');
    await shot(page, 'loaded-details');
    await page.click('[data-testid=tab-original]');
    const original = JSON.parse(await page.textContent('[data-testid=detail-original]'));
    assert.equal(original.userIdentity.userName, 'mallory');
    assert.equal(original.requestParameters.id, 'E1MARKETING0001');
    assert.equal(original.errorCode, 'AccessDenied');
    assert.equal(original.eventName, 'DeleteDistribution2020_05_31');
    await page.click('[data-testid=tab-fields]');

    // Keyboard: the next row by time is mallory's second call.
    await page.focus('[data-testid=event-list]');
    await page.keyboard.press('ArrowDown');
    await field('eventName').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=detail-title]').textContent.startsWith('GetDistributionConfig'));

    // The unreadable records: message and raw text.
    await page.click('[data-testid=errors-button]');
    const entries = page.locator('[data-testid=error-entry]');
    assert.equal(await entries.count(), errors);
    const raws = await page.$$eval('[data-testid=error-original]', (e) => e.map((x) => x.textContent));
    const messages = await page.$$eval('[data-testid=error-message]', (e) => e.map((x) => x.textContent));
    assert.ok(raws.some((x) => x.includes('BROKEN-MARKER-no-quotes')), 'the broken NDJSON line is shown raw');
    if (hasSeed) assert.ok(!raws.some((x) => x.includes('distributionConfig response omitted')), "the seed's damaged record is a row, not an error");
    for (const m of messages) assert.ok(m.length > 5, `an error message says something: ${m}`);
    // The broken line's error points into it: the mark sits on the unquoted key.
    const marks = await page.$$eval('[data-testid=error-original] .err-at', (e) => e.map((x) => x.parentElement.textContent.indexOf('BROKEN') === -1 ? null : x.textContent));
    assert.ok(marks.includes('B'), `the error mark is on the bad key: ${JSON.stringify(marks)}`);
    await shot(page, 'errors');
    await page.click('#errors-close');
  });

  it('a synthetic drop, gzip input, filters with counts that follow, and export', async (t) => {
    const page = await newPage(t);
    await dropFiles(page, [{ name: 'week.json', text: readFileSync(WEEK.file, 'utf8') }]);
    await loaded(page, WEEK.records, 0);
    // The same log gzipped, from the input: gzip is found by content.
    const gz = join(tmpdir(), `viewer-week-${process.pid}.json.gz`);
    writeFileSync(gz, gzipSync(readFileSync(BROKEN.file)));
    await page.setInputFiles('[data-testid=file-input]', gz);
    await loaded(page, WEEK.records + BROKEN.records, BROKEN.errors);
    assert.match(await page.textContent('[data-testid=status]'), /gzip/);

    const total = WEEK.records + BROKEN.records;
    await page.selectOption('[data-testid=filter-outcome]', 'failure');
    await loaded(page, 2);
    assert.match(await page.textContent('[data-testid=event-total]'), new RegExp(`of ${total}`));
    for (const x of await rows(page)) assert.equal(x[COL.outcome], 'failure');
    assert.equal(digits(await page.textContent('[data-testid=failure-count]')), 2);
    await shot(page, 'filtered');

    const ndjson = (await download(page, 'export-ndjson')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(ndjson.length, 2);
    assert.deepEqual(ndjson.map((o) => o['userIdentity.userName']), ['mallory', 'mallory']);
    assert.deepEqual(ndjson.map((o) => o.eventName).sort(), ['DeleteDistribution2020_05_31', 'GetDistributionConfig2020_05_31']);

    await page.click('[data-testid=filter-clear]');
    await loaded(page, total);
    await page.fill('[data-testid=filter-text]', 'e2otherdist0002');
    await loaded(page, 2);
    await page.fill('[data-testid=filter-text]', '');
    await loaded(page, total);

    await pick(page, 'filter-action', 'DeleteDistribution');
    await loaded(page, 1);
    await page.selectOption('[data-testid=filter-action]', '');
    await pick(page, 'filter-principal', 'alice');
    await loaded(page, 2);
    await page.selectOption('[data-testid=filter-principal]', '');
    await loaded(page, total);

    // Time range (UTC): 6 March 00:00 to 7 March (whole day) holds 3 events.
    await page.fill('[data-testid=filter-from]', '2024-03-06');
    await page.fill('[data-testid=filter-to]', '2024-03-07T23:59');
    await page.press('[data-testid=filter-to]', 'Enter');
    await loaded(page, 3);
    const inRange = await rows(page);
    for (const x of inRange) assert.ok(x[COL.time] >= '2024-03-06' && x[COL.time] < '2024-03-08', x[COL.time]);

    // Dragging across the time chart selects a range (the inputs show it); a double-click clears it.
    await page.fill('[data-testid=filter-from]', '');
    await page.fill('[data-testid=filter-to]', '');
    await page.press('[data-testid=filter-to]', 'Enter');
    await loaded(page, total);
    const box = await page.locator('[data-testid=chart-time]').boundingBox();
    await page.mouse.move(box.x + 40, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.55, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await settled(page);
    const from = await page.inputValue('[data-testid=filter-from]');
    const to = await page.inputValue('[data-testid=filter-to]');
    assert.match(from, /^2024-03-0\dT\d\d:\d\d:\d\d$/);
    assert.match(to, /^2024-03-\d\dT\d\d:\d\d:\d\d$/);
    const brushed = await eventCount(page);
    assert.ok(brushed > 0 && brushed < total, `a part of the events (${brushed} of ${total})`);
    for (const x of await rows(page)) assert.ok(x[COL.time] >= from && x[COL.time] <= `${to}Z`, `${x[COL.time]} in ${from}..${to}`);
    await page.dblclick('[data-testid=chart-time]');
    await loaded(page, total);
    assert.equal(await page.inputValue('[data-testid=filter-from]'), '');

    // The risk filter offers the flags the enrichment found.
    await page.click('[data-testid=filter-clear]');
    await loaded(page, total);
    const flags = await page.$$eval('[data-testid=filter-risk] option', (o) => o.map((x) => x.value).filter((v) => v && v !== '*'));
    if (flags.length) {
      await page.selectOption('[data-testid=filter-risk]', flags[0]);
      await page.waitForFunction(() => document.getElementById('event-total').textContent !== '');
      for (const x of await rows(page)) assert.ok(x[COL.risk].includes(flags[0]), x[COL.risk]);
      await page.selectOption('[data-testid=filter-risk]', '*');
      const flagged = await rows(page);
      assert.ok(flagged.length >= 1 && flagged.every((x) => x[COL.risk] !== ''));
    } else {
      t.diagnostic('no risk flags in this build (CloudFront risk enrichment not present): risk filter not exercised');
    }
    await page.click('[data-testid=filter-clear]');
    await loaded(page, total);

    const csv = parseCsv(await download(page, 'export-csv'));
    assert.equal(csv.length, total + 1, 'header + one line per event');
    assert.ok(csv[0].includes('@timestamp') && csv[0].includes('eventName'));
    const eventName = csv[0].indexOf('eventName');
    assert.deepEqual(csv.slice(1).map((r) => r[eventName]).filter((x) => x.startsWith('Delete')), ['DeleteDistribution2020_05_31']);
  });

  it('hostile values render as text only, nothing runs, CSV cells cannot be formulas', async (t) => {
    const page = await newPage(t);
    // 100 KB values in every displayed field, with markup, a javascript: URL and a bidi override.
    const big = (tag) => `${tag}<img src=x onerror=window.__pwned=9>\u202Eevil${'A'.repeat(100 << 10)}`;
    const huge = {
      eventVersion: '1.08',
      eventTime: big('time'),
      eventSource: 'cloudfront.amazonaws.com',
      eventName: big('action'),
      userIdentity: { type: 'IAMUser', userName: big('user'), arn: big('arn') },
      sourceIPAddress: big('javascript:window.__pwned=10//'),
      userAgent: big('ua'),
      requestParameters: { id: big('E'), distributionConfig: { webACLId: '', defaultCacheBehavior: { viewerProtocolPolicy: 'allow-all' } } },
      errorCode: big('code'),
      ['__proto__']: { polluted: 'yes' },
    };
    const hugeText = JSON.stringify(huge); // the computed key makes __proto__ an own, serialised key
    await page.setInputFiles('[data-testid=file-input]', HOSTILE.file);
    await loaded(page, HOSTILE.records, 0);
    await dropFiles(page, [{ name: '<img src=x onerror=window.__pwned=11>.json', text: hugeText }]);
    await loaded(page, HOSTILE.records + 1, 0);

    const r = await rows(page);
    const evil = r.find((x) => x[COL.principal].startsWith('<script>'));
    assert.ok(evil, 'the <script> principal shows literally');
    assert.equal(evil[COL.principal], '<script>window.__pwned=2</script>');
    assert.ok(evil[COL.action].startsWith('UpdateDistribution'), evil[COL.action]);
    assert.ok(evil[COL.action].includes('<img src=x onerror=window.__pwned=3>'));
    assert.equal(evil[COL.ip], 'javascript:window.__pwned=4');
    // The right-to-left override is shown as a visible code, not obeyed.
    assert.equal(evil[COL.resource], 'E3⟨U+202E⟩gpj.exe⟨U+202C⟩');
    const long = r.find((x) => x[COL.principal].startsWith('user<img'));
    assert.ok(long, 'the 100 KB record has a row');
    assert.ok(long[COL.principal].includes('⟨U+202E⟩evilAAAA'));
    assert.ok(long[COL.principal].length < 1000, 'table cells show a cut of 100 KB values');

    // Details of the hostile record, then of the huge one.
    await page.locator('[data-testid=event-row]', { hasText: '<script>window.__pwned=2</script>' }).click();
    const field = (k) => page.locator(`[data-testid=detail-fields] .field[data-key="${k}"] .fv`);
    await field('userAgent').waitFor();
    assert.equal(await field('userAgent').textContent(), '<img src=x onerror=window.__pwned=1>');
    assert.equal(await field('responseElements.href').textContent(), 'javascript:window.__pwned=6');
    assert.equal(await field('__proto__.isAdmin').textContent(), 'true');
    assert.equal(await field('requestParameters.__proto__.polluted').textContent(), 'yes');
    await shot(page, 'hostile-details');
    await page.click('[data-testid=tab-original]');
    const original = await page.textContent('[data-testid=detail-original]');
    assert.ok(original.includes('"__proto__": {'), 'the __proto__ key is plain data in the original');
    assert.ok(original.includes('"userAgent": "<img src=x onerror=window.__pwned=1>"'));
    await page.click('[data-testid=tab-fields]');
    await page.locator('[data-testid=event-row]', { hasText: 'user<img' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=detail-title]').textContent.startsWith('action<img'));
    const ua = await field('userAgent').textContent();
    assert.ok(ua.startsWith('ua<img src=x onerror=window.__pwned=9>⟨U+202E⟩evilAAAA'), ua.slice(0, 80));
    await page.click('[data-testid=tab-original]');
    await page.click('[data-testid=tab-fields]');
    await page.click('[data-testid=errors-button]');
    await page.click('#errors-close');
    await shot(page, 'hostile');

    // Search finds a non-ASCII needle (the override itself), once per record that holds it.
    await page.fill('[data-testid=filter-text]', '\u202E');
    await loaded(page, 2);
    await page.fill('[data-testid=filter-text]', '\u202Egpj.EXE');
    await loaded(page, 1);
    await page.fill('[data-testid=filter-text]', '');
    await loaded(page, HOSTILE.records + 1);

    // Nothing ran, nothing was injected, nothing was polluted.
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.evaluate(() => ({}).polluted ?? ({}).isAdmin ?? Object.prototype.polluted), undefined);
    assert.equal(await page.$$eval('#app img, #app script, #app svg, #app iframe, #app object, #app embed, dialog img', (e) => e.length), 0);
    const badAttrs = await page.evaluate(() => {
      const out = [];
      for (const el of document.querySelectorAll('*')) {
        for (const a of el.attributes) {
          const v = a.value.toLowerCase();
          if (/^on/.test(a.name) || (['href', 'src', 'style', 'action', 'formaction', 'srcdoc'].includes(a.name) && /javascript:|evil|<|pwned/.test(v))) out.push(`${el.tagName} ${a.name}=${a.value.slice(0, 60)}`);
        }
      }
      return out;
    });
    assert.deepEqual(badAttrs, []);

    // CSV export: formula-looking cells get a leading quote.
    const csv = parseCsv(await download(page, 'export-csv'));
    const col = (name) => csv[0].indexOf(name);
    const formula = csv.find((row) => row[col('eventID')] === 'e0000000-0000-4000-8000-0000000000ef');
    assert.ok(formula, 'the formula record is exported');
    assert.equal(formula[col('userAgent')], "'=cmd|' /C calc'!A0");
    assert.equal(formula[col('eventName')], "'@SUM(1+1)*cmd|' /C calc'!A0");
    assert.equal(formula[col('userIdentity.arn')], "'+1+cmd|' /C calc'!A0");
    for (const row of csv.slice(1)) for (const c of row) assert.doesNotMatch(c, /^[=+\-@\t\r]/, `a cell starts like a formula: ${c.slice(0, 40)}`);
  });

  it('500,000 events: a bounded DOM, scrolling, sorting and filtering', async (t) => {
    const page = await newPage(t);
    const N = 500_000;
    // Built inside the page (a Blob of NDJSON), then dropped like a file.
    const started = Date.now();
    await page.evaluate((n) => {
      const parts = [];
      const t0 = Date.UTC(2024, 0, 1);
      for (let i = 0; i < n; i++) {
        const fail = i % 97 === 0;
        parts.push(
          `{"eventVersion":"1.08","eventTime":"${new Date(t0 + i * 5000).toISOString().slice(0, 19)}Z","eventSource":"cloudfront.amazonaws.com","eventName":"${['GetDistribution', 'ListDistributions', 'UpdateDistribution', 'CreateInvalidation'][i % 4]}","userIdentity":{"type":"IAMUser","userName":"user${i % 50}"},"sourceIPAddress":"10.0.${(i >> 8) & 255}.${i & 255}","requestParameters":{"id":"E${String(i % 20).padStart(13, '0')}"}${fail ? ',"errorCode":"AccessDenied"' : ''},"eventID":"id-${i}"}\n`,
        );
      }
      const file = new File(parts, 'big.ndjson');
      const dt = new DataTransfer();
      dt.items.add(file);
      // A frame counter: the longest gap between animation frames while the file loads.
      window.__gap = 0;
      let last = performance.now();
      const tick = (now) => {
        window.__gap = Math.max(window.__gap, now - last);
        last = now;
        if (!window.__stopFrames) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      const zone = document.querySelector('[data-testid=drop-zone]');
      for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }, N);
    await shot(page, 'big-loading');
    // A screenshot stalls frames; measure from here.
    await page.evaluate(() => (window.__gap = 0));
    await loaded(page, N, 0);
    const gap = await page.evaluate(() => ((window.__stopFrames = true), window.__gap));
    const stats = await page.evaluate(() => JSON.stringify(window.__viewerStats));
    // Reported, not asserted (tests assert behaviour, not timing).
    t.diagnostic(`500,000 events loaded in ${Date.now() - started} ms; longest frame gap while loading ${Math.round(gap)} ms; worker ms ${stats}`);

    const domRows = await page.$$eval('[data-testid=event-row]', (r) => r.length);
    assert.ok(domRows > 10 && domRows < 200, `a bounded pool of row elements (${domRows})`);
    // Scroll to the end: the last event by time is there.
    await page.$eval('[data-testid=event-list]', (el) => (el.scrollTop = el.scrollHeight));
    await page.waitForTimeout(100);
    const last = await rows(page);
    const end = new Date(Date.UTC(2024, 0, 1) + (N - 1) * 5000).toISOString().slice(0, 19);
    assert.ok(last.some((x) => x[COL.time].startsWith(end)), `the last row is at ${end}`);
    await page.$eval('[data-testid=event-list]', (el) => (el.scrollTop = el.scrollHeight / 2));
    await page.waitForTimeout(100);
    await shot(page, 'big');

    // Sort by time descending: the newest first.
    await page.$eval('[data-testid=event-list]', (el) => (el.scrollTop = 0));
    await page.click('.th[data-key=time]');
    await page.waitForFunction((end) => document.querySelector('[data-testid=event-row] .c-time').textContent.startsWith(end), end, { timeout: 30_000 });
    // Failures: every 97th event.
    await page.selectOption('[data-testid=filter-outcome]', 'failure');
    await loaded(page, Math.ceil(N / 97));
    // User names run user0..user49, so "user7" matches i % 50 == 7 only; among the failures.
    let expected = 0;
    for (let i = 0; i < N; i++) if (i % 97 === 0 && i % 50 === 7) expected++;
    const searchStart = Date.now();
    await page.fill('[data-testid=filter-text]', 'USER7"');
    await loaded(page, expected);
    t.diagnostic(`free-text search over 500,000 events (plus the debounce): ${Date.now() - searchStart} ms`);
  });

  it('a dropped .mmdb database: the logs dropped with it get source.geo.*; a bad one is an error entry', async (t) => {
    const page = await newPage(t);
    const dir = join(tmpdir(), `ct-viewer-geo-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const log = join(dir, 'geo.json');
    writeFileSync(log, JSON.stringify({ Records: [{ eventVersion: '1.08', eventTime: '2024-03-01T10:00:00Z', eventSource: 'cloudfront.amazonaws.com', eventName: 'GetDistribution2020_05_31', sourceIPAddress: '81.2.69.142' }] }));
    const bad = join(dir, 'bad.mmdb');
    writeFileSync(bad, 'not a database');
    // The log comes first in the drop: databases are taken before the logs all the same.
    await page.setInputFiles('[data-testid=file-input]', [log, geoipDb('city'), bad]);
    await loaded(page, 1, 1);
    await page.locator('[data-testid=event-row]', { hasText: 'GetDistribution' }).first().click();
    const field = (k) => page.locator(`[data-testid=detail-fields] .field[data-key="${k}"] .fv`);
    await field('source.geo.city_name').waitFor();
    assert.equal(await field('source.geo.city_name').textContent(), 'London');
    assert.equal(await field('source.geo.country_iso_code').textContent(), 'GB');
  });

  it('the free-text search and field filters find records only, not the unreadable lines kept beside them', async (t) => {
    // The worker keeps the engine's output texts as they came, error entries' lines included:
    // a match in one must count for no record (nor for the record before it).
    const page = await newPage(t);
    const rec = (n, user) => JSON.stringify({ eventVersion: '1.08', eventTime: `2024-05-06T00:00:0${n}Z`, eventSource: 's3.amazonaws.com', eventName: 'GetObject', awsRegion: 'us-east-1', sourceIPAddress: '192.0.2.1', userIdentity: { type: 'IAMUser', userName: user }, eventID: `e${n}` });
    // Bob's call also names its bucket: a key only one record has.
    const bobs = JSON.stringify({ ...JSON.parse(rec(2, 'bob')), requestParameters: { bucketName: 'b1' } });
    const text = [rec(1, 'alice'), 'zqxtoken not json, "userIdentity.userName":"alice"', bobs, 'zqxtoken again'].join('\n') + '\n';
    await dropFiles(page, [{ name: 'mixed.ndjson', text }]);
    await loaded(page, 2, 2);
    await page.fill('[data-testid=filter-text]', 'zqxtoken');
    await loaded(page, 0);
    await page.fill('[data-testid=filter-text]', 'bob');
    await loaded(page, 1);
    await page.fill('[data-testid=filter-text]', 'GetObject');
    await loaded(page, 2);
    // Keys are kept as tokens of a table (engine.mjs): a key's name, or part of it in any case, is
    // still found, in the records that have the key only.
    await page.fill('[data-testid=filter-text]', 'requestParameters.bucketName');
    await loaded(page, 1);
    await page.fill('[data-testid=filter-text]', '');
    await loaded(page, 2);
    await page.fill('[data-testid=filter-text]', 'PARAMETERS.BUCKET');
    await loaded(page, 1);
    await page.fill('[data-testid=filter-text]', 'sessionContext');
    await loaded(page, 0);
    await page.fill('[data-testid=filter-text]', '');
    await loaded(page, 2);
    // A field filter (the member "userIdentity.userName":"alice") from the detail pane.
    await page.locator('[data-testid=event-row]', { hasText: 'alice' }).first().click();
    const field = page.locator('[data-testid=detail-fields] .field[data-key="userIdentity.userName"]');
    await field.waitFor();
    await field.locator('[data-testid=field-in]').click();
    await loaded(page, 1);
  });

  it('light theme', async (t) => {
    const page = await newPage(t, { scheme: 'light' });
    await page.setInputFiles('[data-testid=file-input]', [WEEK.file, HOSTILE.file, BROKEN.file]);
    await loaded(page, WEEK.records + HOSTILE.records + BROKEN.records, BROKEN.errors);
    await page.locator('[data-testid=event-row]', { hasText: 'UpdateDistribution2020' }).first().click();
    await page.locator('[data-testid=detail-fields]').waitFor();
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(246, 247, 249)');
    await shot(page, 'light');
    // Close all: back to the empty page.
    await Promise.all([page.waitForEvent('load'), page.click('[data-testid=close-all]')]);
    await page.waitForSelector('html[data-ready="1"]');
    assert.equal(await eventCount(page), 0);
    assert.equal(await page.isVisible('#empty'), true);
  });
});
