// The fast route of `transform(object)`: flattens a record *object* in JS by the rules of
// src/flatten.rs (docs/FLATTENING.md) and picks out the small view of the record that
// enrichment reads (the core's `captureSpec`), so only that view crosses into WebAssembly; the
// core computes the enrichment keys from it. One walk does both, reading every property once.
//
// Why not send the whole record: JSON.stringify + the core + JSON.parse of a flat object costs
// more than the `flat` package's whole flatten (bench/README.md). Building the object here with
// interned keys is several times faster, and the enrichment logic stays in the core.
//
// The core route (record text in, flat JSON text out) is the reference. Whatever these rules do
// not mirror exactly returns `undefined` and the caller takes the core route: values JSON cannot
// hold as they are (Dates, Maps, class instances, BigInt, toJSON), options other than
// enrich/separator/maxDepth/maxFields, records at maxDepth or maxFields, keys that are not
// well-formed UTF-16. tests/js/transform-object.test.mjs checks that both routes give the same
// object, key order included, on every fixture, sample and thousands of generated records.

const OBJ = Object.prototype;
const ARR = Array.prototype;
const hasOwn = Object.hasOwn;
// String.prototype.isWellFormed is recent (Node 20, Chrome 111, Firefox 119, Safari 16.4).
export const wellFormed = typeof String.prototype.isWellFormed === 'function'
  ? (s) => s.isWellFormed()
  : (s) => !/\p{Cs}/u.test(s);

// Interned flat keys: per separator, a tree of Maps from a member name to its full flat key.
// The same strings come back for every record of the same shape, so V8 hashes each key once
// instead of building and hashing a fresh concatenation per record. Keys are attacker-
// controlled, so the cache is bounded by size: past MAX_CACHE_BYTES (member names and flat
// keys, as UTF-16, plus a per-entry allowance) it starts again empty. A long key is not kept at
// all: it is rarely repeated, and a few would fill the cache.
const MAX_CACHE_BYTES = 8 << 20;
const LONGEST_CACHED_KEY = 1024;
const ENTRY_OVERHEAD = 96;
let caches = new Map();
let cachedBytes = 0;

/** Bytes the key cache holds now (for tests). */
export function keyCacheBytes() {
  return cachedBytes;
}

class Entry {
  constructor(key) {
    this.key = key;
    // `out[key] = v` with key '__proto__' would set the prototype instead of a property.
    this.proto = key === '__proto__';
    this.kids = null;
  }
}

function escapeKey(k, sep) {
  if (!k.includes('~') && !k.includes(sep)) return k;
  return k.replaceAll('~', '~0').replaceAll(sep, '~1');
}

/** The interned entry for member `k` below `parent` (a Map), or undefined for a key to refuse. */
function entry(parent, prefix, k, sep) {
  let e = parent.get(k);
  if (e !== undefined) return e;
  // The core reads keys as UTF-8 text; a lone surrogate has no UTF-8 form.
  if (!wellFormed(k)) return undefined;
  const part = escapeKey(k, sep);
  e = new Entry(prefix === null ? part : prefix + sep + part);
  if (e.key.length > LONGEST_CACHED_KEY) return e;
  const cost = 2 * (k.length + e.key.length) + ENTRY_OVERHEAD;
  if (cachedBytes + cost > MAX_CACHE_BYTES) {
    caches = new Map();
    cachedBytes = 0;
  }
  cachedBytes += cost;
  parent.set(k, e);
  return e;
}

function kidsOf(e) {
  return e.kids ?? (e.kids = new Map());
}

function put(out, e, v) {
  if (e.proto) defineOwn(out, e.key, v);
  else out[e.key] = v;
}

/** An own data property, as JSON.parse makes one (`o.__proto__ = v` would set the prototype). */
function defineOwn(o, k, v) {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/** A JSON number as JSON.stringify writes it and JSON.parse reads it back. */
function num(v) {
  if (!Number.isFinite(v)) return null;
  return v === 0 ? 0 : v; // -0 is written "0"
}

/** A plain JSON object: what JSON.stringify writes member by member, with no toJSON. */
function plainObject(v) {
  const p = Object.getPrototypeOf(v);
  return (p === OBJ || p === null) && typeof v.toJSON !== 'function';
}

// In a view spec: the whole value, copied as read (the spec's `1`).
const ALL = 1;

// The capture spec (src/fields.rs `capture_spec`) as Maps: member → 1 (ALL: the whole value),
// a node (an object: its own members by the node), or an ArrayShape (`[shape]`: each element).
// `others`, for the members not named: 'strings' (string members whole), a SpecNode (applied
// to object members; other members left out), or null (left out).
class SpecNode {
  constructor(json) {
    const o = hasOwn(json, '~others') ? json['~others'] : null;
    this.others = o !== null && typeof o === 'object' ? new SpecNode(o) : o;
    this.kids = new Map();
    for (const k of Object.keys(json)) {
      if (k !== '~others') this.kids.set(k, specOf(json[k]));
    }
  }
}

class ArrayShape {
  constructor(el) {
    this.el = el;
  }
}

function specOf(v) {
  if (Array.isArray(v)) return new ArrayShape(specOf(v[0]));
  return v !== null && typeof v === 'object' ? new SpecNode(v) : ALL;
}

// View objects are plain objects (JSON.stringify writes them faster than null-prototype ones),
// so a `__proto__` member needs defining rather than assigning.
function setView(o, k, v) {
  if (k === '__proto__') defineOwn(o, k, v);
  else o[k] = v;
}

const BAIL = Symbol('bail');

class Walk {
  constructor(sep, maxDepth, maxFields) {
    this.sep = sep;
    this.maxDepth = maxDepth;
    this.maxFields = maxFields;
    this.fields = 0; // flat fields of the record's own context (maxFields counts these)
    this.va = null; // the view copy of the array `array()` last returned
  }

  /**
   * The members of `obj` into `out` below interned `node` (its keys prefixed by `prefix`).
   * `depth`: the depth of obj's members (the record's own are 1). `top`: the record's own
   * context (not an object inside an array). `spec`/`view`: what of obj enrichment reads
   * (null, ALL or a SpecNode) and where it goes. The view takes the very values the walk
   * read, so every property is read once, as JSON.stringify would. Returns the number of
   * fields written, or BAIL.
   */
  object(obj, node, prefix, depth, top, out, spec, view) {
    const sep = this.sep;
    let written = 0;
    for (const k in obj) {
      const v = obj[k];
      // The cached entry inline; `entry` makes (or refuses) a new one.
      let e = node.get(k);
      if (e === undefined && (e = entry(node, prefix, k, sep)) === undefined) return BAIL;
      let vs = null; // this member's view spec
      if (spec !== null) {
        if (spec === ALL) {
          vs = ALL;
        } else {
          const t = spec.kids.get(k);
          const others = spec.others;
          if (t !== undefined) vs = t;
          else if (others === 'strings') {
            if (typeof v === 'string') vs = ALL;
          } else if (others !== null && typeof v === 'object' && v !== null && !Array.isArray(v)) vs = others;
        }
      }
      switch (typeof v) {
        case 'string':
        case 'boolean':
          put(out, e, v);
          if (vs !== null) setView(view, k, v);
          break;
        case 'number': {
          const x = num(v);
          put(out, e, x);
          if (vs !== null) setView(view, k, x);
          break;
        }
        case 'object':
          if (v === null) {
            put(out, e, null);
            if (vs !== null) setView(view, k, null);
          } else if (Array.isArray(v)) {
            if (depth + 1 >= this.maxDepth) return BAIL;
            const a = this.array(v, depth, vs === null || vs instanceof ArrayShape ? vs : ALL);
            if (a === BAIL) return BAIL;
            put(out, e, a);
            if (vs !== null) setView(view, k, this.va);
          } else {
            if (!plainObject(v)) return BAIL;
            if (depth >= this.maxDepth) {
              // The core keeps a non-empty object here whole, as one JSON-string field.
              for (const _ in v) return BAIL;
            }
            let sub = null;
            let subView = null;
            if (vs !== null) {
              sub = vs instanceof SpecNode ? vs : ALL;
              subView = {};
              setView(view, k, subView);
            }
            const n = this.object(v, kidsOf(e), e.key, depth + 1, top, out, sub, subView);
            if (n === BAIL) return BAIL;
            if (n > 0) {
              written += n;
              continue;
            }
            put(out, e, {}); // empty (or only undefined members): kept as {}
          }
          break;
        case 'undefined':
        case 'function':
        case 'symbol':
          continue; // JSON.stringify leaves the member out (of the view too)
        default:
          return BAIL; // bigint: JSON.stringify throws; the core route reports it
      }
      written++;
      // Past maxFields the core moves the rest into `~overflow`: the core route does that.
      if (top && ++this.fields >= this.maxFields) return BAIL;
    }
    return written;
  }

  /**
   * An array kept as an array (the default `arrays: "keep"`); `depth`: the array's own;
   * `vs`: its view spec (null, ALL or an ArrayShape), the view copy left in `this.va`.
   */
  array(a, depth, vs) {
    if (Object.getPrototypeOf(a) !== ARR || typeof a.toJSON === 'function') return BAIL;
    const n = a.length;
    const r = new Array(n);
    const va = vs === null ? null : new Array(n);
    const el = vs === null ? null : vs === ALL ? ALL : vs.el;
    for (let i = 0; i < n; i++) {
      const v = a[i];
      switch (typeof v) {
        case 'string':
        case 'boolean':
          r[i] = v;
          if (va !== null) va[i] = v;
          break;
        case 'number':
          r[i] = num(v);
          if (va !== null) va[i] = r[i];
          break;
        case 'object':
          if (v === null) {
            r[i] = null;
            if (va !== null) va[i] = null;
          } else if (Array.isArray(v)) {
            if (depth + 2 >= this.maxDepth) return BAIL;
            const x = this.array(v, depth + 1, el === null || el instanceof ArrayShape ? el : ALL);
            if (x === BAIL) return BAIL;
            r[i] = x;
            if (va !== null) va[i] = this.va;
          } else {
            if (!plainObject(v) || depth + 2 >= this.maxDepth) return BAIL;
            // Objects inside arrays are flattened in a key space of their own.
            const o = {};
            const ov = va === null ? null : {};
            const os = el === null ? null : el instanceof SpecNode ? el : ALL;
            if (this.object(v, root(this.sep), null, depth + 2, false, o, os, ov) === BAIL) return BAIL;
            r[i] = o;
            if (va !== null) va[i] = ov;
          }
          break;
        case 'undefined':
        case 'function':
        case 'symbol':
          r[i] = null; // as JSON.stringify writes them (holes too)
          if (va !== null) va[i] = null;
          break;
        default:
          return BAIL;
      }
    }
    this.va = va;
    return r;
  }
}

function root(sep) {
  let r = caches.get(sep);
  if (r === undefined) {
    r = new Map();
    caches.set(sep, r);
  }
  return r;
}

function objectProtoIsClean() {
  // for-in also lists inherited enumerable properties; JSON.stringify does not.
  for (const _ in {}) return false;
  return true;
}

// A walker kept for the next record (it holds no state between records but its counters).
// Taken out while in use, so a getter that calls transform() again gets a walker of its own.
let walker = null;
/**
 * The fast route for one record object: `{ flat, view }` (view: the members enrichment reads,
 * or null when `cfg.enrich` is false), or undefined when the core route must take it.
 */
export function flattenObject(record, cfg, spec) {
  if (!plainObject(record) || !objectProtoIsClean()) return undefined;
  let w = walker;
  walker = null;
  if (w === null || w.sep !== cfg.separator || w.maxDepth !== cfg.maxDepth || w.maxFields !== cfg.maxFields) {
    w = new Walk(cfg.separator, cfg.maxDepth, cfg.maxFields);
  }
  w.fields = 0;
  w.va = null;
  const flat = {};
  const view = cfg.enrich ? {} : null;
  const n = w.object(record, root(cfg.separator), null, 1, true, flat, cfg.enrich ? spec : null, view);
  walker = w;
  if (n === BAIL) return undefined;
  return { flat, view };
}

/** Parses the core's capture spec (JSON text) once. */
export function parseSpec(text) {
  return new SpecNode(JSON.parse(text));
}

const DEFAULTS = Object.freeze({ enrich: true, separator: '.', maxDepth: 32, maxFields: 10_000 });
const DEEPEST = 500; // below the core's nesting limit (512), which is an error, not a cut
/** Options only the JS side reads (the stream's and the batch functions'); never sent to the core. */
export const JS_ONLY = new Set(['bytes', 'ndjson', 'highWaterMark', 'history']);

/**
 * The settings the fast route mirrors, from transform's options; undefined when the options
 * hold anything else (or anything invalid: the core route then reports it).
 */
export function fastConfig(opts) {
  if (opts === undefined || opts === null) return DEFAULTS;
  if (typeof opts !== 'object' || Array.isArray(opts)) return undefined;
  let cfg = null;
  for (const k of Object.keys(opts)) {
    const v = opts[k];
    if (v === undefined || v === null || JS_ONLY.has(k)) continue;
    cfg ??= { ...DEFAULTS };
    switch (k) {
      case 'enrich':
        if (typeof v !== 'boolean') return undefined;
        cfg.enrich = v;
        break;
      case 'separator': {
        if (typeof v !== 'string' || [...v].length !== 1) return undefined;
        const c = v.codePointAt(0);
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || v === '~' || v === '"' || v === '\\' || (c >= 0x30 && c <= 0x39) || !wellFormed(v)) return undefined;
        cfg.separator = v;
        break;
      }
      case 'maxDepth':
        if (!Number.isInteger(v) || v < 1 || v > DEEPEST) return undefined;
        cfg.maxDepth = v;
        break;
      case 'maxFields':
        if (!Number.isInteger(v) || v < 2 || v > 0xffffffff) return undefined; // a wasm usize
        cfg.maxFields = v;
        break;
      case 'profile':
        if (v !== 'flat') return undefined;
        break;
      case 'arrays':
        if (v !== 'keep') return undefined;
        break;
      default:
        return undefined;
    }
  }
  return cfg ?? DEFAULTS;
}
