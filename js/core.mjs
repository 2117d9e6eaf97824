// The shared shim: every host (Node, browser) hands it a backend and gets the public API.
// It converts types and errors; the logic lives in the Rust core (src/, via src/wasm.rs), except
// the flattening of record objects (js/flatten.mjs, checked against the core by tests).
// A backend is { glue(): wasm-bindgen exports, reset(): void, ready(): boolean }.

import { JS_ONLY, fastConfig, flattenObject, parseSpec, wellFormed } from './flatten.mjs';

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
    // With `strict`: what was read before the failure (NDJSON text; for transformLog, records).
    if (props.output !== undefined) this.output = props.output;
    if (props.records !== undefined) this.records = props.records;
  }
}

/**
 * Options object → what the core reads (src/wasm.rs, through serde-wasm-bindgen): a snapshot of
 * its own members without the JS-only ones, or undefined when none is left (the defaults). The
 * core checks names and values; a snapshot, so a restored splitter reads the options it began with.
 * `geoip(value)`, when given, turns the `geoip` option into what the core reads (handles);
 * `tag` names the instance those handles belong to (a new tag after a trap).
 */
export function coreOptions(opts, geoip, tag) {
  try {
    return coreOptionsOf(opts, geoip, tag);
  } catch (e) {
    // A throwing getter or a revoked proxy among the options.
    throw e instanceof CloudTrailError ? e : new CloudTrailError(`option: cannot read the options (${messageOf(e)})`, { kind: 'option', cause: e });
  }
}

function messageOf(e) {
  try {
    return e && typeof e.message === 'string' ? e.message : String(e);
  } catch {
    return 'unknown error';
  }
}

// The last options object, its members as [key, value, ...] when read, and the snapshot made
// of them: a pipeline passes one options object per record, and while its members stay the same
// the core gets the same frozen snapshot, which it knows by identity without reading it again.
let lastOpts;
let lastMembers;
let lastSnapshot;
// For a snapshot holding geoip handles: the instance they name (handles die with it).
let lastTag;

function sameMembers(opts, members) {
  const keys = Object.keys(opts);
  if (keys.length * 2 !== members.length) return false;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] !== members[2 * i] || opts[keys[i]] !== members[2 * i + 1]) return false;
  }
  return true;
}

function coreOptionsOf(opts, geoip, tag) {
  if (opts === undefined || opts === null) return undefined;
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new CloudTrailError(`option: options must be an object, got ${describe(opts)}`, { kind: 'option' });
  }
  if (opts === lastOpts && (lastTag === undefined || lastTag === tag) && sameMembers(opts, lastMembers)) return lastSnapshot;
  const members = [];
  let handles = false;
  // A null-prototype object keeps a `__proto__` option name an own key, so the core rejects it.
  let o;
  for (const k of Object.keys(opts)) {
    let v = opts[k];
    members.push(k, v);
    if (JS_ONLY.has(k) || v === undefined || v === null) continue;
    if (k === 'geoip' && geoip) {
      handles = true;
      v = geoip(v);
      if (v === undefined) continue;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new CloudTrailError(`option: ${k} must be a finite number`, { kind: 'option' });
    }
    // A lone surrogate has no UTF-8 form: the glue would pass it on as U+FFFD.
    if (typeof v === 'string' && !wellFormed(v)) {
      throw new CloudTrailError(`option: ${k} must be a string of Unicode text`, { kind: 'option' });
    }
    o ??= Object.create(null);
    o[k] = v;
  }
  if (o !== undefined) Object.freeze(o);
  lastTag = handles ? tag : undefined;
  lastOpts = opts;
  lastMembers = members;
  lastSnapshot = o;
  return o;
}

function describeSafe(v) {
  try {
    return describe(v);
  } catch {
    return 'an unreadable value';
  }
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return v.constructor?.name ?? 'a typed array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Whether `v` is a plain record object (not a Map, RegExp, Error, Date, boxed primitive...). */
function isPlainRecord(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.prototype.toString.call(v) === '[object Object]';
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
  if (e instanceof RangeError && /string length/i.test(e.message)) {
    return new CloudTrailError(
      'limit: the output is longer than a JavaScript string can hold; read this input with createSplitter() or createTransformStream(), which give it in pieces',
      { kind: 'limit', cause: e },
    );
  }
  return new CloudTrailError(`internal: ${messageOf(e)}`, { kind: 'internal', cause: e });
}

/** Runs `f`, turning anything it throws (a proxy's trap, a getter) into a CloudTrailError. */
function guard(kind, what, f) {
  try {
    return f();
  } catch (e) {
    if (e instanceof CloudTrailError) throw e;
    throw new CloudTrailError(`${kind}: ${what} (${messageOf(e)})`, { kind, cause: e });
  }
}

/** Input for whole-log calls: string stays text, bytes become a Uint8Array view. */
function toBytesOrText(input, what) {
  return guard('input', `cannot read the input of ${what}`, () => {
    if (typeof input === 'string') return input;
    let bytes;
    if (input instanceof Uint8Array) bytes = input;
    else if (input instanceof ArrayBuffer) bytes = new Uint8Array(input);
    else if (ArrayBuffer.isView(input)) bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    else {
      throw new CloudTrailError(
        `input: ${what} takes a string, Uint8Array/Buffer or ArrayBuffer, got ${describe(input)}`,
        { kind: 'input' },
      );
    }
    // A detached buffer reads as empty: say so rather than read nothing.
    if (bytes.buffer && bytes.buffer.detached === true) {
      throw new CloudTrailError(`input: ${what} got a detached ArrayBuffer (its bytes were transferred away)`, { kind: 'input' });
    }
    // Copy the bytes' view so a subclass's getters cannot change what the glue reads.
    return bytes.constructor === Uint8Array || bytes.constructor === globalThis.Buffer
      ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  });
}

const encoder = new TextEncoder();
// Records per crossing in transformMany.
const MANY_CHUNK = 256;
const VIEW_CHUNK = 64;

// One reusable buffer for text going into wasm by bytes (wasm-bindgen copies it in natively).
let scratch = new Uint8Array(64 << 10);
function utf8(s) {
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(Math.max(s.length * 3, scratch.length * 2));
  const { written } = encoder.encodeInto(s, scratch);
  return scratch.subarray(0, written);
}

// Node's Buffer, where there is one: its Latin-1 read of ASCII bytes is a plain copy.
const NodeBuffer = typeof globalThis.Buffer === 'function' && typeof globalThis.Buffer.from === 'function'
  ? globalThis.Buffer : null;
const asciiDecoder = new TextDecoder();

// A whole log → NDJSON through the instance's own buffers (src/wasm.rs, logInput): the input is
// written straight into wasm memory and the output read straight out of it. Measured on the
// real-shaped mix (4 MB in, 7 MB out), against wasm-bindgen's string glue: its per-character copy
// of a string in and its TextDecoder out (~5 ms) cost more than encodeInto straight into wasm
// memory and, in Node, a Latin-1 read of the output (it is ASCII): a plain copy, ~1 ms.
// In Node a string with no character above U+00FF (V8 keeps such a string one byte a character,
// and WIDE's test of it returns at once: no scan) is written by latin1Write, a plain copy (~0.3
// ms for 4 MB, against ~1.8 for encodeInto), and turned into UTF-8 in wasm (in place: the runs
// between the bytes >= 0x80, if there are any, moved right). A string with wider characters is two bytes a
// character in V8, and WIDE's test stops at the first of them.
const WIDE = /[^\x00-\xff]/;
function ndjsonInPlace(g, x, o, bytes) {
  const mem = g.wasmMemory();
  try {
    let len;
    let latin1 = false;
    if (typeof x !== 'string') {
      len = x.length;
      // logInput first: growing the memory detaches the buffer read before it.
      const at = g.logInput(len, 0);
      new Uint8Array(mem.buffer, at, len).set(x);
    } else if (NodeBuffer !== null && !WIDE.test(x)) {
      len = x.length;
      // Room for a few characters above U+007F too: the wasm makes them UTF-8 in place.
      const at = g.logInput(len + (len >> 6) + 64, 0);
      NodeBuffer.from(mem.buffer, at, len).latin1Write(x, 0, len);
      latin1 = true;
    } else {
      // Room for one byte a UTF-16 unit and a little more (most logs are nearly all ASCII); what
      // did not fit is written again with room for three bytes a unit.
      let room = x.length + (x.length >> 6) + 64;
      const at = g.logInput(room, 0);
      const r = encoder.encodeInto(x, new Uint8Array(mem.buffer, at, room));
      len = r.written;
      if (r.read < x.length) {
        const rest = x.slice(r.read);
        room = len + rest.length * 3;
        const end = g.logInput(room, len) + len;
        len += encoder.encodeInto(rest, new Uint8Array(mem.buffer, end, room - len)).written;
      }
    }
    const n = g.ndjsonInPlace(len, o, !bytes, latin1);
    const at = g.logOutput();
    if (bytes) {
      const view = new Uint8Array(mem.buffer, at, n);
      if (NodeBuffer === null) return view.slice();
      // A buffer of its own that is not zeroed first (the copy fills it), as a plain Uint8Array.
      const copy = NodeBuffer.allocUnsafeSlow(n);
      copy.set(view);
      return new Uint8Array(copy.buffer, copy.byteOffset, n);
    }
    return NodeBuffer !== null
      ? NodeBuffer.from(mem.buffer, at, n).toString('latin1')
      : asciiDecoder.decode(new Uint8Array(mem.buffer, at, n));
  } finally {
    // After a trap the glue has a fresh instance, which holds no buffers: nothing to free.
    try { g.logRelease(); } catch { /* see above */ }
  }
}

// The live wasm splitter behind each createSplitter() object, for carryHistoryFrom.
const inner = new WeakMap();

export function createApi(backend) {
  // Counts the instances replaced after a trap: a splitter made in an older one must be rebuilt.
  let generation = 0;
  // Changes with the instance: a cached options snapshot holding geoip handles is not reused.
  let instanceTag = {};
  const optionsFor = (options) => coreOptions(options, geoipHandles, instanceTag);
  // Every call into wasm goes through here: errors converted once, a trapped instance replaced.
  function call(f) {
    const g = backend.glue();
    try {
      return f(g);
    } catch (e) {
      if (isTrap(e)) {
        backend.reset();
        generation++;
        instanceTag = {};
      }
      throw toError(e);
    }
  }

  // `geoip`: MaxMind-format databases (.mmdb), each read into the instance once (a 60 MB file is
  // copied and checked once, not per call) and named in the options text by its handle. Keyed by
  // the caller's bytes object or by path (read once per process); a handle from an instance lost
  // to a trap (an older generation) is loaded again.
  const geoByBytes = new WeakMap();
  const geoByPath = new Map();
  function geoipHandles(v) {
    if (v === null || v === false) return undefined;
    const list = Array.isArray(v) ? v : [v];
    return list.map((x, i) => geoipHandle(x, Array.isArray(v) ? `geoip[${i}]` : 'geoip'));
  }
  function geoipHandle(x, name) {
    const isPath = typeof x === 'string';
    const byObject = x !== null && typeof x === 'object';
    const known = isPath ? geoByPath.get(x) : byObject ? geoByBytes.get(x) : undefined;
    if (known && known.generation === generation) return known.id;
    let bytes;
    if (isPath) {
      if (!backend.readFile) {
        throw new CloudTrailError(`option: ${name} is a path, which only Node reads: pass the .mmdb file's bytes (Uint8Array or ArrayBuffer)`, { kind: 'option' });
      }
      try {
        bytes = backend.readFile(x);
      } catch (e) {
        throw new CloudTrailError(`option: ${name}: cannot read ${x} (${messageOf(e)})`, { kind: 'option', cause: e });
      }
    } else if (x instanceof Uint8Array) bytes = x;
    else if (x instanceof ArrayBuffer) bytes = new Uint8Array(x);
    else if (ArrayBuffer.isView(x)) bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    else {
      throw new CloudTrailError(`option: ${name} must be a .mmdb file (its path in Node, or its bytes) or an array of them, got ${describeSafe(x)}`, { kind: 'option' });
    }
    let id;
    try {
      id = call((g) => g.loadGeoip(bytes));
    } catch (e) {
      // The core says what is wrong with the file; say which option and file it was.
      const why = String(e.message).replace(/^option: geoip: /, '');
      throw new CloudTrailError(`option: ${name}${isPath ? ` (${x})` : ''}: ${why}`, { kind: e.kind ?? 'option', cause: e });
    }
    (isPath ? geoByPath : geoByBytes).set(x, { id, generation });
    return id;
  }

  // The fast route for record objects (js/flatten.mjs): flattened here, enriched by the core
  // from the small view enrichment reads. undefined: take the core route instead.
  // `o`: the options snapshot (coreOptions), which stays the same object while the caller's
  // options do, so the settings read from it are kept per snapshot instead of read per call.
  let spec = null;
  let cfgOf;
  let cfgLast;
  // The facts of a view holding nothing enrichment reads (`{}`) are always the same (factsBytes
  // takes no options), so that view crosses once; the text is parsed per call so no two outputs
  // share an object.
  let emptyFacts = null;
  function transformObject(record, o) {
    if (o !== cfgOf || cfgLast === undefined) {
      cfgOf = o;
      cfgLast = fastConfig(o) ?? null;
    }
    const cfg = cfgLast;
    if (cfg === null) return undefined;
    // With enrich off nothing crosses into WebAssembly, not even for the spec.
    if (cfg.enrich) spec ??= parseSpec(call((g) => g.captureSpec()));
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
      const view = JSON.stringify(r.view);
      if (view === '{}') facts = JSON.parse(emptyFacts ??= call((g) => g.factsBytes(utf8(view))));
      else facts = JSON.parse(call((g) => g.factsBytes(utf8(view))));
    } catch {
      return undefined; // whatever went wrong, the core route says it properly
    }
    // Same placement as JSON.parse of one object: a key the record already has keeps its place.
    // The enrichment keys are the core's fixed names (docs/SCHEMA.md), never `__proto__`.
    return Object.assign(r.flat, facts);
  }

  function transform(record, options) {
    const o = optionsFor(options);
    let out;
    const kindOf = guard('record', 'cannot read the record', () => {
      if (typeof record === 'string') return 'text';
      if (record instanceof Uint8Array) return 'bytes';
      if (isPlainRecord(record) && !ArrayBuffer.isView(record)) return 'object';
      return 'other';
    });
    if (kindOf === 'text') {
      out = call((g) => g.transformText(record, o));
    } else if (kindOf === 'bytes') {
      const b = toBytesOrText(record, 'transform');
      out = call((g) => g.transformBytes(b, o));
    } else if (kindOf === 'object') {
      const fast = transformObject(record, o);
      if (fast !== undefined) return fast;
      let text;
      try {
        text = JSON.stringify(record);
      } catch (e) {
        throw new CloudTrailError(`record: cannot serialise the record object (${messageOf(e)})`, { kind: 'record', cause: e });
      }
      out = call((g) => g.transformText(text, o));
    } else {
      throw new CloudTrailError(`record: transform takes a record object or its JSON text, got ${describeSafe(record)}`, { kind: 'record' });
    }
    return JSON.parse(out);
  }

  // The error entry standing in for a record of transformMany, as the core writes them.
  function entryOf(e, original) {
    const err = toError(e);
    const x = { 'error.message': err.message, 'error.type': err.kind };
    for (const [k, v] of [['error.offset', err.offset], ['error.line', err.line], ['error.column', err.column]]) if (v !== undefined) x[k] = v;
    x['event.original'] = original;
    return x;
  }

  // Texts and byte arrays back to back as UTF-8 (strings as TextEncoder writes them, the way
  // wasm-bindgen passes a string), with where each ends.
  function packed(items) {
    let cap = 0;
    for (const t of items) cap += typeof t === 'string' ? t.length * 3 : t.length;
    const buf = new Uint8Array(cap);
    const ends = new Uint32Array(items.length);
    let at = 0;
    for (let k = 0; k < items.length; k++) {
      const t = items[k];
      if (typeof t === 'string') at += encoder.encodeInto(t, buf.subarray(at)).written;
      else {
        buf.set(t, at);
        at += t.length;
      }
      ends[k] = at;
    }
    return [buf.subarray(0, at), ends];
  }

  /**
   * Many records → one result each, in order: the flat object `transform` gives, or an error
   * entry in its place (never a throw for one bad record). Record objects take transform's fast
   * route (flattened here, js/flatten.mjs), their enrichment views crossing together (`factsMany`);
   * texts and bytes, and objects the fast route declines (other options, toJSON, ...), cross as
   * JSON text (JSON.stringify gives what transform(object) gives: tests hold the two routes
   * equal). Both in chunks of up to MANY_CHUNK records or about 1 MiB, one crossing a chunk
   * (small chunks keep the garbage young).
   */
  function transformMany(records, options) {
    if (!guard('input', 'cannot read the records', () => Array.isArray(records))) {
      throw new CloudTrailError(`input: transformMany takes an array of records, got ${describeSafe(records)}`, { kind: 'input' });
    }
    const o = optionsFor(options);
    // Bad options throw here, as transform would, even for an empty array.
    if (o !== undefined) call((g) => g.checkOptions(o));
    const n = guard('input', 'cannot read the records', () => records.length);
    const out = new Array(n);
    // The fast route's settings for these options (null: every record crosses as text).
    const cfg = fastConfig(o) ?? null;
    if (cfg !== null && cfg.enrich) spec ??= parseSpec(call((g) => g.captureSpec()));
    // Records on the fast route waiting for their facts: index, flat object, record, view text.
    let vAt = [];
    let vFlat = [];
    let vRecs = [];
    let views = [];
    let vSize = 0;
    const flushViews = () => {
      if (views.length === 0) return;
      let res = null;
      try {
        const [buf, ends] = packed(views);
        res = JSON.parse(call((g) => g.factsMany(buf, ends)));
      } catch {
        // (a trap): one record at a time below
      }
      for (let k = 0; k < vAt.length; k++) {
        const facts = res === null ? null : res[k];
        // A view the core could not read (null): the core route says why, as transform does.
        out[vAt[k]] = facts === null ? one(vRecs[k], options) : Object.assign(vFlat[k], facts);
      }
      vAt = [];
      vFlat = [];
      vRecs = [];
      views = [];
      vSize = 0;
    };
    let at = [];
    let recs = [];
    let texts = [];
    let size = 0;
    const flush = () => {
      if (texts.length === 0) return;
      let res = null;
      try {
        const [buf, ends] = packed(texts);
        res = JSON.parse(call((g) => g.transformMany(buf, ends, o)));
      } catch (e) {
        if (e instanceof CloudTrailError && e.kind === 'option') throw e;
        // (a trap, or output past what one string holds): one record at a time below
      }
      for (let k = 0; k < at.length; k++) out[at[k]] = res ? res[k] : one(recs[k], options);
      at = [];
      recs = [];
      texts = [];
      size = 0;
    };
    for (let i = 0; i < n; i++) {
      let rec;
      try {
        rec = records[i];
      } catch (e) {
        out[i] = entryOf(new CloudTrailError(`record: cannot read the record (${messageOf(e)})`, { kind: 'record', cause: e }), '');
        continue;
      }
      let t;
      try {
        if (typeof rec === 'string' || (rec instanceof Uint8Array && rec.buffer?.detached !== true)) t = rec;
        else if (isPlainRecord(rec) && !ArrayBuffer.isView(rec)) {
          const r = cfg === null ? undefined : flattenObject(rec, cfg, spec);
          if (r !== undefined) {
            if (r.view === null) {
              out[i] = r.flat;
            } else {
              const v = JSON.stringify(r.view);
              vAt.push(i);
              vFlat.push(r.flat);
              vRecs.push(rec);
              views.push(v);
              vSize += v.length;
              if (views.length >= VIEW_CHUNK || vSize >= 1 << 20) flushViews();
            }
            continue;
          }
          t = JSON.stringify(rec);
        }
      } catch {
        t = undefined; // a getter or proxy threw: the one-record route says how
      }
      if (typeof t !== 'string' && !(t instanceof Uint8Array)) {
        out[i] = one(rec, options); // not a record object or text: its error entry
        continue;
      }
      at.push(i);
      recs.push(rec);
      texts.push(t);
      size += t.length;
      if (texts.length >= MANY_CHUNK || size >= 1 << 20) flush();
    }
    flush();
    flushViews();
    return out;
  }

  // One record of transformMany on its own: its result or its error entry.
  function one(rec, options) {
    try {
      return transform(rec, options);
    } catch (e) {
      let original = '';
      try {
        original = typeof rec === 'string' ? rec : rec instanceof Uint8Array ? new TextDecoder().decode(rec) : (JSON.stringify(rec) ?? '');
      } catch { /* no text to keep */ }
      return entryOf(e, original);
    }
  }

  // A strict call's error carries what was read before the bad record.
  function withPartial(f, asRecords) {
    try {
      return f();
    } catch (e) {
      if (e instanceof CloudTrailError && typeof e.output === 'string' && asRecords) {
        try { e.records = JSON.parse(e.output); } catch { /* left as text */ }
        delete e.output;
      }
      throw e;
    }
  }

  function transformLog(input, options) {
    const o = optionsFor(options);
    const x = toBytesOrText(input, 'transformLog');
    const text = withPartial(() => (typeof x === 'string'
      ? call((g) => g.transformLogText(x, o))
      : call((g) => g.transformLogBytes(x, o))), true);
    const r = JSON.parse(text);
    return { format: r.format, gzip: r.gzip, records: r.records, errors: r.errors, skipped: r.skipped, salvaged: r.salvaged };
  }

  function transformLogToNdjson(input, options) {
    const o = optionsFor(options);
    const x = toBytesOrText(input, 'transformLogToNdjson');
    const bytes = guard('option', 'cannot read the options', () => Boolean(options && options.bytes));
    return call((g) => ndjsonInPlace(g, x, o, bytes));
  }

  function unflatten(flat, options) {
    const o = optionsFor(options);
    const text = guard('record', 'cannot serialise the flat object', () => {
      if (typeof flat === 'string') return flat;
      if (isPlainRecord(flat) && !ArrayBuffer.isView(flat)) return JSON.stringify(flat);
      throw new CloudTrailError(`record: unflatten takes a flat object or its JSON text, got ${describeSafe(flat)}`, { kind: 'record' });
    });
    return JSON.parse(call((g) => g.unflatten(text, o)));
  }

  // Longest JS string (V8: 2^29 - 24 UTF-16 units); the output is ASCII, one unit a byte.
  const MAX_TEXT = (1 << 29) - 24;

  function createSplitter(options) {
    const o = optionsFor(options);
    let sp = call((g) => new g.Splitter(o));
    let gen = generation;
    // To survive the loss of the instance (a trap anywhere in it): after every call, the core's
    // checkpoint (its reading state at `consumed`) and a copy of the bytes after that offset
    // (plain input only: gzip's offsets are inflated ones). Small: the unfinished tail.
    let cp;
    let compressed = false;
    let tail = [];
    let tailAt = 0;
    let fedEnd = 0;
    const tailBytes = () => {
      const n = tail.reduce((a, t) => a + t.length, 0);
      const all = new Uint8Array(n);
      let k = 0;
      for (const t of tail) {
        all.set(t, k);
        k += t.length;
      }
      return all;
    };
    const remember = (chunk, consumed) => {
      if (compressed) {
        tail = [];
        cp = undefined;
        return;
      }
      const pushed = chunk !== undefined && chunk.length > 0;
      if (pushed) {
        if (tail.length === 0) tailAt = fedEnd - chunk.length;
        tail.push(chunk);
      }
      while (tail.length > 0 && tailAt + tail[0].length <= consumed) tailAt += tail.shift().length;
      if (tail.length > 0 && tailAt < consumed) {
        tail[0] = tail[0].subarray(consumed - tailAt);
        tailAt = consumed;
      }
      if (tail.length === 0) tailAt = consumed;
      // What is kept of this chunk is copied: the caller may reuse its buffer.
      else if (pushed) tail[tail.length - 1] = tail[tail.length - 1].slice();
      cp = sp.checkpoint;
    };
    // The instance was replaced since this splitter's last call (another splitter trapped):
    // a new splitter from the checkpoint, fed the bytes after it, reads on as the lost one
    // would have. Returns the lines that re-reading completes.
    const rebuild = () => {
      gen = generation;
      if (compressed) {
        done = true;
        throw new CloudTrailError(
          'internal: the WebAssembly instance failed and was re-created; this splitter\'s gzip input cannot be resumed (its inflater state was lost)',
          { kind: 'internal' },
        );
      }
      try {
        sp = call((g) => (cp === undefined ? new g.Splitter(o) : g.Splitter.restore(o, cp)));
      } catch (e) {
        // The core refuses a checkpoint taken inside a nested unit (a CloudWatch Logs payload
        // still being given out): end here rather than go on with the lost instance's handle.
        done = true;
        more = false;
        throw new CloudTrailError(
          `internal: the WebAssembly instance failed and was re-created; this splitter cannot be resumed (${e.message})`,
          { kind: 'internal', cause: e },
        );
      }
      const t = tailBytes();
      if (t.length === 0) return '';
      const out = call(() => sp.push(t));
      cp = sp.checkpoint;
      return out;
    };
    // Counts from splitters lost to a failed instance, added to the live one's.
    let baseRecords = 0;
    let baseErrors = 0;
    let baseSkipped = 0;
    let baseSalvaged = 0;
    let done = false;
    let freed = null;
    // A high surrogate that ended the last text chunk: it pairs with the next chunk's start.
    let carry = '';
    // Pieces of output not returned yet (see push).
    const queued = [];
    // Whether a bounded call left output for next(); whether the input has been ended.
    let more = false;
    let ending = false;
    // The live splitter's counts after its last call (readable after free()).
    let cur = { records: 0, errors: 0, skipped: 0, salvaged: 0, format: 'empty' };
    const tryGet = (k, dflt) => {
      try { return sp[k]; } catch { return dflt; }
    };
    const live = () => {
      if (done || freed) throw new CloudTrailError('input: the splitter is finished, freed or failed', { kind: 'input' });
    };
    // One call into the core. Only a real trap (WebAssembly.RuntimeError) replaces the splitter;
    // the core's own errors end it; anything else (thrown by the glue before the core ran)
    // leaves it as it was.
    const run = (f, chunk) => {
      let out;
      let before = '';
      if (gen !== generation) before = rebuild();
      if (chunk !== undefined) fedEnd += chunk.length;
      try {
        out = call(() => f(sp));
      } catch (e) {
        if (!isTrap(e.cause)) {
          if (typeof e.kind === 'string' && e.kind !== 'internal') {
            done = true;
            more = false;
          }
          throw e;
        }
        // Belt and braces: the instance trapped (the core should never do that). What came out
        // so far stays out, the chunk's raw text goes into an error entry, and a new splitter
        // takes the following chunks.
        // Its unconsumed bytes (plain input: the buffered tail, then this chunk) go into the entry.
        baseRecords += cur.records;
        baseErrors += cur.errors + 1;
        baseSkipped += cur.skipped;
        baseSalvaged += cur.salvaged;
        cur = { records: 0, errors: 0, skipped: 0, salvaged: 0, format: cur.format };
        if (!compressed && chunk !== undefined) tail.push(chunk);
        const raw = compressed ? (chunk ?? new Uint8Array(0)) : tailBytes();
        sp = call((g) => new g.Splitter(o));
        gen = generation;
        more = false;
        tail = [];
        cp = undefined;
        // The new splitter counts its offsets from zero.
        tailAt = 0;
        fedEnd = 0;
        const original = new TextDecoder().decode(raw);
        return before + JSON.stringify({ 'error.message': e.message, 'error.type': 'internal', 'event.original': original }) + '\n';
      }
      // One crossing for the counts and what `remember` needs.
      const st = sp.status();
      more = st[3] === 1;
      compressed = st[5] === 1;
      cur = { records: st[0], errors: st[1], skipped: st[2], salvaged: st[6], format: tryGet('format', 'empty') };
      remember(chunk, st[4]);
      return before + out;
    };
    const bytesOf = (chunk) => {
      if (typeof chunk === 'string') {
        let t = carry + chunk;
        carry = '';
        const last = t.length > 0 ? t.charCodeAt(t.length - 1) : 0;
        if (last >= 0xd800 && last <= 0xdbff) {
          carry = t[t.length - 1];
          t = t.slice(0, -1);
        }
        return encoder.encode(t);
      }
      const b = toBytesOrText(chunk, 'push');
      if (!carry) return b;
      // Text then bytes: the lone half becomes U+FFFD, as TextEncoder writes it.
      const head = encoder.encode(carry);
      carry = '';
      const both = new Uint8Array(head.length + b.length);
      both.set(head);
      both.set(b, head.length);
      return both;
    };
    // A lone high surrogate left at the end of the text: U+FFFD, as TextEncoder writes it (a
    // few bytes in, so its output is small).
    const flushCarry = () => {
      if (!carry) return '';
      const c = bytesOf(new Uint8Array(0));
      return gather(firstPiece((s) => s.pushSome(c), c));
    };
    // All the output of one call, in pieces; past what one string holds, the rest waits for
    // next() and push() throws a `limit` error saying so (nothing is lost).
    const gather = (first) => {
      const parts = [first];
      let total = first.length;
      while (more) {
        let piece;
        try {
          piece = run((s) => s.next());
        } catch (e) {
          // `strict`: the lines of the earlier pieces go with the error too.
          if (e instanceof CloudTrailError && e.kind !== 'internal') e.output = parts.join('') + (e.output ?? '');
          throw e;
        }
        if (total + piece.length > MAX_TEXT) {
          queued.push(...parts.splice(0), piece);
          throw new CloudTrailError(
            'limit: the output of this call is longer than a JavaScript string can hold; read it in pieces with next() (or use createTransformStream)',
            { kind: 'limit' },
          );
        }
        parts.push(piece);
        total += piece.length;
      }
      return parts.length === 1 ? parts[0] : parts.join('');
    };
    // (Output still waiting in the core from an earlier bounded call comes first: the core goes
    // on where it stopped before reading the new chunk.)
    const firstPiece = (f, chunk) => {
      if (queued.length > 0) throw new CloudTrailError('input: read the waiting output with next() first', { kind: 'input' });
      return run(f, chunk);
    };
    const api = {
      /**
       * Continues the change tracking of `previous` (the splitter of the file read before this
       * one, finished but not freed): its known configurations move here. Call before the first
       * push. A splitter that does not track (track: false) takes nothing.
       */
      carryHistoryFrom(previous) {
        live();
        const prev = inner.get(previous);
        if (prev === undefined) throw new CloudTrailError('input: carryHistoryFrom takes a splitter from createSplitter', { kind: 'input' });
        const p = prev();
        if (p === null) throw new CloudTrailError('input: carryHistoryFrom needs the previous splitter before it is freed', { kind: 'input' });
        if (gen !== generation) rebuild();
        call(() => sp.carryHistoryFrom(p));
      },
      /** Feeds a chunk (bytes or text); returns the NDJSON lines it completed. */
      push(chunk) {
        live();
        const c = bytesOf(chunk);
        return gather(firstPiece((s) => s.pushSome(c), c));
      },
      /** Ends the input; returns the last NDJSON lines. */
      finish() {
        live();
        const pre = flushCarry();
        ending = true;
        const out = gather(firstPiece((s) => s.finishSome()));
        done = true;
        return pre + out;
      },
      /**
       * Bounded reading: feeds a chunk and returns the first piece (at most about 1 MiB) of its
       * output; then call next() until it returns '' before pushing again.
       */
      pushSome(chunk) {
        live();
        const c = bytesOf(chunk);
        return firstPiece((s) => s.pushSome(c), c);
      },
      /** Bounded reading: ends the input; returns the first piece of the last lines (then next()). */
      finishSome() {
        live();
        const pre = flushCarry();
        ending = true;
        const r = firstPiece((s) => s.finishSome());
        if (!more) done = true;
        return pre + r;
      },
      /** The next piece of output waiting after pushSome/finishSome ('' when there is none). */
      next() {
        if (queued.length > 0) return queued.shift();
        if (!more || freed) return '';
        const r = run((s) => s.next());
        if (!more && ending) done = true;
        return r;
      },
      /** Whether output waits for next(). */
      get more() { return queued.length > 0 || more; },
      /** Records, error entries and skipped objects (control messages, digests) out so far. */
      get records() { return baseRecords + cur.records; },
      get errors() { return baseErrors + cur.errors; },
      get skipped() { return baseSkipped + cur.skipped; },
      /** Of the records, those salvaged from a damaged record (option `salvage`). */
      get salvaged() { return baseSalvaged + cur.salvaged; },
      /** The detected input format and whether it was gzip (final after finish()). */
      get format() { return freed ? freed.format : tryGet('format', cur.format); },
      get gzip() { return freed ? freed.gzip : tryGet('gzip', false); },
      /** Releases the wasm memory now (otherwise a FinalizationRegistry does it). */
      free() {
        if (freed) return;
        freed = { format: tryGet('format', 'empty'), gzip: tryGet('gzip', false) };
        try { sp.free(); } catch { /* already gone with its instance */ }
      },
    };
    // A splitter of an instance lost since (gen differs) has no history to give.
    inner.set(api, () => (freed || gen !== generation ? null : sp));
    return api;
  }

  // For the recovery test only: makes the instance panic (and trap) on purpose.
  const __panicForTest = () => call((g) => g.__panicForTest());

  return { transform, transformMany, transformLog, transformLogToNdjson, unflatten, createSplitter, __panicForTest };
}
