// The shared shim: every host (Node, browser) hands it a backend and gets the public API.
// It converts types and errors; the logic lives in the Rust core (src/, via src/wasm.rs), except
// the flattening of record objects (js/flatten.mjs, checked against the core by tests).
// A backend is { glue(): wasm-bindgen exports, reset(): void, ready(): boolean }.

import { fastConfig, flattenObject, parseSpec } from './flatten.mjs';

/** An error from cloudfront-trail: `kind` is one of input, syntax, record, limit, option, internal. */
export class CloudTrailError extends Error {
  constructor(message, props = {}) {
    super(message, props.cause === undefined ? undefined : { cause: props.cause });
    this.name = 'CloudTrailError';
    this.kind = props.kind ?? 'internal';
    // Byte offset (in the decompressed input), line and column (from one) and record index.
    this.offset = props.offset;
    this.line = props.line;
    this.column = props.column;
    this.record = props.record;
  }
}

// Options only the JS side reads; never sent to the core.
const JS_ONLY = new Set(['bytes', 'ndjson', 'highWaterMark']);

/** Options object → the JSON text the core reads (JS names; unknown names are rejected there). */
export function optionsText(opts) {
  if (opts === undefined || opts === null) return '{}';
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new CloudTrailError(`option: options must be an object, got ${describe(opts)}`, { kind: 'option' });
  }
  // A null-prototype object keeps a `__proto__` option name an own key, so the core rejects it.
  const o = Object.create(null);
  for (const k of Object.keys(opts)) {
    const v = opts[k];
    if (JS_ONLY.has(k) || v === undefined) continue;
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new CloudTrailError(`option: ${k} must be a finite number`, { kind: 'option' });
    }
    o[k] = v;
  }
  return JSON.stringify(o);
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return v.constructor?.name ?? 'a typed array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function isTrap(e) {
  return typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError;
}

/** Whatever a wasm call threw → CloudTrailError (the core's errors carry kind/offset/...). */
function toError(e) {
  if (e instanceof CloudTrailError) return e;
  if (isTrap(e)) {
    return new CloudTrailError(
      `internal: the WebAssembly instance failed (${e.message}) and was re-created; please report this input`,
      { kind: 'internal', cause: e },
    );
  }
  if (e && typeof e === 'object' && typeof e.kind === 'string') {
    return new CloudTrailError(e.message, e);
  }
  return new CloudTrailError(`internal: ${e && e.message ? e.message : String(e)}`, { kind: 'internal', cause: e });
}

/** Input for whole-log calls: string stays text, bytes become a Uint8Array view. */
function toBytesOrText(input, what) {
  if (typeof input === 'string' || input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new CloudTrailError(
    `input: ${what} takes a string, Uint8Array/Buffer or ArrayBuffer, got ${describe(input)}`,
    { kind: 'input' },
  );
}

const encoder = new TextEncoder();

// One reusable buffer for text going into wasm by bytes (wasm-bindgen copies it in natively).
let scratch = new Uint8Array(64 << 10);
function utf8(s) {
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(Math.max(s.length * 3, scratch.length * 2));
  const { written } = encoder.encodeInto(s, scratch);
  return scratch.subarray(0, written);
}

export function createApi(backend) {
  // Every call into wasm goes through here: errors converted once, a trapped instance replaced.
  function call(f) {
    const g = backend.glue();
    try {
      return f(g);
    } catch (e) {
      if (isTrap(e)) backend.reset();
      throw toError(e);
    }
  }

  // The fast route for record objects (js/flatten.mjs): flattened here, enriched by the core
  // from the small view enrichment reads. undefined: take the core route instead.
  let spec = null;
  function transformObject(record, options) {
    const cfg = fastConfig(options);
    if (cfg === undefined) return undefined;
    spec ??= parseSpec(call((g) => g.captureSpec()));
    let r;
    try {
      r = flattenObject(record, cfg, spec);
    } catch {
      return undefined; // a getter or proxy threw: the core route reports it as JSON.stringify does
    }
    if (r === undefined) return undefined;
    if (r.view === null) return r.flat;
    let facts;
    try {
      facts = JSON.parse(call((g) => g.factsBytes(utf8(JSON.stringify(r.view)))));
    } catch {
      return undefined; // whatever went wrong, the core route says it properly
    }
    // Same placement as JSON.parse of one object: a key the record already has keeps its place.
    // The enrichment keys are the core's fixed names (docs/SCHEMA.md), never `__proto__`.
    return Object.assign(r.flat, facts);
  }

  function transform(record, options) {
    const o = optionsText(options);
    let out;
    if (typeof record === 'string') {
      out = call((g) => g.transformText(record, o));
    } else if (record instanceof Uint8Array) {
      out = call((g) => g.transformBytes(record, o));
    } else if (record !== null && typeof record === 'object' && !Array.isArray(record) && !ArrayBuffer.isView(record)
      && !(record instanceof ArrayBuffer)) {
      const fast = transformObject(record, options);
      if (fast !== undefined) return fast;
      let text;
      try {
        text = JSON.stringify(record);
      } catch (e) {
        throw new CloudTrailError(`record: cannot serialise the record object (${e.message})`, { kind: 'record', cause: e });
      }
      out = call((g) => g.transformText(text, o));
    } else {
      throw new CloudTrailError(`record: transform takes a record object or its JSON text, got ${describe(record)}`, { kind: 'record' });
    }
    return JSON.parse(out);
  }

  function transformLog(input, options) {
    const o = optionsText(options);
    const x = toBytesOrText(input, 'transformLog');
    const text = typeof x === 'string'
      ? call((g) => g.transformLogText(x, o))
      : call((g) => g.transformLogBytes(x, o));
    const r = JSON.parse(text);
    return { format: r.format, gzip: r.gzip, records: r.records, errors: r.errors };
  }

  function transformLogToNdjson(input, options) {
    const o = optionsText(options);
    const x = toBytesOrText(input, 'transformLogToNdjson');
    if (options && options.bytes) {
      const b = typeof x === 'string' ? encoder.encode(x) : x;
      return call((g) => g.ndjsonBytes(b, o));
    }
    return typeof x === 'string'
      ? call((g) => g.ndjsonTextFromText(x, o))
      : call((g) => g.ndjsonText(x, o));
  }

  function unflatten(flat, options) {
    const o = optionsText(options);
    let text;
    if (typeof flat === 'string') {
      text = flat;
    } else if (flat !== null && typeof flat === 'object' && !Array.isArray(flat) && !ArrayBuffer.isView(flat)) {
      text = JSON.stringify(flat);
    } else {
      throw new CloudTrailError(`record: unflatten takes a flat object or its JSON text, got ${describe(flat)}`, { kind: 'record' });
    }
    return JSON.parse(call((g) => g.unflatten(text, o)));
  }

  function createSplitter(options) {
    const o = optionsText(options);
    let sp = call((g) => new g.Splitter(o));
    // Counts: `base` from splitters lost to a failed instance, `cur` from the live one.
    let baseRecords = 0;
    let baseErrors = 0;
    let curRecords = 0;
    let curErrors = 0;
    let done = false;
    let freed = null;
    const tryGet = (k, dflt) => {
      try { return sp[k]; } catch { return dflt; }
    };
    const run = (method, chunk) => {
      if (done || freed) throw new CloudTrailError('input: the splitter is finished, freed or failed', { kind: 'input' });
      let out;
      try {
        out = call(() => (chunk === undefined ? sp[method]() : sp[method](chunk)));
      } catch (e) {
        if (e.kind !== 'internal') {
          done = true;
          throw e;
        }
        // Belt and braces: the instance trapped (the core should never do that). What came out
        // so far stays out, the chunk's raw text goes into an error entry, and a new splitter
        // takes the following chunks.
        baseRecords += curRecords;
        baseErrors += curErrors + 1;
        curRecords = 0;
        curErrors = 0;
        sp = call((g) => new g.Splitter(o));
        if (method === 'finish') done = true;
        const original = chunk === undefined ? '' : new TextDecoder().decode(chunk);
        return JSON.stringify({ 'error.message': e.message, 'error.type': 'internal', 'event.original': original }) + '\n';
      }
      curRecords = sp.records;
      curErrors = sp.errors;
      return out;
    };
    return {
      /** Feeds a chunk (bytes or text); returns the NDJSON lines it completed. */
      push(chunk) {
        const c = typeof chunk === 'string' ? encoder.encode(chunk) : toBytesOrText(chunk, 'push');
        return run('push', c);
      },
      /** Ends the input; returns the last NDJSON lines. */
      finish() {
        const out = run('finish');
        done = true;
        return out;
      },
      /** Records and error entries out so far. */
      get records() { return baseRecords + curRecords; },
      get errors() { return baseErrors + curErrors; },
      /** The detected input format and whether it was gzip (final after finish()). */
      get format() { return freed ? freed.format : tryGet('format', 'empty'); },
      get gzip() { return freed ? freed.gzip : tryGet('gzip', false); },
      /** Releases the wasm memory now (otherwise a FinalizationRegistry does it). */
      free() {
        if (freed) return;
        freed = { format: tryGet('format', 'empty'), gzip: tryGet('gzip', false) };
        try { sp.free(); } catch { /* already gone with its instance */ }
      },
    };
  }

  // For the recovery test only: makes the instance panic (and trap) on purpose.
  const __panicForTest = () => call((g) => g.__panicForTest());

  return { transform, transformLog, transformLogToNdjson, unflatten, createSplitter, __panicForTest };
}
