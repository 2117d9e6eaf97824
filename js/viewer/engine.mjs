// The viewer's only door to the WebAssembly package. It turns whatever the web build offers into
// one small interface the worker uses:
//   open(options) → { push(Uint8Array) → Item[], finish() → { items, format, gzip } }
//   unflatten(flatJsonText) → nested JSON text (or null when the build has none)
// with Item = { at, len, rec } for a record (where its line is in `items.text`, and its parsed
// enrichment) or { err: { message, original, offset, type } } for a record that could not be read.
// `items.text` is the piece of NDJSON the lines are slices of, in compact form (keys as tokens,
// see `plain` and src/keytokens.rs): ASCII, a flat one-byte string (the worker keeps it as it is).
// Items are made as they are iterated, so that each parsed object dies young (issue 16: an
// array of a whole push's objects outlived the young generation, and the old one grew by ~100 MB).
//
// When the build exposes an incremental Splitter, chunks are parsed as they arrive (progress,
// bounded memory); otherwise the chunks of one file are collected and read by transformLog at
// finish().
import * as api from '../web.mjs';
import initGlue, * as glue from '../../pkg/web/cloudfront_trail.js';

let ready = null;

/** Instantiates the wasm once; resolves to the engine interface. */
export function loadEngine() {
  ready ??= (async () => {
    const init = typeof api.init === 'function' ? api.init : api.default;
    if (typeof init === 'function') await init();
    return makeEngine(api);
  })();
  return ready;
}

function makeEngine(m) {
  const Split = m.Splitter ?? null;
  const createSplitter = typeof m.createSplitter === 'function' ? m.createSplitter : Split ? (o) => new Split(o) : null;
  // unflatten gives an object (web.mjs) or JSON text (raw glue); the worker wants text.
  const unflatten =
    typeof m.unflatten === 'function'
      ? (text) => {
          const out = m.unflatten(text);
          return typeof out === 'string' ? out : JSON.stringify(out);
        }
      : null;
  return {
    streaming: Boolean(createSplitter),
    open(options) {
      return createSplitter ? openSplitter(createSplitter, options) : openWhole(m, options);
    },
    unflatten,
  };
}

/** Milliseconds spent in the core (`core`) and reading its output lines (`lines`), for the bench. */
export const timing = { core: 0, lines: 0, wasmMB: 0 };

/** The WebAssembly memory's size now, in MB (for the bench; the glue gives its exports again once loaded). */
export async function wasmMemoryMB() {
  try {
    return (await initGlue()).memory.buffer.byteLength / 2 ** 20;
  } catch {
    return 0;
  }
}

function openSplitter(createSplitter, options) {
  const sp = createSplitter(options);
  return {
    push(chunk) {
      const t0 = performance.now();
      const out = sp.push(chunk);
      const t1 = performance.now();
      const items = fromSplitter(out);
      timing.core += t1 - t0;
      timing.lines += performance.now() - t1;
      return items;
    },
    finish() {
      const out = sp.finish();
      // finish() may return the last NDJSON text, or { ndjson|records, format, gzip }.
      const tail = typeof out === 'string' || out instanceof Uint8Array || Array.isArray(out) ? out : out?.ndjson ?? out?.records ?? '';
      const items = fromSplitter(tail);
      const format = String(out?.format ?? sp.format ?? '');
      const gzip = Boolean(out?.gzip ?? sp.gzip);
      sp.free?.();
      return { items, format, gzip };
    },
  };
}

function openWhole(m, options) {
  const parts = [];
  let size = 0;
  return {
    push(chunk) {
      parts.push(chunk);
      size += chunk.length;
      return [];
    },
    finish() {
      const all = new Uint8Array(size);
      let at = 0;
      for (const p of parts) {
        all.set(p, at);
        at += p.length;
      }
      parts.length = 0;
      if (typeof m.transformLog === 'function') {
        const log = m.transformLog(all, options);
        const items = fromNdjson((log.records ?? []).map((rec) => JSON.stringify(rec)), log.records ?? []);
        for (const e of log.errors ?? []) items.push({ err: errOf(e) });
        return { items, format: String(log.format ?? ''), gzip: Boolean(log.gzip) };
      }
      return { items: fromNdjson(m.transformLogToNdjson(all, options)), format: '', gzip: false };
    },
  };
}

/** The splitter's NDJSON text (or bytes) → Items of its compact form. */
function fromSplitter(out) {
  const { text, enrichment } = compact(toText(out));
  return new Items(text, enrichment);
}

const dec = new TextDecoder();
function toText(x) {
  return typeof x === 'string' ? x : x instanceof Uint8Array ? dec.decode(x) : String(x ?? '');
}

const NON_ASCII_ALL = /[^\x00-\x7f]/g;
const escapeChar = (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
const enc = new TextEncoder();
let scratch = new Uint8Array(0);

/**
 * NDJSON text as ASCII: non-ASCII characters as JSON escapes (the same JSON values; JSON.parse
 * reads them back), in a flat one-byte string (see the worker's LineStore). A text with such
 * characters is then encoded and decoded once: a decoded text of a few MB is an external string
 * (its bytes outside the JS heap, exactly its size), where the replace's result would be on the
 * heap, with the heap's growth room on top (issue 16: ~80 MB more renderer memory for 150 MB), and
 * two bytes a character when the text held one past U+00FF. Every text goes through this, even one
 * with no such character: kept as the engine gave it, part of it stayed on the worker's heap
 * (measured idle, 150 MB: peak RSS 746 MB kept against 698-703 MB re-decoded; final count 3.2 s
 * against 3.7 s; the memory target is the one still missed).
 */
function asciiText(text) {
  const out = text.replace(NON_ASCII_ALL, escapeChar);
  if (scratch.length < out.length) scratch = new Uint8Array(out.length);
  const { written } = enc.encodeInto(out, scratch);
  return dec.decode(scratch.subarray(0, written));
}

// ---------------------------------------------------------------- compact text

// The session's key table (src/keytokens.rs): id → the key's JSON text with its colon, and back.
// The wasm table is a cache of this one: lost with its instance, it is made again from it.
const keyTexts = [];
const idOfKey = new Map();
let table = null;
const TOKEN = /[\x01-\x04][\x05-\x08\x0b\x0c\x0e-\x1f]+/g;
const DIGITS = [5, 6, 7, 8, 0x0b, 0x0c, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f];
const BASE = DIGITS.length;
const VALUE = new Int8Array(32).fill(-1);
DIGITS.forEach((d, v) => (VALUE[d] = v));

/** NDJSON text → { text: its compact form, enrichment: each line's enrichment object text }. */
function compact(text) {
  if (typeof glue.KeyTokens !== 'function') return { text: asciiText(text), enrichment: null };
  for (let attempt = 0; ; attempt++) {
    try {
      table ??= new glue.KeyTokens(keyTexts.map((k) => k.slice(0, -1)).join('\n'));
      const out = table.encode(text);
      const enrichment = table.takeEnrichment();
      const fresh = table.newKeys();
      if (fresh) {
        for (const k of fresh.split('\n')) {
          idOfKey.set(k, keyTexts.length);
          keyTexts.push(`${k}:`);
        }
      }
      return { text: out, enrichment };
    } catch (e) {
      // The instance was lost to a trap elsewhere: a new table, seeded with the keys known here.
      table = null;
      if (attempt) throw e;
    }
  }
}

const tokenText = (m) => {
  const n = m.charCodeAt(0);
  let id = 0;
  let span = BASE;
  for (let k = 1; k < n; k++) {
    id += span;
    span *= BASE;
  }
  let v = 0;
  for (let k = 1; k <= n; k++) v = v * BASE + VALUE[m.charCodeAt(k)];
  return keyTexts[id + v] ?? m;
};

/** A compact line (or any text of them) as the NDJSON it stands for. */
export function plain(s) {
  return s.replace(TOKEN, tokenText);
}

/** The token standing for a key (its JSON text, quotes included), or undefined. */
export function tokenOf(keyText) {
  const id = idOfKey.get(keyText);
  if (id === undefined) return undefined;
  let n = 1;
  let rest = id;
  let span = BASE;
  while (rest >= span) {
    rest -= span;
    n++;
    span *= BASE;
  }
  const digits = [];
  for (let k = 0; k < n; k++) {
    digits.unshift(DIGITS[rest % BASE]);
    rest = Math.floor(rest / BASE);
  }
  return String.fromCharCode(n, ...digits);
}

/** The keys known so far, as JSON texts with their colon (for a search of key names). */
export const knownKeys = () => keyTexts;

/** The items of one piece of compact text, made one by one as they are iterated. */
class Items {
  constructor(text, enrichment) {
    this.text = text;
    this.enrichment = enrichment;
  }
  *[Symbol.iterator]() {
    const { text, enrichment } = this;
    let start = 0;
    let e = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      if (end > start) {
        let enr = null;
        if (enrichment !== null) {
          let ee = enrichment.indexOf('\n', e);
          if (ee < 0) ee = enrichment.length;
          if (ee > e) enr = enrichment.slice(e, ee);
          e = ee + 1;
        }
        const it = classifyCompact(text, start, end, enr);
        it.at = start;
        it.len = end - start;
        yield it;
      }
      start = end + 1;
    }
  }
}

/** A compact line: its enrichment parsed when it has one the columns can be read from. */
function classifyCompact(text, start, end, enr) {
  if (enr !== null) {
    try {
      const o = JSON.parse(enr);
      // A CloudFront call whose id the enrichment did not take (an id it does not accept):
      // the whole record, for the raw places an id is (model.mjs columnsOf).
      if (Object.hasOwn(o, 'cloud.provider') && (Object.hasOwn(o, 'cloudfront.distribution.id') || !/cloudfront/.test(String(o['event.provider'] ?? '')))) return { rec: o };
    } catch {
      // the whole line below
    }
  }
  const it = classify(plain(text.slice(start, end)), null);
  return it.err ? { err: it.err } : { rec: it.rec };
}

/**
 * NDJSON text (or an array of lines, with their parsed objects) → items, with `items.text` the
 * ASCII text their lines are slices of.
 */
function fromNdjson(out, recs = null) {
  if (Array.isArray(out)) {
    const lines = out.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
    const items = fromNdjson(lines.join('\n'));
    // The objects as given where each line gave one item (no line holds a newline: JSON text).
    if (items.length === out.length) {
      items.forEach((it, k) => {
        const o = recs ? recs[k] : typeof out[k] === 'string' ? null : out[k];
        if (it.rec && o && typeof o === 'object') it.rec = o;
      });
    }
    return items;
  }
  // Once per piece of output rather than per line.
  const text = asciiText(toText(out));
  const items = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const it = classify(text.slice(start, end), null);
      it.at = start;
      items.push(it);
    }
    start = end + 1;
  }
  items.text = text;
  return items;
}

// Where a flat record's enrichment starts: the core writes `@timestamp` as the first enrichment
// key, after the record's own keys. A `,"` that is not escaped opens a key in compact JSON (inside
// a string value every quote is escaped), so the last such key is the enrichment's.
const ENRICH_START = ',"@timestamp":';

function classify(line, rec) {
  let o = rec;
  if (!o) {
    // Only the enrichment is parsed (every column the viewer keeps is there): a fifth of the text,
    // and a fifth of the objects, of a full JSON.parse. A slice that started inside a nested
    // object could not parse (its closing `]` follows), so it falls back to the whole line.
    const at = line.lastIndexOf(ENRICH_START);
    if (at > 0) {
      try {
        o = JSON.parse(`{${line.slice(at + 1)}`);
        if (!Object.hasOwn(o, 'cloud.provider')) o = null;
        // A CloudFront call whose id the enrichment did not take (an id it does not accept):
        // the whole record, for the raw places an id is (model.mjs columnsOf).
        else if (!Object.hasOwn(o, 'cloudfront.distribution.id') && /cloudfront/.test(String(o['event.provider'] ?? ''))) o = null;
      } catch {
        o = null;
      }
    }
    if (!o) {
      try {
        o = JSON.parse(line);
      } catch (e) {
        return { err: { message: `unreadable output line: ${e.message}`, original: line, offset: null, type: 'output' } };
      }
    }
  }
  // An error entry has the raw text and an error type and none of the enrichment every record
  // gets (cloud.provider is always written), so a record cannot pass for one by naming a key.
  if (o && Object.hasOwn(o, 'event.original') && Object.hasOwn(o, 'error.type') && !Object.hasOwn(o, 'cloud.provider')) {
    return { err: errOf(o) };
  }
  return { line, rec: o };
}

function errOf(e) {
  const s = (v) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  const num = (v) => (typeof v === 'number' ? v : null);
  return {
    message: s(e['error.message'] ?? e.message),
    original: s(e['event.original'] ?? e.original),
    offset: num(e['error.offset'] ?? e.offset),
    type: s(e['error.type'] ?? e.kind ?? ''),
  };
}
