// The worker's side of the Detections panel: Sigma rule files dropped on the page (.yml, .yaml)
// are read here with the `yaml` package's browser build (the core takes rules as the objects
// their YAML reads into, docs/DETECTIONS.md), checked by the core one by one, and evaluated by
// the core over the records: those already read and those read after. So rules work dropped
// with the logs, before them or after them, through one path.
//
// The records are kept as flat NDJSON lines (worker.mjs); the core's rules read CloudTrail's
// nested fields, so each record's own keys go back through the core's unflatten and then through
// a reader of the core with only the rules on (`enrich: false`). Each record carries its index
// there under a key named by a random nonce, and each rule is given an id of the same nonce: a
// record's own `rule.id` (attacker-controlled, like every value) can never pass for a match.
import * as api from '../web.mjs';
import { enrichedFrom, splitKeys } from './model.mjs';

// A path on the server, not a file of this package: the server's root is the repository (or the
// project) whose node_modules holds `yaml`, and serve.mjs serves it there from wherever npm put it
// (beside this package, when installed). A server that puts the page under a sub-path has no
// such file: the panel then says the rules could not be read.
const YAML_URL = new URL('/node_modules/yaml/browser/index.js', import.meta.url).href;
let yamlLib = null;

export const isRuleFile = (f) => /\.ya?ml$/i.test(String(f?.name ?? ''));

const NONCE = `cftv${Array.from(crypto.getRandomValues(new Uint32Array(3)), (x) => x.toString(36)).join('')}`;
const INDEX_KEY = `{"${NONCE}":`;
// Records sent through the core per push: bounded text, progress between pushes.
const BATCH_CHARS = 4 << 20;
// Matching records listed per rule in the panel (the table shows them all, filtered).
const SAMPLES = 5;
const LEVELS = ['critical', 'high', 'medium', 'low', 'informational'];

const cap = (v, n = 2000) => {
  const t = typeof v === 'string' ? v : v === undefined || v === null ? '' : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v) ?? '';
  return t.length > n ? `${t.slice(0, n)}…` : t;
};
const capList = (v, k = 50, n = 2000) => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).slice(0, k).map((x) => cap(x, n));

export class Detections {
  constructor() {
    this.rules = []; // { file, text, rule, meta, error }
    this.hits = []; // per rule: record indices, ascending
    this.done = 0; // records [0, done) evaluated against every rule
    this.marks = new Map(); // rule index → { n, mark }
    this.error = '';
  }

  get active() {
    return this.rules.length > 0;
  }

  /**
   * Reads one rule file (several YAML documents may be in it). Each rule is checked by the core
   * on its own, so one the core refuses is listed with the reason and the others still run.
   * Resolves to the file's entry for the file list.
   */
  async addFile(f, engine) {
    const info = { name: String(f.name ?? 'rules.yml'), size: f.size, records: 0, errors: 0, format: 'sigma rules', gzip: false, failed: '' };
    let text;
    try {
      text = await f.text();
      yamlLib ??= import(YAML_URL);
      const { parseAllDocuments } = await yamlLib;
      const docs = parseAllDocuments(text);
      for (const doc of Array.isArray(docs) ? docs : [docs]) {
        const src = text.slice(doc.range?.[0] ?? 0, doc.range?.[2] ?? text.length);
        if (doc.errors?.length) {
          this.push(info.name, src, null, `YAML: ${doc.errors[0].message}`);
          continue;
        }
        const rule = doc.toJS({ maxAliasCount: 100 });
        if (rule === null || rule === undefined) continue;
        let error = '';
        if (typeof rule !== 'object' || Array.isArray(rule)) error = 'not a rule: the YAML document is not a map';
        else {
          try {
            engine.open({ rules: [this.tagged(rule, 0)], enrich: false }).finish();
          } catch (e) {
            // The core names the rule by its place in the list it got: here always 0.
            error = String(e?.message ?? e).replace(/^option: rule 0 /, 'option: rule ');
          }
        }
        this.push(info.name, src, error ? null : rule, error, rule);
      }
    } catch (e) {
      // The YAML reader itself could not load (a server without node_modules), or the file
      // could not be read: said in the panel and in the file list.
      info.failed = String(e?.message ?? e);
      this.error = `${info.name}: ${info.failed}`;
    }
    this.done = 0; // a new rule: every record is evaluated again
    this.marks.clear();
    return info;
  }

  push(file, text, rule, error, raw = rule) {
    const r = raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
    const tags = capList(r.tags, 50, 200);
    this.rules.push({
      file,
      text: cap(text, 200_000),
      rule,
      error: cap(error, 2000),
      meta: {
        title: cap(r.title, 500),
        id: cap(r.id, 200),
        level: LEVELS.includes(String(r.level).toLowerCase()) ? String(r.level).toLowerCase() : cap(r.level, 40),
        status: cap(r.status, 40),
        author: cap(r.author, 500),
        date: cap(r.date, 40),
        description: cap(r.description, 5000),
        references: capList(r.references),
        falsepositives: capList(r.falsepositives, 50, 500),
        tags,
        techniques: tags.filter((t) => /^attack\.t[\d.]{4,}$/.test(t)).map((t) => `T${t.slice(8)}`),
      },
    });
    this.hits.push([]);
  }

  /** The rule with this panel index, as the core gets it: its id is the nonce and its index. */
  tagged(rule, k) {
    return { ...rule, id: `${NONCE}-${k}` };
  }

  /**
   * Evaluates the rules over the records not evaluated yet (all of them after a new rule).
   * `lines` is the worker's LineStore. Between batches it yields, so the page's queries are
   * answered meanwhile (ingest, which calls it, is the only writer of the store).
   */
  async evaluate(engine, lines) {
    const n = lines.length;
    if (this.done >= n) return;
    const live = [];
    this.rules.forEach((r, k) => r.rule && live.push(this.tagged(r.rule, k)));
    if (this.done === 0) for (const h of this.hits) h.length = 0;
    this.marks.clear();
    if (!live.length) {
      this.done = n;
      return;
    }
    const rd = openText(engine, { rules: live, enrich: false });
    const enc = new TextEncoder();
    const take = (text) => {
      for (const [i, ids] of matchesIn(text)) {
        for (const id of ids) {
          if (typeof id !== 'string' || !id.startsWith(`${NONCE}-`)) continue;
          const h = this.hits[Number(id.slice(NONCE.length + 1))];
          if (h && h[h.length - 1] !== i) h.push(i);
        }
      }
    };
    let parts = [];
    let size = 0;
    for (let i = this.done; i < n; i++) {
      const nested = this.nestedOf(engine, lines.get(i));
      if (nested === null) continue;
      const part = `${INDEX_KEY}${i}${nested.length > 2 ? ',' : ''}${nested.slice(1)}\n`;
      parts.push(part);
      size += part.length;
      if (size >= BATCH_CHARS) {
        take(rd.push(enc.encode(parts.join(''))));
        parts = [];
        size = 0;
        await new Promise((ok) => setTimeout(ok, 0));
      }
    }
    if (parts.length) take(rd.push(enc.encode(parts.join(''))));
    take(rd.finish());
    this.done = n;
    // A query made between batches may have kept a mark of part of the matches.
    this.marks.clear();
  }

  /** A stored flat line's own keys, nested again (the record as CloudTrail wrote it), as JSON text. */
  nestedOf(engine, line) {
    if (line === undefined) return null;
    try {
      const flat = ownText(line);
      const text = engine.unflatten ? engine.unflatten(flat) : null;
      return typeof text === 'string' && text.startsWith('{') ? text : null;
    } catch {
      return null;
    }
  }

  /** Which records match rule `k` (1) or not (0), for the table filter. */
  mark(k, n) {
    const have = this.marks.get(k);
    if (have && have.n === n) return have.mark;
    const mark = new Uint8Array(n);
    for (const i of this.hits[k] ?? []) if (i < n) mark[i] = 1;
    this.marks.set(k, { n, mark });
    return mark;
  }

  /** What the panel shows: every rule with its count and first matching records. */
  view(rowOf, total) {
    return {
      total,
      error: this.error,
      rules: this.rules.map((r, k) => ({
        index: k,
        file: r.file,
        text: r.text,
        error: r.error,
        ...r.meta,
        count: this.hits[k].length,
        samples: this.hits[k].slice(0, SAMPLES).map(rowOf),
      })),
    };
  }
}

/**
 * A flat line's own keys as JSON text. The enrichment follows them and starts with `@timestamp`
 * (engine.mjs): the text before the last `,"@timestamp":` is taken as it is when what follows is
 * enrichment keys only; otherwise (no eventTime, or a record with a key of that name) the line is
 * parsed and its own keys picked one by one.
 */
function ownText(line) {
  const at = line.lastIndexOf(',"@timestamp":');
  if (at > 0) {
    try {
      if (enrichedFrom(Object.keys(JSON.parse(`{${line.slice(at + 1)}`))) === 0) return `${line.slice(0, at)}}`;
    } catch {
      // the whole line below
    }
  }
  const o = JSON.parse(line);
  const own = Object.create(null);
  for (const k of splitKeys(o).raw) own[k] = o[k];
  return JSON.stringify(own);
}

/**
 * A reader of the core giving NDJSON text, so that only the lines that name a rule are parsed
 * (the engine's reader parses every line). Builds without createSplitter: the engine's reader.
 */
function openText(engine, options) {
  if (typeof api.createSplitter === 'function') {
    const sp = api.createSplitter(options);
    return {
      push: (bytes) => sp.push(bytes),
      finish() {
        const out = sp.finish();
        sp.free?.();
        return typeof out === 'string' ? out : out?.ndjson ?? '';
      },
    };
  }
  const rd = engine.open(options);
  const lines = (items) => items.map((it) => it.line ?? '').join('\n');
  return { push: (bytes) => lines(rd.push(bytes)), finish: () => lines(rd.finish().items) };
}

const RULE_ID = ',"rule.id":';

/** [record index, rule ids] of the output lines that carry both (NDJSON text, or bytes). */
function* matchesIn(out) {
  const text = typeof out === 'string' ? out : new TextDecoder().decode(out);
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    // Every line starts with the index key (the record's first key, as it went in).
    if (text.startsWith(INDEX_KEY, start)) {
      const r = text.lastIndexOf(RULE_ID, end);
      if (r > start) {
        const i = Number.parseInt(text.slice(start + INDEX_KEY.length, start + INDEX_KEY.length + 12), 10);
        let ids = null;
        try {
          ids = JSON.parse(`{${text.slice(r + 1, end)}`)['rule.id'];
        } catch {
          ids = null;
        }
        if (Number.isInteger(i) && ids !== null) yield [i, [].concat(ids)];
      }
    }
    start = end + 1;
  }
}
