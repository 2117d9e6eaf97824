// What the viewer's browser tests share: the system Chromium (never a downloaded one), the
// skip reason when pkg/web is not built, and a served viewer with a browser to open it in.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const built = existsSync(join(ROOT, 'pkg/web/cloudfront_trail_bg.wasm')) && existsSync(join(ROOT, 'pkg/web/cloudfront_trail.js'));
export const skip = built ? false : 'pkg/web is not built: run `npm run build` to test the viewer';

/** The viewer served on a free port and a browser (screenshots go to `shots`): { server, url, browser }. */
export async function openViewer(shots) {
  mkdirSync(shots, { recursive: true });
  const { chromium } = await import('playwright-core');
  const { serve } = await import('../../js/viewer/serve.mjs');
  const { server, url } = await serve({ port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  return { server, url, browser };
}

export async function closeViewer({ server, browser }) {
  await browser?.close();
  server?.close();
}

/** The WCAG contrast ratio of the first element matching `selector`: its text colour against the nearest opaque background. */
export function contrast(page, selector) {
  return page.evaluate((s) => {
    const el = document.querySelector(s);
    const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => {
      const f = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    let bg = null;
    for (let e = el; e && !bg; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (c && !/rgba\(.*, 0\)$|transparent/.test(c)) bg = c;
    }
    const a = lum(rgb(getComputedStyle(el).color));
    const b = lum(rgb(bg ?? getComputedStyle(document.body).backgroundColor));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }, selector);
}

/**
 * A page of the viewer in a context of its own, ready; at the end of test `t` it must have had no
 * page error or console error (`watch(page, problems)` may add its own), and it is closed.
 */
export async function openPage(browser, url, t, { scheme = 'dark', width = 1440, height = 900, watch } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: scheme });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  watch?.(page, problems);
  await page.goto(url);
  await page.waitForSelector('html[data-ready="1"]', { timeout: 15_000 });
  t.after(async () => {
    assert.deepEqual(problems, [], 'errors in the page');
    await context.close();
  });
  return page;
}
