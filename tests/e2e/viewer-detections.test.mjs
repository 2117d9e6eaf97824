// End-to-end tests of the viewer's Detections panel (issue 23) in Debian's Chromium, driven by
// playwright-core: Sigma rule files (.yml) dropped with a log, or after it, are read in the page
// and evaluated by the core; the panel lists the rules that matched, most severe first, with
// counts computed here independently (the core through the Node API, transformLog with the same
// rules); picking a rule filters the table to its events and shows the rule as text, a hostile
// one included. Screenshots go to target/screenshots/ (gitignored).
//
// Skips (counted as skipped, with the reason) only when the web build is missing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import * as ct from '../../js/node.mjs';
import { ROOT, closeViewer, contrast, openPage, openViewer, skip } from './harness.mjs';

const SHOTS = join(ROOT, 'target/screenshots');

const it = (name, fn) => test(name, { skip }, fn);

const LOG = join(ROOT, 'tests/fixtures/js/detections-log.json');
const RULE_DIRS = [join(ROOT, 'tests/fixtures/sigma-ui'), join(ROOT, 'tests/fixtures/sigma')];
const RULE_FILES = RULE_DIRS.flatMap((d) => readdirSync(d).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(d, f)));
const RULES = RULE_FILES.flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS()));
const LEVELS = ['critical', 'high', 'medium', 'low', 'informational'];
const EVENTS = JSON.parse(readFileSync(LOG, 'utf8')).Records.length;

/** What the panel must show, from the core through the Node API: each matched rule and its records. */
function expected() {
  const recs = ct.transformLog(readFileSync(LOG), { rules: RULES }).records;
  const byId = new Map();
  for (const r of recs) {
    for (const id of [].concat(r['rule.id'] ?? [])) {
      if (!byId.has(id)) byId.set(id, []);
      byId.get(id).push(r);
    }
  }
  const info = new Map(RULES.map((r) => [r.id, r]));
  const rows = [...byId].map(([id, rs]) => ({ id, title: info.get(id).title, level: info.get(id).level, count: rs.length, actions: rs.map((r) => r.eventName).sort() }));
  // Most severe first, then the most matched; ties in the order the rules were read (file name).
  const order = RULES.map((r) => r.id);
  rows.sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || b.count - a.count || order.indexOf(a.id) - order.indexOf(b.id));
  return rows;
}

let browser;
let server;
let url;

const newPage = (t, opts = {}) =>
  openPage(browser, url, t, {
    height: 1000,
    ...opts,
    // A request for x (the hostile rule's <img src=x>) would mean its text became HTML.
    watch: (page, problems) => page.on('request', (r) => /\/x$/.test(new URL(r.url()).pathname) && problems.push(`request: ${r.url()}`)),
  });

async function loaded(page, events) {
  await page.waitForFunction(
    (e) => {
      const n = Number(document.querySelector('[data-testid=event-count]').textContent.replace(/[^0-9]/g, ''));
      return document.getElementById('progress').hidden && !document.documentElement.dataset.busy && n === e;
    },
    events,
    { timeout: 60_000 },
  );
}
const shot = (page, name) => page.screenshot({ path: join(SHOTS, `detections-${name}.png`) });
const panelRows = (page) =>
  page.$$eval('[data-testid=detection-rule]', (els) =>
    els.map((e) => ({
      title: e.querySelector('[data-testid=detection-title]').textContent,
      level: e.querySelector('[data-testid=detection-level]').textContent,
      count: Number(e.querySelector('[data-testid=detection-count]').textContent.replace(/[^0-9]/g, '')),
    })),
  );
const shown = (want) => want.map((w) => ({ title: w.title, level: w.level === 'informational' ? 'info' : w.level, count: w.count }));
const actionsInTable = (page) => page.$$eval('#rows .row:not([hidden]) .c-action', (els) => els.map((e) => e.textContent.trim()).sort());

describe('viewer Detections panel (issue 23) in headless Chromium', () => {
  before(async () => {
    if (skip) return;
    ({ server, url, browser } = await openViewer(SHOTS));
  });
  after(() => closeViewer({ server, browser }));

  it('rules dropped with the log: the rules that matched, most severe first, with their counts; a pick filters the table', async (t) => {
    const want = expected();
    assert.ok(want.length >= 8 && new Set(want.map((w) => w.level)).size === LEVELS.length, 'the fixtures cover every level');
    const page = await newPage(t);
    await page.setInputFiles('[data-testid=file-input]', [LOG, ...RULE_FILES]);
    await loaded(page, EVENTS);
    await page.waitForSelector('[data-testid=detection-rule]');
    assert.deepEqual(await panelRows(page), shown(want));
    assert.equal(await page.textContent('[data-testid=detections-summary]'), `${want.length} of ${RULES.length} rules matched`);
    // The rules that matched nothing are listed too, folded.
    assert.equal(await page.locator('[data-testid=detection-quiet]').count(), RULES.length - want.length);
    await shot(page, 'with-log');

    // Pick the critical rule: the table shows exactly its events, the panel the rule.
    const crit = want[0];
    assert.equal(crit.level, 'critical');
    await page.locator('[data-testid=detection-rule]').first().click();
    await loaded(page, crit.count);
    assert.deepEqual(await actionsInTable(page), crit.actions);
    assert.equal(await page.getAttribute('[data-testid=detection-rule] >> nth=0', 'aria-pressed'), 'true');
    assert.equal(await page.textContent('[data-testid=detection-view-title]'), crit.title);
    const refs = await page.$$eval('[data-testid=detection-references] li', (els) => els.map((e) => e.textContent));
    assert.deepEqual(refs, RULES.find((r) => r.id === crit.id).references);
    assert.match(await page.textContent('[data-testid=detection-text]'), /eventSource: cloudtrail\.amazonaws\.com/);
    assert.match(await page.textContent('[data-testid=pills]'), new RegExp(`Rule: ${crit.title}`));
    await shot(page, 'picked');
    // A sample event opens its details.
    await page.locator('[data-testid=detection-sample]').first().click();
    await page.waitForFunction((a) => a.includes(document.querySelector('[data-testid=detail-title]')?.textContent), crit.actions);

    // The pill flips to "not this rule", then goes; picking again lets go.
    await page.click('[data-testid=pill] >> text=/^Rule:/');
    await loaded(page, EVENTS - crit.count);
    assert.ok(!(await actionsInTable(page)).some((a) => crit.actions.includes(a)));
    await page.click('[data-testid=pills] [data-testid=pill-remove]');
    await loaded(page, EVENTS);
    assert.equal(await page.getAttribute('[data-testid=detection-rule] >> nth=0', 'aria-pressed'), 'false');

    // Every matched rule, picked in turn, shows its own count of events.
    for (const [k, w] of want.entries()) {
      await page.locator('[data-testid=detection-rule]').nth(k).click();
      await loaded(page, w.count);
      assert.deepEqual(await actionsInTable(page), w.actions, w.id);
    }
    await page.click('[data-testid=filter-clear]');
    await loaded(page, EVENTS);
    assert.equal(await page.locator('[data-testid=detection-rule][aria-pressed=true]').count(), 0);
  });

  it('a hostile rule renders as text: its title, description and references run nothing and load nothing', async (t) => {
    const page = await newPage(t);
    const hostile = RULES.find((r) => r.id === 'ui-hostile');
    // And records that name the rule themselves (a record's own rule.id is a value of the log):
    // no match for that.
    const forged = ['{"rule":{"id":"ui-hostile","level":"critical"}', '{"rule.id":["ui-hostile"],"rule.name":"x"'].map((head) => `${head},"eventVersion":"1.09","eventTime":"2026-03-02T12:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeRegions"}`);
    const dir = mkdtempSync(join(tmpdir(), 'ct-forged-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const forgedFile = join(dir, 'forged.ndjson');
    writeFileSync(forgedFile, `${forged.join('\n')}\n`);
    await page.setInputFiles('[data-testid=file-input]', [LOG, join(ROOT, 'tests/fixtures/sigma-ui/hostile.yml'), forgedFile]);
    await loaded(page, EVENTS + 2);
    const rule = page.locator('[data-testid=detection-rule]');
    await rule.first().waitFor();
    assert.equal(await rule.count(), 1);
    assert.equal(await rule.locator('[data-testid=detection-count]').textContent(), '1');
    assert.equal(await rule.locator('[data-testid=detection-title]').textContent(), hostile.title);
    await rule.first().click();
    await loaded(page, 1);
    assert.equal(await page.textContent('[data-testid=detection-view-title]'), hostile.title);
    assert.equal(await page.textContent('[data-testid=detection-description]'), hostile.description);
    assert.deepEqual(await page.$$eval('[data-testid=detection-references] li', (els) => els.map((e) => e.textContent)), hostile.references);
    await page.click('.det-text summary');
    assert.match(await page.textContent('[data-testid=detection-text]'), /<script>document\.title='pwned'<\/script>/);
    // No element came from the rule's text, no link was made, nothing ran.
    assert.equal(await page.locator('[data-testid=detections] img, [data-testid=detections] script, [data-testid=detections] a, [data-testid=pills] img').count(), 0);
    assert.notEqual(await page.title(), 'pwned');
    await shot(page, 'hostile');
  });

  it('rules dropped after the log are evaluated over the records already read; keyboard picks a rule; a rule the core refuses is listed with the reason', async (t) => {
    const want = expected();
    const page = await newPage(t, { scheme: 'light' });
    await page.setInputFiles('[data-testid=file-input]', [LOG]);
    await loaded(page, EVENTS);
    assert.equal(await page.isVisible('[data-testid=detections]'), false, 'no panel without rules');
    const dir = mkdtempSync(join(tmpdir(), 'ct-rules-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const refused = join(dir, 'refused.yml');
    writeFileSync(refused, 'title: Needs base64\nid: refused\nlevel: high\ndetection:\n  sel:\n    eventName|base64: X\n  condition: sel\n');
    await page.setInputFiles('[data-testid=file-input]', [...RULE_FILES, refused]);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=detection-rule]').length === n, want.length, { timeout: 60_000 });
    await loaded(page, EVENTS);
    assert.deepEqual(await panelRows(page), shown(want));
    // The refused rule: not silently dropped.
    assert.match(await page.textContent('[data-testid=detections-errors]'), /^1 rule not evaluated$/);
    await page.click('[data-testid=detections-errors]');
    assert.match(await page.textContent('[data-testid=detection-error]'), /refused\.yml: Needs base64: .*base64/);
    // Keyboard: Tab reaches the rules, Enter picks one.
    await page.focus('[data-testid=detection-rule] >> nth=1');
    await page.keyboard.press('Enter');
    await loaded(page, want[1].count);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'detection-rule');
    assert.deepEqual(await actionsInTable(page), want[1].actions);
    // The list is labelled and its buttons say whether they are pressed.
    assert.equal(await page.getAttribute('[data-testid=detections-list]', 'aria-labelledby'), 'det-title');
    assert.equal(await page.getAttribute('[data-testid=detection-rule] >> nth=1', 'aria-pressed'), 'true');
    // Light mode: the count and the level badges readable (4.5:1) on their background.
    for (const sel of ['[data-testid=detection-count]', '.det-rule[aria-pressed=false] .sev-high', '.det-rule[aria-pressed=false] .sev-medium', '.det-rule[aria-pressed=false] .sev-none', '.det-k']) {
      const ratio = await contrast(page, sel);
      assert.ok(ratio >= 4.5, `${sel} contrast ${ratio.toFixed(2)}:1`);
    }
    await shot(page, 'after-light');
  });
});

test('serve.mjs serves the yaml browser build the worker imports from wherever Node resolves it, and nothing beside it', async (t) => {
  const { serve } = await import('../../js/viewer/serve.mjs');
  // A root with no node_modules, as an installed package's may be (npm puts yaml beside it).
  const root = mkdtempSync(join(tmpdir(), 'ct-root-'));
  const { server: srv, url: at } = await serve({ port: 0, root });
  t.after(() => {
    srv.close();
    rmSync(root, { recursive: true, force: true });
  });
  const get = (p) => fetch(new URL(p, at));
  const ok = await get('/node_modules/yaml/browser/index.js');
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get('content-type'), /javascript/);
  assert.match(await ok.text(), /export \* from '\.\/dist\/index\.js'/);
  assert.equal((await get('/node_modules/yaml/browser/dist/index.js')).status, 200);
  for (const p of ['/node_modules/yaml/package.json', '/node_modules/yaml/browser/..%2f..%2fpackage.json', '/node_modules/yaml/browser/..%2f..%2f..%2fyaml%2fpackage.json', '/node_modules/yaml/browser/%2e%2e/dist/index.js']) {
    assert.equal((await get(p)).status, 404, p);
  }
});
