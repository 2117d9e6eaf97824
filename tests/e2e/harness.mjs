// What the viewer's browser tests share: the system Chromium (never a downloaded one), the
// skip reason when pkg/web is not built, and a served viewer with a browser to open it in.
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
