// The api under test, over the Node glue (as js/node.mjs builds it), with every glue function
// counted so a test can tell which route a call took and how often it crossed into WebAssembly.
// Needs `npm run build` (scripts/test.sh runs it first).
import { createRequire } from 'node:module';
import { createApi } from '../../js/core.mjs';

const require = createRequire(import.meta.url);
const gluePath = require.resolve('../../pkg/node/cloudfront_trail.js');

/** `{ api, calls }`: `calls[name]` counts the calls of the glue function `name`. */
export function countedApi() {
  const calls = Object.create(null);
  // A copy of the exports with counting functions; classes (Splitter) are left as they are.
  // One wrapper per glue instance, so a shim that caches per glue object still can.
  function wrap(g) {
    const w = {};
    for (const k of Object.keys(g)) {
      const f = g[k];
      if (typeof f !== 'function' || /^[A-Z]/.test(k)) {
        w[k] = f;
        continue;
      }
      w[k] = function counted(...args) {
        calls[k] = (calls[k] ?? 0) + 1;
        return f.apply(this, args);
      };
    }
    return w;
  }
  let glue = wrap(require(gluePath));
  const api = createApi({
    glue: () => glue,
    reset() {
      delete require.cache[gluePath];
      glue = wrap(require(gluePath));
    },
  });
  return { api, calls };
}
