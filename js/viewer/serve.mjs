#!/usr/bin/env node
// A tiny dependency-free static server for the viewer: serves the repository root (so the page
// reaches /js/web.mjs and /pkg/web/*) on 127.0.0.1 only, with the same Content-Security-Policy as
// the page's meta tag (a worker takes its CSP from its own response, not from the page).
//
//   node js/viewer/serve.mjs [--port N]     (port 0 or PORT=0 picks a free one)
import { createServer } from 'node:http';
import { createReadStream, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

// The page reads dropped Sigma rules with the browser build of the `yaml` package (a dependency),
// at /node_modules/yaml/browser/ (js/viewer/rules.mjs). In a checkout that is under the root; in an
// installed package npm may have put `yaml` beside this one, outside the root: served from
// wherever Node resolves it.
const YAML_URL_PATH = '/node_modules/yaml/browser/';
const YAML_DIR = (() => {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('yaml/package.json')), 'browser');
  } catch {
    return null;
  }
})();

export const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/** Starts the server; resolves to { server, url } once listening. */
export function serve({ port = 0, host = '127.0.0.1', root = ROOT } = {}) {
  const server = createServer(async (req, res) => {
    const headers = {
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400, headers).end();
      return;
    }
    if (path === '/' || path === '/js/viewer') {
      res.writeHead(302, { ...headers, Location: '/js/viewer/' }).end();
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    let base = root;
    if (YAML_DIR && path.startsWith(YAML_URL_PATH)) {
      base = YAML_DIR;
      path = path.slice(YAML_URL_PATH.length - 1);
    }
    const file = resolve(join(base, path));
    // No escaping the root (or the yaml directory), no dot-files (.git, .env).
    if ((file !== base && !file.startsWith(base + sep)) || /[\\/]\./.test(file.slice(base.length))) {
      res.writeHead(404, headers).end();
      return;
    }
    try {
      const st = await fs.stat(file);
      if (!st.isFile()) throw new Error('not a file');
      res.writeHead(200, {
        ...headers,
        'Content-Type': TYPES[extname(file)] || 'application/octet-stream',
        'Content-Length': st.size,
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      ok({ server, url: `http://${host}:${p}/js/viewer/` });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const port = Number(i > 0 ? process.argv[i + 1] : process.env.PORT ?? 8080);
  try {
    await fs.access(join(ROOT, 'pkg/web'));
  } catch {
    console.error('viewer: pkg/web is missing: run `npm run build` first');
  }
  let started;
  try {
    started = await serve({ port });
  } catch (e) {
    if (e.code !== 'EADDRINUSE') throw e;
    console.error(`viewer: port ${port} is busy; using a free one`);
    started = await serve({ port: 0 });
  }
  const { url } = started;
  console.log(`cloudfront-trail viewer: ${url}  (serving ${ROOT} on 127.0.0.1 only; Ctrl-C to stop)`);
}
