// The viewer's worker: reads files in slices through the wasm engine, keeps every record (its
// NDJSON line) and a dictionary-encoded column store, and answers the page's queries (filter,
// sort, summaries, details, export). The page only renders; it never parses.
import { knownKeys, loadEngine, plain, timing, tokenOf, wasmMemoryMB } from './engine.mjs';
import { Detections, isRuleFile } from './rules.mjs';
import { COLUMNS, CSV_KEYS, Grow, SEVERITIES, buckets, columnsOf, csvRow, enrichedFrom, isoOf, members, prettyJson, splitKeys, timeOf, unflattenJs } from './model.mjs';

// 2 MB slices: each push's transient copies (the slice, the core's output, its compact form and
// the wasm buffers behind them) are half those of 4 MB ones; measured on 150 MB, peak renderer RSS
// 555-561 -> 512-520 MB and the wasm memory 40 -> 20 MB, for the same CPU time.
const CHUNK = 2 << 20;
const BATCH_MS = 150;
const ERROR_PREVIEW = 256 << 10;
// The core stops at 1 GiB of decompressed data by default (a gzip-bomb guard for services). Here
// a person chose the file and the tab's memory is the real bound, so a 200 MB .json.gz (a few GB
// of JSON) may load; a bomb still ends, at this limit, with a clear error.
// Salvage on (docs/INPUTS.md, "Salvage"): a person looking at a log wants what can be read of a
// damaged record (marked `event.salvaged`, its raw text kept) rather than only an error.
// `geoip` is added when a .mmdb file is dropped (addDatabase).
const OPTIONS = { maxDecompressedBytes: 16 * 2 ** 30, salvage: true };
// Sigma rules dropped on the page, and which records each one matched.
const detections = new Detections();

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
 * Every record's NDJSON line, kept in the engine's own output texts ("blocks": the NDJSON one
 * push of a few MB gave, lines joined by newlines) with each line's block, offset and length.
 * Lines are kept compact: each key as a token of the session's key table (engine.mjs,
 * src/keytokens.rs), values as the core wrote them. Keys are ~46% of a flat line and the same
 * ~1,000 recur on every line, so this keeps ~60% of the text (issue 16: 150 MB of CloudTrail gave
 * 283 MB of flat NDJSON, 172 MB compact; the renderer's peak fell from ~700 to ~550 MB). `get`
 * gives a line back as NDJSON; searches run on the compact text, where a value is as it was and a
 * key is found by its token.
 * Blocks are pure ASCII, which V8 keeps one byte a character (decoded texts of this size outside
 * the JS heap), and the regexp engine searches them in place, with no decoded or lower-cased copy
 * (issue 16: the UTF-8 blocks this replaces were decoded and lower-cased on every search, 1 to
 * 2 s, and a folded copy would have doubled the memory). To stay ASCII, a line's non-ASCII
 * characters are stored as JSON escapes (\uXXXX): the same JSON value, the same parsed record
 * (the free-text search also looks for a query's escaped form).
 */
class LineStore {
  constructor() {
    this.blocks = []; // texts
    this.first = []; // index of the first line in each block
    this.where = new Grow(Uint32Array); // block index, offset, length: three per line
    this.length = 0;
  }
  /** A text whose lines are pushed next; returns its block index. */
  block(text) {
    this.blocks.push(text);
    this.first.push(this.length);
    return this.blocks.length - 1;
  }
  /** A line: `len` characters at `at` in block `b` (lines of a block in order). */
  push(b, at, len) {
    this.where.push(b);
    this.where.push(at);
    this.where.push(len);
    this.length++;
  }
  /** Line `i` as stored: compact, its keys as tokens (engine.mjs). */
  raw(i) {
    if (!(i >= 0 && i < this.length)) return undefined;
    const w = this.where.a;
    return this.blocks[w[3 * i]].slice(w[3 * i + 1], w[3 * i + 1] + w[3 * i + 2]);
  }
  /** Line `i` as NDJSON. */
  get(i) {
    const line = this.raw(i);
    return line === undefined ? undefined : plain(line);
  }
  /** The lines that match `re` (a global regexp), in order: one search per block, not per line. */
  searchRe(re) {
    const hits = new Grow(Uint32Array, 1024);
    // V8 runs a new regexp's first match in its bytecode interpreter and compiles it to machine
    // code for the next: that first match is made on a short text, not on megabytes.
    re.exec(' ');
    re.exec(' ');
    const w = this.where.a;
    const nb = this.blocks.length;
    for (let b = 0; b < nb; b++) {
      const text = this.blocks[b];
      let lo = this.first[b];
      const end = b + 1 < nb ? this.first[b + 1] : this.length;
      re.lastIndex = w[3 * lo + 1];
      while (lo < end) {
        const m = re.exec(text);
        if (!m) break;
        const p = m.index;
        // The last line of this block that starts at or before p.
        let a = lo;
        let z = end - 1;
        while (a < z) {
          const mid = (a + z + 1) >> 1;
          if (w[3 * mid + 1] <= p) a = mid;
          else z = mid - 1;
        }
        if (w[3 * a + 1] <= p && p < w[3 * a + 1] + w[3 * a + 2]) {
          hits.push(a);
          lo = a + 1;
          if (lo < end) re.lastIndex = w[3 * lo + 1];
        } else {
          // Before the first line or after a line's end: an error entry's line, not a record's.
          lo = w[3 * a + 1] > p ? a : a + 1;
          if (lo >= end) break;
          re.lastIndex = Math.max(p + 1, w[3 * lo + 1]);
        }
      }
    }
    return hits.view();
  }
  /** The lines that contain `query`, ignoring letter case. */
  search(query) {
    return this.searchRe(new RegExp(escapeRe(query), 'gi'));
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
  // readOnly: 0 false, 1 true, 2 unknown; the worst flag's severity (0 none … 4 critical);
  // 1 for a salvaged (damaged) record.
  ro: new Grow(Uint8Array),
  sev: new Grow(Uint8Array),
  salv: new Grow(Uint8Array),
  salvaged: 0,
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
    } else if (m.type === 'detail') post({ type: 'detail', seq: m.seq, ...detail(m.index) });
    else if (m.type === 'timeline') post({ type: 'timeline', seq: m.seq, ...timeline(m.id) });
    else if (m.type === 'evidence') post({ type: 'evidence', index: m.index, ...evidence(m.index) });
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

/**
 * Reads the files of one drop. Change tracking lives in the core's reader, so files are read
 * through one reader where they can be, in name order (CloudTrail names its files by time): a
 * week of `{"Records":[...]}` logs, or of `.json.gz` ones (gzip members in a row are one gzip
 * stream), is then one log to the core, and an update in Tuesday's file is compared with the
 * configuration Monday's showed. A file of another kind (NDJSON, EventBridge ...) gets a reader of
 * its own. Records a push gives out belong to the file that push fed: the reader gives out a
 * record as soon as its closing brace is read, so none spills into the next file.
 */
async function ingest(list) {
  engine ??= await loadEngine();
  const isDatabase = (f) => /\.mmdb$/i.test(String(f.name ?? ''));
  // Databases first, so that the logs dropped with them are looked up too.
  for (const f of [...list].filter(isDatabase)) await addDatabase(f);
  // Sigma rules (rules.mjs): listed with the files, evaluated once the logs are read.
  for (const f of [...list].filter(isRuleFile)) {
    const info = await detections.addFile(f, engine);
    store.files.push(info);
    post({ type: 'progress', file: store.files.length - 1, name: info.name, loaded: f.size, size: f.size, done: true, info });
  }
  const files = [...list].filter((x) => !isDatabase(x) && !isRuleFile(x)).sort((x, y) => collator.compare(String(x.name ?? ''), String(y.name ?? '')));
  let group = null; // { rd, kind, infos: [{ info, fileIdx, fileCode }] }
  const endGroup = () => {
    if (!group) return;
    const g = group;
    group = null;
    const last = g.infos[g.infos.length - 1];
    try {
      const end = g.rd.finish();
      addAll(end.items, last.fileIdx, last.fileCode, last.info);
      for (const { info } of g.infos) {
        info.format ||= end.format;
        info.gzip = info.gzip || end.gzip;
      }
    } catch (e) {
      last.info.failed = String(e?.message ?? e);
      addError({ message: last.info.failed, original: '', offset: null, type: 'input' }, last.fileIdx, last.info);
    }
    flush();
    for (const x of g.infos) post({ type: 'progress', file: x.fileIdx, name: x.info.name, loaded: x.info.size, size: x.info.size, done: true, info: x.info });
  };
  for (const f of files) {
    const fileIdx = store.files.length;
    let name = String(f.name ?? 'file');
    // Two files of one name stay two values of the file filter.
    if (store.dicts.file.map.has(name)) name = `${name} (${fileIdx + 1})`;
    const info = { name, size: f.size, records: 0, errors: 0, salvaged: 0, format: '', gzip: false, failed: '' };
    store.files.push(info);
    const fileCode = store.dicts.file.code(name);
    post({ type: 'progress', file: fileIdx, name: info.name, loaded: 0, size: f.size, done: false });
    let last = 0;
    const sink = (items) => {
      addAll(items, fileIdx, fileCode, info);
      const now = Date.now();
      if (now - last > BATCH_MS) {
        last = now;
        flush();
      }
    };
    const head = new Uint8Array(await f.slice(0, 64).arrayBuffer());
    const gz = head[0] === 0x1f && head[1] === 0x8b;
    const kind = gz ? 'gzip' : /^\s*\{\s*"Records"\s*:/.test(String.fromCharCode(...head)) ? 'records' : null;
    if (!group || !kind || group.kind !== kind) endGroup();
    try {
      if (!group) group = { rd: engine.open(OPTIONS), kind, infos: [] };
      else if (kind === 'records') sink(group.rd.push(new Uint8Array([0x0a])));
      group.infos.push({ info, fileIdx, fileCode });
      const rd = group.rd;
      // Gzip inflates ~10x: smaller slices keep each step short, so queries and progress get a
      // turn between them.
      const step = gz ? CHUNK / 8 : CHUNK;
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
      info.gzip = gz;
      if (!kind) endGroup();
    } catch (e) {
      // The file as a whole could not be read (bad gzip, unknown format, a limit): one error
      // entry for it; records already read stay, and the next file gets a new reader.
      info.failed = String(e?.message ?? e);
      addError({ message: info.failed, original: '', offset: null, type: 'input' }, fileIdx, info);
      const g = group;
      group = null;
      flush();
      for (const x of g?.infos ?? [{ info, fileIdx }]) post({ type: 'progress', file: x.fileIdx, name: x.info.name, loaded: x.info.size, size: x.info.size, done: true, info: x.info });
    }
  }
  endGroup();
  if (detections.active) {
    post({ type: 'detections', ...detections.view(rowOf, store.lines.length), evaluating: true });
    await detections.evaluate(engine, store.lines);
    post({ type: 'detections', ...detections.view(rowOf, store.lines.length) });
  }
  let textMB = 0;
  for (const t of store.lines.blocks) textMB += t.length / 2 ** 20;
  post({ type: 'idle', stats: { ...stats, core: timing.core, lines: timing.lines, textMB, wasmMB: await wasmMemoryMB() } });
}

/** The items of one piece of the engine's output (`items.text`, each record's line at `it.at`). */
function addAll(items, fileIdx, fileCode, info) {
  let b = -1;
  for (const it of items) {
    if (!it.err && b < 0) b = store.lines.block(items.text);
    add(it, fileIdx, fileCode, info, b);
  }
}

function add(it, fileIdx, fileCode, info, b) {
  if (it.err) {
    addError(it.err, fileIdx, info);
    return;
  }
  const c = columnsOf(it.rec);
  store.lines.push(b, it.at, it.len ?? it.line.length);
  store.file.push(fileIdx);
  const ms = timeOf(c.time);
  store.ms.push(ms);
  // A readable time is shown from its milliseconds; only other time texts go in the dictionary
  // (as unique as the records, they would double what the heaps hold).
  if (ms === ms) c.time = '';
  for (const { key } of COLUMNS) store.cols[key].push(key === 'file' ? fileCode : store.dicts[key].code(c[key]));
  const o = it.rec;
  const ec = Object.hasOwn(o, 'error.code') ? o['error.code'] : Object.hasOwn(o, 'errorCode') ? o.errorCode : '';
  store.code.push(store.codes.code(typeof ec === 'string' ? ec : JSON.stringify(ec ?? '')));
  store.ro.push(c.readOnly);
  store.sev.push(c.severity);
  store.salv.push(c.salvaged ? 1 : 0);
  if (c.salvaged) {
    store.salvaged++;
    info.salvaged++;
  }
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

/** Sends the rows and errors the page has not seen yet (typed arrays, transferred). */
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
    const sev = store.sev.a.slice(from, to);
    const salv = store.salv.a.slice(from, to);
    transfer.push(ms.buffer, sev.buffer, salv.buffer);
    const errors = store.errors.slice(store.sentErrors);
    store.sentErrors = store.errors.length;
    store.sentRows = to;
    post({ type: 'rows', from, to, cols, dicts, ms, sev, salv, errors, salvaged: store.salvaged }, transfer);
  }
}

// ---------------------------------------------------------------- queries

let lastText = null; // { q, rows } the previous free-text match, narrowed by longer queries

/** The records whose line contains the text `t` (any letter case, as typed or JSON-escaped). */
function textMatches(t, n) {
  // The same text again over the same records (typed again, or the box cleared and refilled).
  if (lastText && lastText.q === t && lastText.n === n) return lastText.rows;
  const prev = lastText && t.toLowerCase().includes(lastText.q.toLowerCase()) && lastText.n === n ? lastText.rows : null;
  // Lines are JSON text: a value may be there as typed, or with JSON escapes (\" \\ \u202e).
  const quoted = JSON.stringify(t).slice(1, -1);
  const needles = [...new Set([t, quoted, quoted.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)])];
  // Keys are stored as tokens (engine.mjs): a query found in a key's text finds that key's token.
  const lower = needles.map((q) => q.toLowerCase());
  const keyTokens = keysRe(knownKeys().filter((k) => lower.some((q) => k.toLowerCase().includes(q))).map((k) => tokenOf(k.slice(0, -1))));
  let rows;
  if (prev && prev.length < n / 16) {
    // A longer query than the last one: only the last one's few matches can match.
    const res = needles.map((q) => new RegExp(escapeRe(q), 'i'));
    if (keyTokens) res.push(new RegExp(keyTokens));
    const g = new Grow(Uint32Array, 1024);
    for (const i of prev) {
      const line = store.lines.raw(i);
      if (res.some((re) => re.test(line))) g.push(i);
    }
    rows = g.view();
  } else if (needles.length === 1 && !keyTokens) {
    // One literal: the regexp engine's fastest search.
    rows = store.lines.search(t);
  } else {
    // Several forms, or a key's tokens too: one pass with alternatives (measured on 180 MB of
    // compact text: 336 ms, against 443 for a pass for the value and one for the tokens).
    rows = store.lines.searchRe(new RegExp([...needles.map(escapeRe), ...(keyTokens ? [keyTokens] : [])].join('|'), 'gi'));
  }
  lastText = { q: t, rows, n };
  return rows;
}

/**
 * A regexp source matching any of `tokens` (undefined ones left out), or '' for none: tokens of a
 * lead and digits are grouped by all but their last character, so that a query found in many key
 * names is one pass with a few alternatives, not one per key.
 */
function keysRe(tokens) {
  const groups = new Map();
  for (const t of tokens) {
    if (t === undefined) continue;
    const head = t.slice(0, -1);
    groups.set(head, (groups.get(head) ?? '') + t.slice(-1));
  }
  return [...groups].map(([head, lasts]) => `${head}[${lasts}]`).join('|');
}

/**
 * The records holding the member `"key":value` at their top level, exactly (letter case too):
 * the folded search finds candidates, each is checked for the member's bounds. Key and value are
 * texts as the line has them (the detail pane sends them), so any field can be a filter.
 */
function fieldMatches(keyText, valueText, n) {
  const mark = new Uint8Array(n);
  // Case-sensitive, and only as a whole member: after `{` or `,`, before `,` or `}`. The key as
  // stored: its token (engine.mjs), or its text in a line the core did not write compact.
  const token = tokenOf(keyText);
  const key = token === undefined ? escapeRe(`${keyText}:`) : `(?:${token}|${escapeRe(`${keyText}:`)})`;
  const re = new RegExp(`[{,]${key}${escapeRe(valueText)}(?=[,}])`, 'g');
  for (const i of store.lines.searchRe(re)) mark[i] = 1;
  return mark;
}

/**
 * Which records pass the filters, as a per-record test. Filters:
 *   terms  [{ key: column, value, neg }]         a column's value is (not) `value` — every one must hold
 *   fields [{ key: key text, value: value text, neg }]  any field of the record, as the detail pane shows it
 *   risk   '*' (any flag) or one flag;  changes  true: only calls that change something (readOnly false)
 *   text   free text;  from, to  milliseconds
 *   rule   a Sigma rule's index in the Detections panel (rules.mjs): the records it matched (none of them with ruleNeg)
 */
function filterOf(f, n) {
  const tests = [];
  for (const t of f.terms ?? []) {
    if (!store.cols[t.key]) continue;
    const code = store.dicts[t.key].map.get(String(t.value ?? ''));
    const col = store.cols[t.key].a;
    if (code === undefined) {
      if (!t.neg) tests.push(() => false);
    } else tests.push(t.neg ? (i) => col[i] !== code : (i) => col[i] === code);
  }
  for (const fl of f.fields ?? []) {
    const mark = fieldMatches(String(fl.key), String(fl.value), n);
    tests.push(fl.neg ? (i) => mark[i] === 0 : (i) => mark[i] === 1);
  }
  if (f.risk) {
    const vals = store.dicts.risk.values;
    const riskOk = new Uint8Array(vals.length);
    for (let i = 0; i < vals.length; i++) {
      const flags = vals[i] ? vals[i].split(', ') : [];
      riskOk[i] = f.risk === '*' ? flags.length > 0 : flags.includes(f.risk);
    }
    const col = store.cols.risk.a;
    tests.push((i) => riskOk[col[i]] === 1);
  }
  if (typeof f.rule === 'number') {
    const mark = detections.mark(f.rule, n);
    tests.push(f.ruleNeg ? (i) => mark[i] === 0 : (i) => mark[i] === 1);
  }
  if (f.changes) {
    const ro = store.ro.a;
    tests.push((i) => ro[i] === 0);
  }
  const from = typeof f.from === 'number' ? f.from : -Infinity;
  const to = typeof f.to === 'number' ? f.to : Infinity;
  if (from !== -Infinity || to !== Infinity) {
    const ms = store.ms.a;
    tests.push((i) => ms[i] >= from && ms[i] <= to);
  }
  const t = (f.text ?? '').trim();
  if (t) {
    const mark = new Uint8Array(n);
    for (const i of textMatches(t, n)) mark[i] = 1;
    tests.push((i) => mark[i] === 1);
  }
  if (!tests.length) return null;
  if (tests.length === 1) return tests[0];
  return (i) => {
    for (let k = 0; k < tests.length; k++) if (!tests[k](i)) return false;
    return true;
  };
}

/** The indices of records that pass the filters, in the requested order. */
function select(q) {
  const n = store.lines.length;
  const pass = filterOf(q.filters ?? {}, n);
  const sort = q.sort ?? { key: 'time', dir: 1 };
  const perm = order(store.cols[sort.key] ? sort.key : 'time', n);
  const out = new Uint32Array(n);
  let k = 0;
  // Walking the sorted order of all records keeps the filtered ones sorted: no sort per query.
  if (sort.dir === -1) {
    for (let j = n - 1; j >= 0; j--) {
      const i = perm[j];
      if (pass === null || pass(i)) out[k++] = i;
    }
  } else {
    for (let j = 0; j < n; j++) {
      const i = perm[j];
      if (pass === null || pass(i)) out[k++] = i;
    }
  }
  return out.slice(0, k);
}

// Every record's position in each sort order, made once per column and record count.
const orders = new Map();
function order(key, n) {
  const have = orders.get(key);
  if (have && have.n === n) return have.perm;
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (key === 'time') {
    const ms = store.ms.a;
    const tcol = store.cols.time.a;
    const trank = ranks('time');
    // Unparseable times sort after real ones, by their text.
    perm.sort((a, b) => {
      const x = ms[a];
      const y = ms[b];
      const d = x === y || (x !== x && y !== y) ? trank[tcol[a]] - trank[tcol[b]] : x !== x ? 1 : y !== y ? -1 : x - y;
      return d || a - b;
    });
  } else {
    const col = store.cols[key].a;
    const rank = ranks(key);
    perm.sort((a, b) => rank[col[a]] - rank[col[b]] || a - b);
  }
  orders.set(key, { n, perm });
  return perm;
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
  const t0 = performance.now();
  const idx = select(q);
  const t1 = performance.now();
  const summary = summarise(idx);
  const t2 = performance.now();
  const options = optionLists();
  // Where a query's time goes (bench/viewer.mjs prints it).
  const took = { select: Math.round(t1 - t0), summary: Math.round(t2 - t1), options: Math.round(performance.now() - t2) };
  return { idx, total: store.lines.length, summary, options, took };
}

function top(counts, fails, dict, k) {
  const rows = [];
  for (let c = 0; c < counts.length; c++) if (counts[c]) rows.push([c, counts[c]]);
  rows.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return rows.slice(0, k).map(([c, n]) => ({ value: dict.values[c], count: n, failures: fails ? fails[c] : 0 }));
}

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
  let salvaged = 0;
  const risky = [];
  const flags = new Map();
  const riskFlags = dicts.risk.values.map((v) => (v ? v.split(', ') : []));
  const sev = store.sev.a;
  const salv = store.salv.a;
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
    if (salv[i]) salvaged++;
    if (sev[i]) {
      risky.push(i);
      for (const fl of riskFlags[cols.risk.a[i]]) flags.set(fl, (flags.get(fl) ?? 0) + 1);
    }
  }
  const fail = (i) => cols.outcome.a[i] === failCode;
  // Events over time: round, aligned buckets (calendar months or years past a few weeks).
  let hist = null;
  if (min <= max) {
    const { edges, unit, fixed } = buckets(min, max);
    const nb = edges.length - 1;
    const ok = new Uint32Array(nb);
    const bad = new Uint32Array(nb);
    for (const i of idx) {
      const t = ms[i];
      if (t !== t) continue;
      let b;
      if (fixed) b = Math.floor((t - edges[0]) / fixed);
      else {
        let lo = 0;
        let hi = nb - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (edges[mid] <= t) lo = mid;
          else hi = mid - 1;
        }
        b = lo;
      }
      if (fail(i)) bad[b]++;
      else ok[b]++;
    }
    hist = { edges, unit, ok, bad };
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
  // Risky records ranked: worst severity first, then the latest first.
  risky.sort((a, b) => sev[b] - sev[a] || (ms[b] || 0) - (ms[a] || 0) || a - b);
  return {
    count: idx.length,
    failures,
    salvaged,
    hist,
    actions: top(actions, actionFails, dicts.action, 10),
    principals: top(principals, principalFails, dicts.principal, 10),
    errorCodes: [...codes].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([value, count]) => ({ value, count })),
    riskFlags: [...flags].sort((a, b) => b[1] - a[1]).map(([value, count]) => ({ value, count })),
    // The first 50, as rows: each one's evidence is read when it is opened (message 'evidence').
    risky: risky.slice(0, 50).map(rowOf),
    riskyCount: risky.length,
  };
}

/** The enrichment of a stored line, parsed (the part after the record's own keys). */
function enrichmentOf(line) {
  const at = line.lastIndexOf(',"@timestamp":');
  if (at > 0) {
    try {
      const o = JSON.parse(`{${line.slice(at + 1)}`);
      if (Object.hasOwn(o, 'cloud.provider')) return o;
    } catch {
      // the whole line below
    }
  }
  return JSON.parse(line);
}

const cap = (v, n = 2000) => {
  const t = typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
  return t.length > n ? `${t.slice(0, n)}…` : t;
};

/** A diff entry for the page: before/after as text, null where the key was absent. */
const sideOf = (d) => ({
  key: cap(d?.key, 400),
  before: d && typeof d === 'object' && 'before' in d ? cap(d.before) : null,
  after: d && typeof d === 'object' && 'after' in d ? cap(d.after) : null,
});

/** A record's flags with severity and evidence, state flags and change flags alike. */
function flagsOf(o) {
  const out = [];
  for (const k of ['cloudfront.change.flag_details', 'cloudfront.risk_details']) {
    const v = o[k];
    if (!Array.isArray(v)) continue;
    for (const d of v) {
      if (!d || typeof d !== 'object') continue;
      const ev = Array.isArray(d.evidence) ? d.evidence.slice(0, 20) : [];
      out.push({
        flag: cap(d.flag, 200),
        severity: SEVERITIES.includes(String(d.severity).toLowerCase()) ? String(d.severity).toLowerCase() : '',
        kind: cap(d.kind ?? (k.includes('change') ? 'diff' : ''), 40),
        evidence: ev.map((e) => (e && typeof e === 'object' && ('before' in e || 'after' in e || k.includes('change')) ? sideOf(e) : { key: cap(e?.key, 400), value: cap(e?.value) })),
      });
    }
  }
  // Flags named without details (older builds) still show.
  for (const k of ['cloudfront.change.flags', 'cloudfront.risk']) {
    const v = o[k];
    for (const f of Array.isArray(v) ? v : []) if (!out.some((d) => d.flag === f)) out.push({ flag: cap(f, 200), severity: '', kind: '', evidence: [] });
  }
  out.sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity));
  return out;
}

function prevOf(o) {
  const p = o['cloudfront.change.previous'];
  const time = o['cloudfront.change.previous.event_time'] ?? (p && typeof p === 'object' ? p.event_time : undefined);
  const action = o['cloudfront.change.previous.event_name'] ?? (p && typeof p === 'object' ? p.event_name : undefined);
  return time === undefined && action === undefined ? null : { time: cap(time ?? '', 60), action: cap(action ?? '', 200) };
}

/** What a record changed: state, the changed keys and each one's before → after. */
function changeOf(o) {
  const diff = Array.isArray(o['cloudfront.change.diff']) ? o['cloudfront.change.diff'] : [];
  return {
    state: cap(o['cloudfront.change.state'] ?? '', 40),
    // Flat keys (cloudfront.change.previous.event_time ...), or an object in other shapes.
    previous: prevOf(o),
    fields: Array.isArray(o['cloudfront.change.fields']) ? o['cloudfront.change.fields'].slice(0, 200).map((k) => cap(k, 400)) : [],
    diff: diff.slice(0, 100).map(sideOf),
    more: Math.max(0, diff.length - 100) + (o['cloudfront.change.diff_truncated'] === true ? 1 : 0),
  };
}

function rowOf(i) {
  const { cols, dicts } = store;
  const ms = store.ms.a[i];
  return {
    index: i,
    time: ms === ms ? isoOf(ms) : dicts.time.values[cols.time.a[i]],
    resource: dicts.resource.values[cols.resource.a[i]],
    action: dicts.action.values[cols.action.a[i]],
    principal: dicts.principal.values[cols.principal.a[i]],
    outcome: dicts.outcome.values[cols.outcome.a[i]],
    account: dicts.account.values[cols.account.a[i]],
    risk: dicts.risk.values[cols.risk.a[i]],
    severity: SEVERITIES[store.sev.a[i]],
    salvaged: store.salv.a[i] === 1,
  };
}

/** A record's flags with their evidence, and what it changed. */
function evidence(i) {
  const line = store.lines.get(i);
  if (line === undefined) return { flags: [], change: changeOf({}) };
  const o = enrichmentOf(line);
  return { flags: flagsOf(o), change: changeOf(o) };
}

/**
 * Every call that touched one resource (a distribution id), oldest first, each with what it
 * changed: the records naming it, and failed calls whose error names its ARN (a denied
 * attempt's only trace of its target, in builds that do not yet take the id from there).
 */
function timeline(id) {
  const n = store.lines.length;
  const code = store.dicts.resource.map.get(id);
  const col = store.cols.resource.a;
  const mark = new Uint8Array(n);
  if (code !== undefined) for (let i = 0; i < n; i++) if (col[i] === code) mark[i] = 1;
  const empty = store.dicts.resource.map.get('');
  if (id && empty !== undefined) {
    const arn = `distribution/${id}`;
    for (const i of store.lines.search(arn)) if (col[i] === empty && store.lines.get(i).includes(arn)) mark[i] = 1;
  }
  const perm = order('time', n);
  const all = [];
  for (let j = 0; j < n; j++) if (mark[perm[j]]) all.push(perm[j]);
  const LIMIT = 1000;
  const entries = all.slice(0, LIMIT).map((i) => {
    const o = enrichmentOf(store.lines.get(i));
    return { ...rowOf(i), errorCode: cap(o['error.code'] ?? '', 200), flags: flagsOf(o), change: changeOf(o) };
  });
  return { id, count: all.length, entries };
}

/** Every value of the filterable columns with its count over all records, most frequent first. */
let optionsCache = null;
function optionLists() {
  const n = store.lines.length;
  if (optionsCache?.n === n) return optionsCache.out;
  const out = {};
  for (const key of ['action', 'principal', 'outcome', 'resource', 'account', 'region', 'idtype', 'file']) {
    const counts = new Uint32Array(store.dicts[key].values.length);
    const col = store.cols[key].a;
    for (let i = 0; i < n; i++) counts[col[i]]++;
    out[key] = top(counts, null, store.dicts[key], 2000).filter((r) => r.value !== '').map(({ value, count }) => ({ value, count }));
  }
  const flags = new Map();
  const counts = new Uint32Array(store.dicts.risk.values.length);
  const col = store.cols.risk.a;
  for (let i = 0; i < n; i++) counts[col[i]]++;
  store.dicts.risk.values.forEach((v, c) => {
    if (v) for (const fl of v.split(', ')) flags.set(fl, (flags.get(fl) ?? 0) + counts[c]);
  });
  out.risk = [...flags].sort((a, b) => b[1] - a[1]).map(([value, count]) => ({ value, count }));
  optionsCache = { n, out };
  return out;
}

// ---------------------------------------------------------------- details and export

function detail(index) {
  const line = store.lines.get(index);
  if (line === undefined) return { index, missing: true };
  const o = JSON.parse(line);
  // From the text, not the parsed object: numbers exactly as written, duplicate keys kept.
  // Each field: [key, value (text of a string, else its JSON text), type, key text, value text].
  const TYPE = { '"': 'string', '[': 'array', '{': 'object', t: 'boolean', f: 'boolean', n: 'null' };
  const fields = members(line).map(([k, v, kt]) => {
    const type = TYPE[v[0]] ?? 'number';
    return [k, type === 'string' ? JSON.parse(v) : v, type, kt, v];
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
  // A salvaged record: where it was damaged, in its raw text.
  let damage = null;
  if (o['event.salvaged'] === true) {
    const ds = Array.isArray(o['event.salvage.damages']) ? o['event.salvage.damages'] : [];
    damage = {
      original: typeof o['event.original'] === 'string' ? o['event.original'] : '',
      truncated: o['event.salvage.truncated'] === true,
      damages: ds.slice(0, 50).map((d) => ({ offset: typeof d?.offset === 'number' ? d.offset : -1, path: cap(d?.path ?? '', 400), message: cap(d?.message ?? '', 400) })),
    };
  }
  return { index, file: store.files[store.file.a[index]]?.name ?? '', fields, rawCount, original: prettyJson(original), line, damage, flags: flagsOf(o), change: changeOf(o), resource: store.dicts.resource.values[store.cols.resource.a[index]] };
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
    for (const i of idx) parts.push(store.lines.get(i), '\n');
  }
  const type = format === 'csv' ? 'text/csv;charset=utf-8' : 'application/x-ndjson';
  return { blob: new Blob(parts, { type }), count: idx.length, format };
}
