// Node entry (ESM, and CommonJS through js/node.cjs): the wasm is compiled and instantiated
// synchronously at load time from the bytes on disk, so `init()` is a no-op kept for parity
// with the browser entry.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { createApi, CloudTrailError } from './core.mjs';

const require = createRequire(import.meta.url);
// wasm-bindgen's `--target nodejs` glue (CommonJS) reads pkg/node/cloudfront_trail_bg.wasm.
let gluePath;
try {
  gluePath = require.resolve('../pkg/node/cloudfront_trail.js');
} catch (e) {
  throw new Error('cloudfront-trail: the WebAssembly build (pkg/node) is missing: in a clone of the repository run `npm run build`; an install from a git URL builds it only if npm ran its prepare script (README: Installing)', { cause: e });
}
let glue = require(gluePath);

const api = createApi({
  glue: () => glue,
  // After a trap the old instance may hold a corrupt stack or heap: load a fresh copy of the
  // glue, which compiles and instantiates the module anew.
  reset() {
    delete require.cache[gluePath];
    glue = require(gluePath);
  },
  // The `geoip` option's paths.
  readFile: (path) => fs.readFileSync(path),
});

export const { transform, transformMany, transformLog, transformLogToNdjson, unflatten, createSplitter } = api;
export { CloudTrailError } from './core.mjs';
export { createTransformStream } from './stream.mjs';

// SigmaHQ's CloudTrail rules, as the package ships them (pkg/sigma/index.json, written at build
// time by scripts/sigma-rules.mjs; docs/DETECTIONS.md): read once, one frozen array, so options
// holding it are the same options from call to call (the core compiles them once).
let sigma;
/** SigmaHQ's CloudTrail rules shipped in the package, for the `rules` option. */
export function sigmaRules() {
  if (sigma === undefined) {
    let index;
    try {
      index = JSON.parse(fs.readFileSync(new URL('../pkg/sigma/index.json', import.meta.url), 'utf8'));
    } catch (e) {
      throw new CloudTrailError('option: SigmaHQ\'s rules are not in this build of the package (scripts/sigma-rules.mjs could not extract them when it was built; docs/DETECTIONS.md)', { kind: 'option', cause: e });
    }
    sigma = Object.freeze(index.rules.map(deepFreeze));
  }
  return sigma;
}

function deepFreeze(v) {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** No-op in Node (the wasm is ready at import); present so the same code runs in browsers. */
export function init() {
  return Promise.resolve();
}

/** @internal */
export const { __panicForTest } = api;
