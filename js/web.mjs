// Browser entry: `await init()` once (idempotent; concurrent calls share one load), then the
// same API as in Node, minus the Node stream. `init(input?)` takes what wasm-bindgen's loader
// takes: a URL or string path, a Request, a Response, bytes or a WebAssembly.Module; by default
// the .wasm next to the glue (pkg/web/cloudfront_trail_bg.wasm, also exported as
// `cloudfront-trail/cloudfront_trail_bg.wasm` for bundlers).
import { createApi, CloudTrailError } from './core.mjs';
import initGlue, * as glueNs from '../pkg/web/cloudfront_trail.js';

let ready = false;
let loading = null;

/** Loads and instantiates the wasm. Safe to call many times. */
export function init(input) {
  if (ready) return Promise.resolve();
  if (!loading) {
    loading = initGlue(input === undefined ? undefined : { module_or_path: input }).then(
      () => { ready = true; },
      (e) => {
        loading = null; // let a later call try again (e.g. with another URL)
        throw new CloudTrailError(`input: cannot load the WebAssembly module (${e && e.message})`, { kind: 'input', cause: e });
      },
    );
  }
  return loading;
}

const api = createApi({
  glue() {
    if (!ready) {
      throw new CloudTrailError('cloudfront-trail: call `await init()` before using the API in a browser', { kind: 'internal' });
    }
    return glueNs;
  },
  // The glue itself re-creates the instance before the next call after a panic.
  reset() {},
});

export const { transform, transformMany, transformLog, transformLogToNdjson, unflatten, createSplitter } = api;
export { CloudTrailError };
export default init;
