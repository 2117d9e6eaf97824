// The viewer's worker: reads files in slices through the wasm engine, keeps every record (its
// NDJSON line) and a dictionary-encoded column store, and answers the page's queries (filter,
// sort, summaries, details, export). The page only renders; it never parses.
import { loadEngine } from './engine.mjs';
import { COLUMNS, CSV_KEYS, columnsOf, csvRow, enrichedFrom, isoOf, members, prettyJson, splitKeys, timeOf, unflattenJs } from './model.mjs';

const CHUNK = 4 << 20;
const BATCH_MS = 150;
const ERROR_PREVIEW = 256 << 10;
// The core stops at 1 GiB of decompressed data by default (a gzip-bomb guard for services). Here
// a person chose the file and the tab's memory is the real bound, so a 200 MB .json.gz (a few GB
// of JSON) may load; a bomb still ends, at this limit, with a clear error.
// `geoip` is added when a .mmdb file is dropped (addDatabase).
const OPTIONS = { maxDecompressedBytes: 16 * 2 ** 30 };

/** A growable typed array. */
class Grow {
  constructor(Type, n = 1024) {
    this.Type = Type;
    this.a = new Type(n);
    this.length = 0;
  }
  push(v) {
    if (this.length === this.a.length) {
      const b = new this.Type(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
  view() {
    return this.a.subarray(0, this.length);
  }
}

/** Strings ↔ small integers, one per column. */
class Dict {
  constructor() {
    this.values = [];
    this.map = new Map();
    this.sent = 0;
  }
  code(s) {
    let c = this.map.get(s);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(s);
      this.map.set(s, c);
    }
    return c;
  }
}

/**
 * Every record's NDJSON line, kept as UTF-8 in large ArrayBuffer blocks rather than as JS strings:
 * a big log's text then lives outside the JS heap (whose size is capped), and costs a byte per
 * ASCII character. A line is decoded again only to be shown, searched or exported. Each line is
 * followed by a newline in its block, so a search hit never spans two records.
 */
class LineStore {
  constructor() {
    this.blocks = [];
    this.used = []; // bytes used in each block
    this.first = []; // index of the first line in each block
    this.block = null;
    this.pos = 0;
    this.where = new Grow(Uint32Array); // block index, offset, length: three per line
    this.length = 0;
    this.enc = new TextEncoder();
    this.dec = new TextDecoder();
    // One character per byte, so string positions are byte offsets (used by search).
    this.bytewise = new TextDecoder('windows-1252');
  }
  push(line) {
    const need = line.length * 3 + 1;
    if (!this.block || this.block.length - this.pos < need) {
      if (this.block) this.used[this.blocks.length - 1] = this.pos;
      this.block = new Uint8Array(Math.max(16 << 20, need));
      this.blocks.push(this.block);
      this.used.push(0);
      this.first.push(this.length);
      this.pos = 0;
    }
    const { written } = this.enc.encodeInto(line, this.block.subarray(this.pos));
    this.where.push(this.blocks.length - 1);
    this.where.push(this.pos);
    this.where.push(written);
    this.block[this.pos + written] = 0x0a;
    this.pos += written + 1;
    this.used[this.blocks.length - 1] = this.pos;
    this.length++;
  }
  bytes(i) {
    const w = this.where.a;
    const off = w[3 * i + 1];
    return this.blocks[w[3 * i]].subarray(off, off + w[3 * i + 2]);
  }
  get(i) {
    return i >= 0 && i < this.length ? this.dec.decode(this.bytes(i)) : undefined;
  }
  /**
   * The lines that contain `query`, ignoring ASCII case, in order. Scans whole blocks (decoded a
   * byte per character, lower-cased, indexOf), not line by line; a non-ASCII query's hits are
   * checked again on the properly decoded line.
   */
  search(query) {
    const hits = new Grow(Uint32Array, 1024);
    const bytes = this.enc.encode(query);
    const verify = bytes.every((b) => b < 0x80) ? null : new RegExp(escapeRe(query), 'i');
    const needle = this.bytewise.decode(bytes).toLowerCase();
    const w = this.where.a;
    for (let b = 0; b < this.blocks.length; b++) {
      const text = this.bytewise.decode(this.blocks[b].subarray(0, this.used[b])).toLowerCase();
      const end = b + 1 < this.first.length ? this.first[b + 1] : this.length;
      let lo = this.first[b];
      let from = 0;
      while (lo < end) {
        const p = text.indexOf(needle, from);
        if (p < 0) break;
        // The last line of this block that starts at or before p.
        let a = lo;
        let z = end - 1;
        while (a < z) {
          const m = (a + z + 1) >> 1;
          if (w[3 * m + 1] <= p) a = m;
          else z = m - 1;
        }
        if (!verify || verify.test(this.get(a))) hits.push(a);
        from = w[3 * a + 1] + w[3 * a + 2] + 1;
        lo = a + 1;
      }
    }
    return hits.view();
  }
}

const escapeRe = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const store = {
  lines: new LineStore(),
  file: new Grow(Uint16Array),
  ms: new Grow(Float64Array),
  cols: Object.fromEntries(COLUMNS.map((c) => [c.key, new Grow(Uint32Array)])),
  dicts: Object.fromEntries(COLUMNS.map((c) => [c.key, new Dict()])),
  // The error code of each record (for the failures picture); not a table column.
  code: new Grow(Uint32Array),
  codes: new Dict(),
  sentRows: 0,
  files: [],
  errors: [],
  sentErrors: 0,
};

let engine = null;
let reading = Promise.resolve();
const stats = { push: 0, add: 0, query: 0, queries: 0 };
const post = (msg, transfer) => self.postMessage(msg, transfer ?? []);

self.onmessage = async (ev) => {
  const m = ev.data;
  try {
    // Files are read one drop after another (a second drop waits for the first), while queries
    // are answered in between the slices.
    if (m.type === 'files') await (reading = reading.then(() => ingest(m.files)));
    else if (m.type === 'query') {
      const t0 = performance.now();
      const r = query(m.q);
      stats.query += performance.now() - t0;
      stats.queries++;
      post({ type: 'result', seq: m.seq, ...r });
    }
    else if (m.type === 'detail') post({ type: 'detail', seq: m.seq, ...detail(m.index) });
    else if (m.type === 'export') post({ type: 'export', seq: m.seq, ...exportRows(m.q, m.format) });
  } catch (e) {
    reading = Promise.resolve();
    post({ type: 'fatal', during: m.type, message: `${m.type}: ${e?.message ?? e}` });
  }
};

(async () => {
  try {
    engine = await loadEngine();
    post({ type: 'ready', streaming: engine.streaming });
  } catch (e) {
    post({ type: 'fatal', message: `could not load the WebAssembly engine: ${e?.message ?? e}` });
  }
})();

// ---------------------------------------------------------------- reading

// MaxMind-format databases (.mmdb) dropped so far: the `geoip` option of every file read after
// them (source.geo.*, source.as.*). Each is read into the engine once (core.mjs keeps it by its
// bytes object), so a 60 MB database costs one copy, not one per file.
const geoip = [];

/** Takes a dropped .mmdb file as a database: checked by the engine, listed with the files. */
async function addDatabase(f) {
  const info = { name: String(f.name ?? 'file'), size: f.size, records: 0, errors: 0, format: 'geoip database', gzip: false, failed: '' };
  const fileIdx = store.files.length;
  store.files.push(info);
  try {
    const bytes = new Uint8Array(await f.arrayBuffer());
    engine.open({ ...OPTIONS, geoip: [...geoip, bytes] }).finish();
    geoip.push(bytes);
    OPTIONS.geoip = [...geoip];
  } catch (e) {
    info.failed = String(e?.message ?? e);
    addError({ message: info.failed, original: '', offset: null, type: 'option' }, fileIdx, info);
  }
  flush();
  post({ type: 'progress', file: fileIdx, name: info.name, loaded: f.size, size: f.size, done: true, info });
}

async function ingest(files) {
  engine ??= await loadEngine();
  const isDatabase = (f) => /\.mmdb$/i.test(String(f.name ?? ''));
  // Databases first, so that the logs dropped with them are looked up too.
  for (const f of files.filter(isDatabase)) await addDatabase(f);
  for (const f of files.filter((x) => !isDatabase(x))) {
    const fileIdx = store.files.length;
    const info = { name: String(f.name ?? 'file'), size: f.size, records: 0, errors: 0, format: '', gzip: false, failed: '' };
    store.files.push(info);
    post({ type: 'progress', file: fileIdx, name: info.name, loaded: 0, size: f.size, done: false });
    let last = 0;
    const sink = (items) => {
      for (const it of items) add(it, fileIdx, info);
      const now = Date.now();
      if (now - last > BATCH_MS) {
        last = now;
        flush();
      }
    };
    try {
      const rd = engine.open(OPTIONS);
      // Gzip (by its magic bytes) inflates ~10x: smaller slices keep each step short, so
      // queries and progress get a turn between them.
      const head = new Uint8Array(await f.slice(0, 2).arrayBuffer());
      const step = head[0] === 0x1f && head[1] === 0x8b ? CHUNK / 8 : CHUNK;
      for (let at = 0; at < f.size; at += step) {
        const buf = new Uint8Array(await f.slice(at, Math.min(f.size, at + step)).arrayBuffer());
        const t0 = performance.now();
        const items = rd.push(buf);
        stats.push += performance.now() - t0;
        const t1 = performance.now();
        sink(items);
        stats.add += performance.now() - t1;
        post({ type: 'progress', file: fileIdx, name: info.name, loaded: Math.min(f.size, at + step), size: f.size, done: false });
      }
      const end = rd.finish();
      sink(end.items);
      info.format = end.format;
      info.gzip = end.gzip;
    } catch (e) {
      // The file as a whole could not be read (bad gzip, unknown format, a limit): one error
      // entry for it; records already read stay.
      info.failed = String(e?.message ?? e);
      addError({ message: info.failed, original: '', offset: null, type: 'input' }, fileIdx, info);
    }
    flush();
    post({ type: 'progress', file: fileIdx, name: info.name, loaded: f.size, size: f.size, done: true, info });
  }
  post({ type: 'idle', stats });
}

function add(it, fileIdx, info) {
  if (it.err) {
    addError(it.err, fileIdx, info);
    return;
  }
  const c = columnsOf(it.rec);
  store.lines.push(it.line);
  store.file.push(fileIdx);
  const ms = timeOf(c.time);
  store.ms.push(ms);
  // A readable time is shown from its milliseconds; only other time texts go in the dictionary
  // (as unique as the records, they would double what the heaps hold).
  if (ms === ms) c.time = '';
  for (const { key } of COLUMNS) store.cols[key].push(store.dicts[key].code(c[key]));
  const o = it.rec;
  const ec = Object.hasOwn(o, 'error.code') ? o['error.code'] : Object.hasOwn(o, 'errorCode') ? o.errorCode : '';
  store.code.push(store.codes.code(typeof ec === 'string' ? ec : JSON.stringify(ec ?? '')));
  info.records++;
}

function addError(err, fileIdx, info) {
  const original = err.original ?? '';
  store.errors.push({
    file: info.name,
    fileIdx,
    message: err.message,
    type: err.type,
    offset: err.offset,
    size: original.length,
    original: original.length > ERROR_PREVIEW ? original.slice(0, ERROR_PREVIEW) : original,
  });
  info.errors++;
}

/** Sends the rows and errors the page has not seen yet. */
function flush() {
  const from = store.sentRows;
  const to = store.lines.length;
  if (to > from || store.errors.length > store.sentErrors) {
    const cols = {};
    const dicts = {};
    const transfer = [];
    for (const { key } of COLUMNS) {
      cols[key] = store.cols[key].a.slice(from, to);
      transfer.push(cols[key].buffer);
      const d = store.dicts[key];
      dicts[key] = d.values.slice(d.sent);
      d.sent = d.values.length;
    }
    const ms = store.ms.a.slice(from, to);
    transfer.push(ms.buffer);
    const errors = store.errors.slice(store.sentErrors);
    store.sentErrors = store.errors.length;
    store.sentRows = to;
    post({ type: 'rows', from, to, cols, dicts, ms, errors }, transfer);
  }
}

// ---------------------------------------------------------------- queries

let lastText = null; // { q, rows } the previous free-text match, narrowed by longer queries

function codeSet(key, value) {
  if (value === undefined || value === null || value === '') return null;
  const c = store.dicts[key].map.get(value);
  return c === undefined ? -1 : c;
}

/** The indices of records that pass the filters, in the requested order. */
function select(q) {
  const n = store.lines.length;
  const f = q.filters ?? {};
  const want = {};
  for (const key of ['action', 'principal', 'outcome', 'resource', 'ip']) want[key] = codeSet(key, f[key]);
  let riskOk = null;
  if (f.risk) {
    const vals = store.dicts.risk.values;
    riskOk = new Uint8Array(vals.length);
    for (let i = 0; i < vals.length; i++) {
      const flags = vals[i] ? vals[i].split(', ') : [];
      riskOk[i] = f.risk === '*' ? flags.length > 0 : flags.includes(f.risk);
    }
  }
  const from = typeof f.from === 'number' ? f.from : -Infinity;
  const to = typeof f.to === 'number' ? f.to : Infinity;
  const timed = from !== -Infinity || to !== Infinity;

  let candidates = null;
  const t = (f.text ?? '').trim();
  if (t) {
    const prev = lastText && t.toLowerCase().includes(lastText.q.toLowerCase()) && lastText.n === n ? lastText.rows : null;
    // Lines are JSON text: a value may be there as typed, or with JSON escapes (\" \\ \u202e).
    const quoted = JSON.stringify(t).slice(1, -1);
    const needles = [...new Set([t, quoted, quoted.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)])];
    if (prev && prev.length < n / 16) {
      // A longer query than the last one: only the last one's few matches can match.
      const res = needles.map((q) => new RegExp(escapeRe(q), 'i'));
      const g = new Grow(Uint32Array, 1024);
      for (const i of prev) {
        const line = store.lines.get(i);
        if (res.some((re) => re.test(line))) g.push(i);
      }
      candidates = g.view();
    } else if (needles.length === 1) {
      candidates = store.lines.search(t);
    } else {
      const hit = new Uint8Array(n);
      for (const q of needles) for (const i of store.lines.search(q)) hit[i] = 1;
      const g = new Grow(Uint32Array, 1024);
      for (let i = 0; i < n; i++) if (hit[i]) g.push(i);
      candidates = g.view();
    }
    lastText = { q: t, rows: candidates, n };
  }

  const cols = store.cols;
  const ms = store.ms.a;
  const pass = (i) =>
    (want.action === null || cols.action.a[i] === want.action) &&
    (want.principal === null || cols.principal.a[i] === want.principal) &&
    (want.outcome === null || cols.outcome.a[i] === want.outcome) &&
    (want.resource === null || cols.resource.a[i] === want.resource) &&
    (want.ip === null || cols.ip.a[i] === want.ip) &&
    (riskOk === null || riskOk[cols.risk.a[i]] === 1) &&
    (!timed || (ms[i] >= from && ms[i] <= to));
  const out = new Grow(Uint32Array, 1024);
  if (candidates) {
    for (const i of candidates) if (pass(i)) out.push(i);
  } else {
    for (let i = 0; i < n; i++) if (pass(i)) out.push(i);
  }
  const idx = out.view();
  sortRows(idx, q.sort ?? { key: 'time', dir: 1 });
  return idx;
}

function sortRows(idx, sort) {
  const dir = sort.dir === -1 ? -1 : 1;
  if (sort.key === 'time' || !store.cols[sort.key]) {
    const ms = store.ms.a;
    const tcol = store.cols.time.a;
    const trank = ranks('time');
    // Unparseable times sort after real ones, by their text.
    idx.sort((a, b) => {
      const x = ms[a];
      const y = ms[b];
      const d = x === y || (x !== x && y !== y) ? trank[tcol[a]] - trank[tcol[b]] : x !== x ? 1 : y !== y ? -1 : x - y;
      return d * dir || a - b;
    });
    return;
  }
  const col = store.cols[sort.key].a;
  const rank = ranks(sort.key);
  idx.sort((a, b) => (rank[col[a]] - rank[col[b]]) * dir || a - b);
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
function ranks(key) {
  const vals = store.dicts[key].values;
  const order = vals.map((_, i) => i).sort((a, b) => {
    // Empty values last.
    if (!vals[a] !== !vals[b]) return vals[a] ? -1 : 1;
    return collator.compare(vals[a], vals[b]);
  });
  const rank = new Uint32Array(vals.length);
  order.forEach((c, r) => (rank[c] = r));
  return rank;
}

function query(q) {
  const idx = select(q);
  return { idx, total: store.lines.length, summary: summarise(idx), options: optionLists() };
}

function top(counts, fails, dict, k) {
  const rows = [];
  for (let c = 0; c < counts.length; c++) if (counts[c]) rows.push([c, counts[c]]);
  rows.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return rows.slice(0, k).map(([c, n]) => ({ value: dict.values[c], count: n, failures: fails ? fails[c] : 0 }));
}

const STEPS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400].map((s) => s * 1000);

/** What the summary pictures draw, for the selected records. */
function summarise(idx) {
  const { cols, dicts } = store;
  const ms = store.ms.a;
  const failCode = dicts.outcome.map.get('failure');
  const nA = dicts.action.values.length;
  const nP = dicts.principal.values.length;
  const actions = new Uint32Array(nA);
  const actionFails = new Uint32Array(nA);
  const principals = new Uint32Array(nP);
  const principalFails = new Uint32Array(nP);
  let min = Infinity;
  let max = -Infinity;
  let failures = 0;
  const risky = [];
  const flags = new Map();
  const riskFlags = dicts.risk.values.map((v) => (v ? v.split(', ') : []));
  for (const i of idx) {
    const a = cols.action.a[i];
    const p = cols.principal.a[i];
    const fail = cols.outcome.a[i] === failCode;
    actions[a]++;
    principals[p]++;
    if (fail) {
      failures++;
      actionFails[a]++;
      principalFails[p]++;
    }
    const t = ms[i];
    if (t === t) {
      if (t < min) min = t;
      if (t > max) max = t;
    }
    const rf = riskFlags[cols.risk.a[i]];
    if (rf.length) {
      risky.push(i);
      for (const fl of rf) flags.set(fl, (flags.get(fl) ?? 0) + 1);
    }
  }
  // Events over time: about 60 buckets of a round width.
  let hist = null;
  if (min <= max) {
    const span = Math.max(1, max - min);
    const step = STEPS.find((s) => span / s <= 60) ?? STEPS[STEPS.length - 1];
    const start = Math.floor(min / step) * step;
    const nb = Math.floor((max - start) / step) + 1;
    const ok = new Uint32Array(nb);
    const bad = new Uint32Array(nb);
    for (const i of idx) {
      const t = ms[i];
      if (t !== t) continue;
      const b = Math.floor((t - start) / step);
      if (fail(i)) bad[b]++;
      else ok[b]++;
    }
    hist = { start, step, ok, bad };
  }
  function fail(i) {
    return cols.outcome.a[i] === failCode;
  }
  // Failures by error code.
  const codes = new Map();
  if (failures) {
    const byCode = new Uint32Array(store.codes.values.length);
    const code = store.code.a;
    for (const i of idx) if (fail(i)) byCode[code[i]]++;
    byCode.forEach((n, c) => {
      if (n) codes.set(store.codes.values[c] || '(no code)', n);
    });
  }
  const riskyLatest = risky
    .sort((a, b) => (ms[b] || 0) - (ms[a] || 0))
    .slice(0, 40)
    .map((i) => ({
      index: i,
      time: ms[i] === ms[i] ? isoOf(ms[i]) : dicts.time.values[cols.time.a[i]],
      resource: dicts.resource.values[cols.resource.a[i]],
      action: dicts.action.values[cols.action.a[i]],
      principal: dicts.principal.values[cols.principal.a[i]],
      risk: dicts.risk.values[cols.risk.a[i]],
    }));
  return {
    count: idx.length,
    failures,
    hist,
    actions: top(actions, actionFails, dicts.action, 10),
    principals: top(principals, principalFails, dicts.principal, 10),
    errorCodes: [...codes].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([value, count]) => ({ value, count })),
    riskFlags: [...flags].sort((a, b) => b[1] - a[1]).map(([value, count]) => ({ value, count })),
    risky: riskyLatest,
    riskyCount: risky.length,
  };
}

/** Every value of the filterable columns with its count over all records, most frequent first. */
function optionLists() {
  const out = {};
  for (const key of ['action', 'principal', 'outcome']) {
    const counts = new Uint32Array(store.dicts[key].values.length);
    const col = store.cols[key].a;
    for (let i = 0; i < store.lines.length; i++) counts[col[i]]++;
    out[key] = top(counts, null, store.dicts[key], 2000).filter((r) => r.value !== '').map(({ value, count }) => ({ value, count }));
  }
  const flags = new Map();
  const counts = new Uint32Array(store.dicts.risk.values.length);
  const col = store.cols.risk.a;
  for (let i = 0; i < store.lines.length; i++) counts[col[i]]++;
  store.dicts.risk.values.forEach((v, c) => {
    if (v) for (const fl of v.split(', ')) flags.set(fl, (flags.get(fl) ?? 0) + counts[c]);
  });
  out.risk = [...flags].sort((a, b) => b[1] - a[1]).map(([value, count]) => ({ value, count }));
  return out;
}

// ---------------------------------------------------------------- details and export

function detail(index) {
  const line = store.lines.get(index);
  if (line === undefined) return { index, missing: true };
  const o = JSON.parse(line);
  // From the text, not the parsed object: numbers exactly as written, duplicate keys kept.
  const TYPE = { '"': 'string', '[': 'array', '{': 'object', t: 'boolean', f: 'boolean', n: 'null' };
  const fields = members(line).map(([k, v]) => {
    const type = TYPE[v[0]] ?? 'number';
    return [k, type === 'string' ? JSON.parse(v) : v, type];
  });
  const { raw } = splitKeys(o);
  const own = Object.create(null);
  for (const k of raw) own[k] = o[k];
  let original;
  try {
    original = engine?.unflatten ? engine.unflatten(JSON.stringify(own)) : JSON.stringify(unflattenJs(own));
  } catch {
    original = JSON.stringify(unflattenJs(own));
  }
  const rawCount = enrichedFrom(fields.map((f) => f[0]));
  return { index, file: store.files[store.file.a[index]]?.name ?? '', fields, rawCount, original: prettyJson(original), line };
}

function exportRows(q, format) {
  const idx = select(q);
  const parts = [];
  if (format === 'csv') {
    // The header is ours, not data: written as is.
    parts.push(CSV_KEYS.map((k) => `"${k}"`).join(',') + '\r\n');
    for (const i of idx) {
      const o = JSON.parse(store.lines.get(i));
      parts.push(csvRow(CSV_KEYS.map((k) => (Object.hasOwn(o, k) ? o[k] : ''))) + '\r\n');
    }
  } else {
    for (const i of idx) parts.push(store.lines.bytes(i), '\n');
  }
  const type = format === 'csv' ? 'text/csv;charset=utf-8' : 'application/x-ndjson';
  return { blob: new Blob(parts, { type }), count: idx.length, format };
}
