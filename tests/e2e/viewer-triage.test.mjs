// End-to-end tests of the viewer's triage views (issue 16) in Debian's Chromium, driven by
// playwright-core (no browser download): risky changes ranked with their evidence, a
// distribution's timeline, include/exclude filters, "changes only", the unreadable notice,
// keyboard use and the small fixes (status line, empty results, contrast, Insights events).
// Screenshots of each state go to target/screenshots/ (gitignored).
//
// Skips (counted as skipped, with the reason) only when the web build is missing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ct from '../../js/node.mjs';
import { ROOT, closeViewer, contrast, openPage, openViewer, skip } from './harness.mjs';

const FIX = join(ROOT, 'tests/fixtures/viewer');
const SHOTS = join(ROOT, 'target/screenshots');

const it = (name, fn) => test(name, { skip }, fn);

// What the fixtures hold, from the files: day 1 has ListDistributions (ops, read-only),
// CreateDistribution, GetDistributionConfig and UpdateDistribution (alice) of EDFDVBD6EXAMPLE;
// day 2 has mallory's UpdateDistribution of it (WAF removed, origin repointed, ...), eve's
// denied UpdateDistribution (the id only in its errorMessage's ARN), alice's GetDistribution of
// E3OTHEREXAMPLE and an Insights event about UpdateDistribution.
const DAY1 = join(FIX, 'changes-day1.json');
const DAY2 = join(FIX, 'changes-day2.json');
const EVENTS = 8;
const DIST = 'EDFDVBD6EXAMPLE';
const BROKEN = join(FIX, 'broken-lines.ndjson');
const SALVAGE = join(ROOT, 'tests/fixtures/salvage/two-damages.json');

let browser;
let server;
let url;

const newPage = (t, opts) => openPage(browser, url, t, opts);

const digits = (s) => Number(String(s).replace(/[^0-9]/g, ''));
async function loaded(page, events, errors = null) {
  await page.waitForFunction(
    ([e, r]) => {
      const n = (id) => Number(document.querySelector(`[data-testid=${id}]`).textContent.replace(/[^0-9]/g, ''));
      const idle = document.getElementById('progress').hidden && !document.documentElement.dataset.busy;
      return idle && n('event-count') === e && (r === null || n('error-count') === r);
    },
    [events, errors],
    { timeout: 60_000 },
  );
}
const shot = (page, name) => page.screenshot({ path: join(SHOTS, `triage-${name}.png`) });
const texts = (page, sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent));

describe('viewer triage (issue 16) in headless Chromium', () => {
  before(async () => {
    if (skip) return;
    ({ server, url, browser } = await openViewer(SHOTS));
  });
  after(() => closeViewer({ server, browser }));

  it('risky changes ranked by severity then time, tracked across files, opening on the evidence', async (t) => {
    const page = await newPage(t);
    // Day 2 first: the viewer reads them in name (time) order, through one reader.
    await page.setInputFiles('[data-testid=file-input]', [DAY2, DAY1]);
    await loaded(page, EVENTS, 0);
    const entries = page.locator('[data-testid=risky-row]');
    assert.equal(await entries.count(), 2, 'the two updates of day 1 and day 2 are risky');
    const sevs = await texts(page, '[data-testid=risky-row] summary [data-testid=severity]');
    const whens = await texts(page, '[data-testid=risky-row] summary .tri-when');
    const rank = (s) => ['flag', 'low', 'medium', 'high', 'critical'].indexOf(s.toLowerCase());
    for (let i = 1; i < sevs.length; i++) {
      assert.ok(rank(sevs[i - 1]) > rank(sevs[i]) || (rank(sevs[i - 1]) === rank(sevs[i]) && whens[i - 1] >= whens[i]), `ranked: ${sevs} ${whens}`);
    }
    // Each entry says who, when, which distribution and the flags.
    const first = entries.first();
    const sum = await first.locator('summary').textContent();
    assert.match(sum, /mallory/);
    assert.match(sum, /2024-03-02 12:00/);
    assert.match(sum, new RegExp(DIST));
    // Its worst flags first.
    assert.match(sum, /12:00:00(origin_repointed|waf_removed), (origin_repointed|waf_removed)/);
    // It opens on the evidence: the changed fields, before → after. The before-state came from
    // the other file (day 1), so tracking crossed files.
    await first.locator('summary').click();
    const diff = await first.locator('[data-testid=evidence-flag]', { hasText: 'origin_repointed' }).textContent();
    assert.match(diff, /origins\.items\.0\.domainName/);
    assert.match(diff, /site-bucket\.s3\.us-east-1\.amazonaws\.com → cdn-mirror\.evil\.example\.org/);
    const waf = await first.locator('[data-testid=evidence-flag]', { hasText: 'waf_removed' }).textContent();
    assert.match(waf, /webACLId/);
    assert.match(waf, /arn:aws:wafv2:[^ ]+ → (\(none\)|"")/);
    assert.match(await first.locator('[data-testid=change-state]').textContent(), /^Changed 10 fields since UpdateDistribution/);
    await shot(page, 'ranked');
    // "Show the event" selects it: the detail pane shows the same evidence.
    await first.locator('text=Show the event').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=detail-title]')?.textContent === 'UpdateDistribution');
    assert.match(await page.textContent('[data-testid=details] [data-testid=evidence]'), /waf_removed/);
  });

  it('a distribution timeline: every call that touched it, in order, denied attempts included', async (t) => {
    const page = await newPage(t);
    await page.setInputFiles('[data-testid=file-input]', [DAY1, DAY2]);
    await loaded(page, EVENTS, 0);
    await page.locator('[data-testid=triage-distribution]').first().click();
    const dialog = page.locator('[data-testid=timeline]');
    await dialog.locator('[data-testid=timeline-entry]').first().waitFor();
    const items = await texts(page, '[data-testid=timeline-entry] .tl-head');
    assert.equal(items.length, 5, items.join('\n'));
    assert.deepEqual(items.map((x) => /(Create|GetDistributionConfig|Update)Distribution|GetDistributionConfig/.exec(x)?.[0]), ['CreateDistribution', 'GetDistributionConfig', 'UpdateDistribution', 'UpdateDistribution', 'UpdateDistribution']);
    const times = items.map((x) => x.slice(0, 16));
    assert.deepEqual(times, [...times].sort(), 'oldest first');
    // The denied attempt: eve, AccessDenied.
    const denied = page.locator('[data-testid=timeline-entry]', { has: page.locator('[data-testid=timeline-denied]') });
    assert.equal(await denied.count(), 1);
    assert.match(await denied.textContent(), /eve.*AccessDenied/s);
    // Each call's changes: alice's update added an alias and turned logging off.
    const alice = page.locator('[data-testid=timeline-entry]', { hasText: 'alice' }).nth(2);
    assert.match(await alice.textContent(), /logging_turned_off/);
    assert.match(await alice.textContent(), /logging\.enabled/);
    assert.match(await dialog.textContent(), /5 calls, oldest first, 1 failed or denied/);
    await shot(page, 'timeline');
    await page.click('#timeline-close');
    // From the table: the other distribution's id is a link too.
    await page.locator('[data-testid=event-row] .c-resource .link', { hasText: 'E3OTHEREXAMPLE' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=timeline-entry]').length === 1 && document.getElementById('timeline-title').textContent.includes('E3OTHEREXAMPLE'));
    await page.click('#timeline-close');
  });

  it('include/exclude on a cell and on any detail field, as pills that toggle and go', async (t) => {
    const page = await newPage(t);
    await page.setInputFiles('[data-testid=file-input]', [DAY1, DAY2]);
    await loaded(page, EVENTS, 0);
    // Exclude alice from her principal cell.
    const cell = page.locator('[data-testid=event-row] .c-principal', { hasText: 'alice' }).first();
    await cell.hover();
    await cell.locator('[data-act=out]').click();
    await loaded(page, EVENTS - 4);
    assert.equal(await page.textContent('[data-testid=pill]'), 'NOT Principal: alice');
    const principals = await texts(page, '[data-testid=event-row] .c-principal');
    assert.ok(!principals.includes('alice'), principals.join());
    await shot(page, 'exclude');
    // The pill flips to include.
    await page.click('[data-testid=pill]');
    await loaded(page, 4);
    assert.equal(await page.textContent('[data-testid=pill]'), 'Principal: alice');
    await page.click('[data-testid=pill-remove]');
    await loaded(page, EVENTS);
    // Any field of the detail pane: eve's denied call, by its error code.
    await page.locator('[data-testid=event-row]', { hasText: 'eve' }).click();
    const field = page.locator('[data-testid=detail-fields] .field[data-key="errorCode"]');
    await field.waitFor();
    await field.locator('[data-testid=field-in]').click();
    await loaded(page, 1);
    assert.match(await page.textContent('[data-testid=pill]'), /^errorCode: AccessDenied$/);
    await page.click('[data-testid=pill]');
    await loaded(page, EVENTS - 1);
    // A raw field the columns do not hold: the Insights event's insight type, excluded.
    await page.click('[data-testid=pill-remove]');
    await loaded(page, EVENTS);
    await page.locator('[data-testid=event-row]', { hasText: 'Insight' }).click();
    const it2 = page.locator('[data-testid=detail-fields] .field[data-key="insightDetails.insightType"]');
    await it2.waitFor();
    await it2.locator('[data-testid=field-out]').click();
    await loaded(page, EVENTS - 1);
    await shot(page, 'field-filter');
  });

  it('"changes only" keeps the calls that are not read-only; the other filters and the column chooser', async (t) => {
    const page = await newPage(t);
    await page.setInputFiles('[data-testid=file-input]', [DAY1, DAY2]);
    await loaded(page, EVENTS, 0);
    await page.check('[data-testid=filter-changes]');
    // Create, alice's update, mallory's, eve's denied one (readOnly false in each).
    await loaded(page, 4);
    const actions = await texts(page, '[data-testid=event-row] .c-action');
    assert.deepEqual(actions, ['CreateDistribution', 'UpdateDistribution', 'UpdateDistribution', 'UpdateDistribution']);
    await shot(page, 'changes-only');
    await page.uncheck('[data-testid=filter-changes]');
    await loaded(page, EVENTS);
    for (const [testid, value, n] of [
      ['filter-resource', DIST, 5],
      ['filter-account', '444455556666', 1],
      ['filter-region', 'us-east-1', EVENTS],
      ['filter-idtype', 'AssumedRole', 1],
      ['filter-file', 'changes-day2.json', 4],
    ]) {
      await page.selectOption(`[data-testid=${testid}]`, value);
      await loaded(page, n);
      await page.selectOption(`[data-testid=${testid}]`, '');
      await loaded(page, EVENTS);
    }
    // Column chooser: account, region, identity type and MFA can be shown.
    await page.click('[data-testid=column-chooser]');
    for (const k of ['account', 'region', 'idtype', 'mfa']) await page.check(`[data-testid=column-${k}]`);
    await page.waitForSelector('.th[data-key=mfa]');
    const row = page.locator('[data-testid=event-row]', { hasText: 'ListDistributions' });
    assert.equal(await row.locator('.c-account').textContent(), '444455556666');
    assert.equal(await row.locator('.c-idtype').textContent(), 'AssumedRole');
    assert.equal(await row.locator('.c-mfa').textContent(), 'yes');
    assert.equal(await row.locator('.c-region').textContent(), 'us-east-1');
    await shot(page, 'columns');
    // An Insights event shows as the call it is about.
    assert.ok((await texts(page, '[data-testid=event-row] .c-action')).includes('UpdateDistribution (Insight: ApiCallRateInsight Start)'));
  });

  it('unreadable records are said where the risky changes are, never "no risky changes"', async (t) => {
    const page = await newPage(t);
    // The viewer salvages by default: the damaged line of BROKEN is read in part (a salvaged
    // record); a line that is no JSON object at all stays unreadable.
    const garbage = join(tmpdir(), `viewer-triage-garbage-${process.pid}.ndjson`);
    writeFileSync(garbage, '{no-quotes: true}\n');
    t.after(() => rmSync(garbage, { force: true }));
    await page.setInputFiles('[data-testid=file-input]', [BROKEN, garbage]);
    await loaded(page, 3, 1);
    const note = page.locator('[data-testid=unreadable-notice]');
    assert.equal(await note.isVisible(), true);
    assert.match(await note.textContent(), /1 record could not be read; 1 record was damaged and read in part \(salvaged\): a risky change may be in them/);
    const none = await page.textContent('[data-testid=triage-none]');
    assert.equal(none, 'No risky changes among the records that could be read');
    await shot(page, 'unreadable');
    await page.click('[data-testid=unreadable-show]');
    await page.locator('[data-testid=errors-view] [data-testid=error-entry]').first().waitFor();
  });

  it('a salvaged record is marked in the table, and its detail shows each damage in its raw text', async (t) => {
    const page = await newPage(t);
    // The fixture's one damaged record (two damaged stretches) and the core's reading of it.
    const bytes = readFileSync(SALVAGE);
    const log = ct.transformLog(bytes, { salvage: true });
    const damaged = log.records.filter((r) => r['event.salvaged'] === true);
    assert.equal(damaged.length, 1, 'the fixture holds one damaged record');
    const damages = damaged[0]['event.salvage.damages'];
    await page.setInputFiles('[data-testid=file-input]', SALVAGE);
    await loaded(page, log.records.length, 0);
    const rows = page.locator('[data-testid=event-row].salvaged');
    assert.equal(await rows.count(), 1, 'one row is marked salvaged');
    await rows.first().click();
    const items = page.locator('[data-testid=damage] [data-testid=damage-item]');
    await items.first().waitFor();
    assert.equal(await items.count(), damages.length);
    for (let i = 0; i < damages.length; i++) {
      assert.ok((await items.nth(i).textContent()).includes(damages[i].message), `damage ${i} says what was wrong`);
    }
    // The raw text around each damage, the spot marked.
    assert.equal(await page.locator('[data-testid=damage-raw] mark.err-at').count(), damages.length);
    await shot(page, 'salvaged');
  });

  it('keyboard: a skip link first, the open button next, rows and the triage list by keys, a grid that says its rows', async (t) => {
    const page = await newPage(t);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'skip-link');
    const box = await page.locator('[data-testid=skip-link]').boundingBox();
    assert.ok(box && box.y >= 0 && box.height > 10, 'the focused skip link is on screen');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'open-btn', 'not the hidden file input');
    await shot(page, 'keyboard-empty');
    await page.setInputFiles('[data-testid=file-input]', [DAY1, DAY2]);
    await loaded(page, EVENTS, 0);
    assert.equal(await page.getAttribute('[role=grid]', 'aria-rowcount'), String(EVENTS + 1));
    // The skip link goes past the summary's buttons to the events.
    await page.focus('[data-testid=skip-link]');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tbody');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const sel = page.locator('[data-testid=event-row][aria-selected=true]');
    await sel.waitFor();
    assert.equal(await sel.getAttribute('aria-rowindex'), '3');
    assert.equal(await page.getAttribute('#tbody', 'aria-activedescendant'), await sel.getAttribute('id'));
    await page.waitForFunction(() => document.querySelector('[data-testid=detail-title]')?.textContent === 'CreateDistribution');
    // The triage list: a summary takes focus, Enter opens its evidence.
    await page.focus('[data-testid=risky-row] summary');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('[data-testid=risky-row]').first().getAttribute('open'), '');
    const focusRing = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(focusRing, 'none', 'focus is visible');
    await shot(page, 'keyboard');
  });

  it('fixes: status while loading and with many files, a message for no rows, light-mode contrast', async (t) => {
    const page = await newPage(t, { scheme: 'light' });
    // Many files: the status line stays one short line.
    const files = Array.from({ length: 30 }, (_, i) => ({ name: `2024-03-${String(i + 1).padStart(2, '0')}-a-rather-long-cloudtrail-file-name.json`, mimeType: 'application/json', buffer: Buffer.from('{"Records":[]}') }));
    await page.setInputFiles('[data-testid=file-input]', files);
    await loaded(page, 0, 0);
    await page.waitForFunction(() => /^30 files/.test(document.getElementById('status-text').textContent));
    const status = await page.$eval('[data-testid=status]', (el) => ({ text: el.textContent, fits: el.scrollWidth <= el.clientWidth }));
    assert.ok(status.fits, `the status line fits: ${status.text}`);
    assert.match(status.text, /^30 files: 0 events/);
    // Files with no events: a message, not a blank table.
    const msg = page.locator('[data-testid=no-results]');
    assert.equal(await msg.isVisible(), true);
    assert.match(await msg.textContent(), /No events in these files/);
    await shot(page, 'no-events');
    // A filter that matches nothing: a message and a way out.
    await page.setInputFiles('[data-testid=file-input]', [DAY1, DAY2]);
    await loaded(page, EVENTS, 0);
    assert.equal(await msg.isVisible(), false);
    await page.fill('[data-testid=filter-text]', 'zz-matches-nothing');
    await loaded(page, 0);
    assert.match(await msg.textContent(), /No events match these filters/);
    await shot(page, 'no-match');
    await page.click('[data-testid=no-results-clear]');
    await loaded(page, EVENTS);
    // Risk text in light mode: at least 4.5:1 against its background.
    const ratio = await contrast(page, '.c-risk[data-v=flag]');
    assert.ok(ratio >= 4.5, `risk text contrast ${ratio.toFixed(2)}:1`);
    await shot(page, 'light');
  });

  it('the status bar says what is being read while a file loads', async (t) => {
    const page = await newPage(t);
    // A file that takes a moment: 40,000 events built in the page.
    await page.evaluate(() => {
      const parts = [];
      for (let i = 0; i < 40_000; i++) parts.push(`{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z","eventSource":"cloudfront.amazonaws.com","eventName":"ListDistributions","eventID":"id-${i}"}\n`);
      const dt = new DataTransfer();
      dt.items.add(new File(parts, 'slow.ndjson'));
      window.__statuses = [];
      new MutationObserver(() => window.__statuses.push(document.getElementById('status-text').textContent)).observe(document.getElementById('status-text'), { childList: true, characterData: true, subtree: true });
      const zone = document.querySelector('[data-testid=drop-zone]');
      for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    });
    await loaded(page, 40_000, 0);
    const seen = await page.evaluate(() => window.__statuses);
    assert.match(seen[0], /^Reading 1 file…/);
    assert.ok(!seen.slice(0, -1).some((s) => s.startsWith('No files yet.')), seen.join(' | '));
    assert.match(seen[seen.length - 1], /^1 file: slow\.ndjson/);
  });
});
