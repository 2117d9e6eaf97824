// Pure helpers shared by the worker and the page: what a row shows, CSV cells, the visible form
// of control characters, JSON pretty-printing that keeps number text exact, and the split between
// a record's own keys and the enrichment keys. No DOM here.

/**
 * The column store's columns: key, header, and whether the table shows it at first (the column
 * chooser shows the others). Every one is a dictionary-encoded column in the worker, so a filter
 * on any of them compares small integers.
 */
export const COLUMNS = [
  { key: 'time', label: 'Time (UTC)', show: true },
  { key: 'action', label: 'Action', show: true },
  { key: 'principal', label: 'Principal', show: true },
  { key: 'ip', label: 'Source IP', show: true },
  { key: 'outcome', label: 'Outcome', show: true },
  { key: 'resource', label: 'Resource', show: true },
  { key: 'risk', label: 'Risk flags', show: true },
  { key: 'account', label: 'Account' },
  { key: 'region', label: 'Region' },
  { key: 'idtype', label: 'Identity type' },
  { key: 'mfa', label: 'MFA' },
  { key: 'change', label: 'Change' },
  { key: 'file', label: 'File' },
];

/** A growable typed array (the worker's column stores and the page's copies of them). */
export class Grow {
  constructor(Type = Uint32Array, n = 1024) {
    this.Type = Type;
    this.a = new Type(n);
    this.length = 0;
  }
  reserve(n) {
    if (n <= this.a.length) return;
    let m = this.a.length * 2;
    while (m < n) m *= 2;
    const c = new this.Type(m);
    c.set(this.a.subarray(0, this.length));
    this.a = c;
  }
  push(v) {
    this.reserve(this.length + 1);
    this.a[this.length++] = v;
  }
  append(b) {
    this.reserve(this.length + b.length);
    this.a.set(b, this.length);
    this.length += b.length;
  }
  view() {
    return this.a.subarray(0, this.length);
  }
}

/** Severity names, lowest first; a record's rank is its worst flag's (0: no flag). */
export const SEVERITIES = ['', 'low', 'medium', 'high', 'critical'];
export const severityRank = (s) => Math.max(0, SEVERITIES.indexOf(typeof s === 'string' ? s.toLowerCase() : ''));

/** Any flat value as one line of text. */
export function text(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(', ');
  return JSON.stringify(v);
}

const first = (o, keys) => {
  for (const k of keys) {
    if (Object.hasOwn(o, k)) {
      const v = o[k];
      if (v !== null && v !== undefined && v !== '') return text(v);
    }
  }
  return '';
};

// CloudFront resource keys the enrichment writes, most telling first.
const RESOURCE_KEY = /^cloudfront\.([a-z_]+)\.(id|name|arn)$/;

/** The row a flat record shows as. Reads the enrichment contract first, raw keys second. */
export function columnsOf(o) {
  const time = first(o, ['@timestamp', 'eventTime']);
  // An object that is not a CloudTrail record (the core marks it) is no call: no outcome.
  const notCloudTrail = o['error.type'] === 'not_cloudtrail';
  const outcome = notCloudTrail
    ? ''
    : first(o, ['event.outcome']) ||
      (Object.hasOwn(o, 'errorCode') || Object.hasOwn(o, 'errorMessage') ? 'failure' : o.eventName !== undefined ? 'success' : '');
  let resource = first(o, ['cloudfront.distribution.id', 'cloudfront.change.resource_id']);
  // Without enrichment (older builds), the usual places CloudFront puts a distribution id.
  const cloudfront = /cloudfront/.test(text(o['event.provider'] ?? o.eventSource ?? '')) || (!o.eventSource && /Distribution|Invalidation/.test(text(o.eventName)));
  if (!resource && cloudfront) {
    resource = first(o, ['requestParameters.id', 'requestParameters.distributionId', 'responseElements.distribution.id']);
  }
  if (!resource) {
    for (const k in o) {
      if (k.charCodeAt(0) !== 99 /* c */ || !k.startsWith('cloudfront.')) continue;
      const m = RESOURCE_KEY.exec(k);
      if (m && m[1] !== 'distribution' && typeof o[k] === 'string' && o[k]) {
        resource = `${m[1].replace(/_/g, ' ')}: ${o[k]}`;
        break;
      }
    }
  }
  // State flags (one record) and change flags (against the last known configuration), once each.
  const flags = [];
  for (const k of ['cloudfront.change.flags', 'cloudfront.risk']) {
    const v = Object.hasOwn(o, k) ? o[k] : null;
    for (const f of Array.isArray(v) ? v : v === null || v === '' ? [] : [v]) {
      const t = text(f);
      if (t && !flags.includes(t)) flags.push(t);
    }
  }
  let severity = 0;
  const rank = new Map();
  for (const k of ['cloudfront.change.flag_details', 'cloudfront.risk_details']) {
    const v = Object.hasOwn(o, k) ? o[k] : null;
    if (Array.isArray(v)) {
      for (const d of v) {
        if (!d || typeof d !== 'object') continue;
        const r = severityRank(d.severity);
        severity = Math.max(severity, r);
        const f = text(d.flag);
        rank.set(f, Math.max(rank.get(f) ?? 0, r));
      }
    }
  }
  // Worst first (change flags before state flags of one severity): what a cut cell shows.
  flags.sort((a, b) => (rank.get(b) ?? 0) - (rank.get(a) ?? 0));
  // A flag without details still counts as risky (low), so it ranks and is never dropped.
  if (flags.length && !severity) severity = 1;
  // An Insights event is about another call: it shows as that call, marked as an insight.
  const insight = first(o, ['cloudtrail.insight.event_name', 'insightDetails.eventName']);
  const action = insight
    ? `${insight.replace(/\d{4}_\d{2}_\d{2}$/, '')} (Insight${first(o, ['cloudtrail.insight.type', 'insightDetails.insightType']) ? `: ${first(o, ['cloudtrail.insight.type', 'insightDetails.insightType'])}` : ''}${first(o, ['cloudtrail.insight.state', 'insightDetails.state']) ? ` ${first(o, ['cloudtrail.insight.state', 'insightDetails.state'])}` : ''})`
    : first(o, ['event.action', 'eventName']);
  const ro = Object.hasOwn(o, 'cloudtrail.read_only') ? o['cloudtrail.read_only'] : o.readOnly;
  const mfa = Object.hasOwn(o, 'cloudtrail.mfa_authenticated') ? o['cloudtrail.mfa_authenticated'] : o['userIdentity.sessionContext.attributes.mfaAuthenticated'];
  const state = first(o, ['cloudfront.change.state']);
  const changed = Array.isArray(o['cloudfront.change.fields']) ? o['cloudfront.change.fields'].length : 0;
  return {
    time,
    action,
    principal: first(o, ['user.name', 'userIdentity.userName']) || arnName(first(o, ['userIdentity.arn'])) || first(o, ['userIdentity.invokedBy', 'userIdentity.principalId']),
    ip: first(o, ['source.ip', 'source.address', 'sourceIPAddress']),
    outcome,
    resource,
    risk: flags.join(', '),
    account: first(o, ['cloud.account.id', 'recipientAccountId', 'userIdentity.accountId']),
    region: first(o, ['cloud.region', 'awsRegion']),
    idtype: first(o, ['cloudtrail.identity.type', 'userIdentity.type']),
    mfa: mfa === true || mfa === 'true' ? 'yes' : mfa === false || mfa === 'false' ? 'no' : '',
    change: state === 'changed' ? `${changed} field${changed === 1 ? '' : 's'} changed` : state.replace(/_/g, ' '),
    // Not columns: what the worker keeps beside them.
    readOnly: ro === true || ro === 'true' ? 1 : ro === false || ro === 'false' ? 0 : 2,
    severity,
    salvaged: o['event.salvaged'] === true,
  };
}

/** The last part of an ARN (`…/session` → `session`, `…:root` → `root`); the enrichment's `user.name` is better. */
function arnName(arn) {
  if (!arn) return '';
  const cut = Math.max(arn.lastIndexOf('/'), arn.lastIndexOf(':'));
  return cut >= 0 && cut < arn.length - 1 ? arn.slice(cut + 1) : arn;
}

/**
 * Where in a record's raw text its error points, from the message's "line L, column C" (both
 * from one; the column counts bytes, which equals characters for ASCII). -1 when unknown.
 */
export function errorIndex(message, raw) {
  const m = /line (\d+), column (\d+)/.exec(message);
  if (!m) return -1;
  let at = 0;
  for (let line = 1; line < Number(m[1]); line++) {
    at = raw.indexOf('\n', at);
    if (at < 0) return -1;
    at++;
  }
  const i = at + Number(m[2]) - 1;
  return i < raw.length ? i : -1;
}

// ---------------------------------------------------------------- time buckets

const SEC = 1000;
const FIXED = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400].map((s) => s * SEC);
// Past weeks, buckets are calendar months, quarters or years (UTC), each starting on its first day.
const CALENDAR = [1, 3, 12];

/** Buckets of about 60 (fixed widths) or up to 120 (calendar months) over [min, max]: their edges. */
export function buckets(min, max) {
  const span = Math.max(1, max - min);
  const step = FIXED.find((s) => span / s <= 60);
  if (step) {
    // Weeks start on Monday (the epoch was a Thursday).
    const shift = step === 7 * 86400 * SEC ? 4 * 86400 * SEC : 0;
    const start = Math.floor((min - shift) / step) * step + shift;
    const nb = Math.floor((max - start) / step) + 1;
    const edges = new Float64Array(nb + 1);
    for (let i = 0; i <= nb; i++) edges[i] = start + i * step;
    return { edges, unit: step >= 86400 * SEC ? 'day' : step >= 60 * SEC ? 'minute' : 'second', fixed: step };
  }
  const a = new Date(min);
  const z = new Date(max);
  const months = (z.getUTCFullYear() - a.getUTCFullYear()) * 12 + z.getUTCMonth() - a.getUTCMonth() + 1;
  const per = CALENDAR.find((m) => months / m <= 120) ?? Math.ceil(months / 120 / 12) * 12;
  let y = a.getUTCFullYear();
  let m = Math.floor(a.getUTCMonth() / per) * per;
  if (per >= 12) {
    y = Math.floor(y / (per / 12)) * (per / 12);
    m = 0;
  }
  const edges = [];
  for (;;) {
    const t = Date.UTC(y, m, 1);
    edges.push(t);
    if (t > max) break;
    m += per;
  }
  return { edges: Float64Array.from(edges), unit: per >= 12 ? 'year' : 'month', fixed: 0 };
}

/** A time as shown: ISO 8601 UTC, milliseconds only when there are some. */
export function isoOf(ms) {
  const t = new Date(ms).toISOString();
  return ms % 1000 === 0 ? `${t.slice(0, 19)}Z` : t;
}

/** Milliseconds since the epoch for a time text, NaN when it is not a time. */
export function timeOf(t) {
  if (!t || t.length > 40) return NaN;
  return Date.parse(t);
}

// Bidi overrides/isolates/marks, other invisible format characters and C0/C1 controls: shown
// as ⟨U+XXXX⟩ so a value cannot reorder or hide what is on screen (Trojan-Source style).
const INVISIBLE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/g;

/** The on-screen form of a value: controls made visible, newlines and tabs kept. */
export function visible(s) {
  return s.replace(INVISIBLE, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

/** One line for a table cell: visible(), newlines as ⏎, cut at `max` characters. */
export function cell(s, max = 240) {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return visible(cut).replace(/\r?\n|\t/g, (c) => (c === '\t' ? '⇥' : '⏎'));
}

/** A CSV cell: quoted, and formula-safe (a leading = + - @ tab or CR gets a ' before it). */
export function csvCell(v) {
  let s = text(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

/** The CSV export's columns: the enrichment contract plus the raw keys people grep for. */
export const CSV_KEYS = [
  '@timestamp', 'event.action', 'event.provider', 'event.outcome', 'user.name', 'source.ip', 'source.address',
  'cloud.account.id', 'cloud.region', 'cloudfront.distribution.id', 'cloudfront.risk', 'error.code', 'error.message',
  'eventName', 'eventSource', 'userIdentity.type', 'userIdentity.arn', 'userAgent', 'eventID', 'requestID',
];

export function csvRow(values) {
  return values.map(csvCell).join(',');
}

// The keys the enrichment writes (flat profile). They follow the record's own keys.
const ENRICH_KEY = /^(?:@timestamp|(?:event|cloudtrail|cloud|user|source|user_agent|cloudfront|enrich)\..+|error\.(?:code|message|type))$/;

/** Where the trailing enrichment keys start in a flat record's keys (its own keys come first). */
export function enrichedFrom(keys) {
  let cut = keys.length;
  while (cut > 0 && ENRICH_KEY.test(keys[cut - 1])) cut--;
  return cut;
}

/** Splits a flat record's keys into its own (raw) keys and the trailing enrichment keys. */
export function splitKeys(o) {
  const keys = Object.keys(o);
  const cut = enrichedFrom(keys);
  return { raw: keys.slice(0, cut), enriched: keys.slice(cut) };
}

/**
 * A fallback unflatten (the package's own is exact; this one is used only when the build has
 * none): `.` splits, `~1`/`~0` unescape; objects without prototypes so `__proto__` is data.
 */
export function unflattenJs(flat) {
  const root = Object.create(null);
  for (const k of Object.keys(flat)) {
    const parts = k.split('.').map((p) => p.replace(/~1/g, '.').replace(/~0/g, '~'));
    let node = root;
    let ok = true;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i];
      if (!Object.hasOwn(node, p)) node[p] = Object.create(null);
      else if (typeof node[p] !== 'object' || node[p] === null || Array.isArray(node[p])) {
        ok = false;
        break;
      }
      node = node[p];
    }
    const v = flat[k];
    const val = Array.isArray(v) ? v.map((x) => (x && typeof x === 'object' && !Array.isArray(x) ? unflattenJs(x) : x)) : v;
    if (ok) node[parts[parts.length - 1]] = val;
    else root[k] = val;
  }
  return root;
}

/** The end (exclusive) of the JSON value starting at src[i] (valid JSON assumed). */
function valueEnd(src, i) {
  let depth = 0;
  for (let j = i; j < src.length; j++) {
    const c = src[j];
    if (c === '"') {
      j++;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (depth === 0) return j + 1;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      // A scalar's end at the object's close (`1}`), or a nested value's own close.
      if (depth === 0) return j;
      depth--;
      if (depth === 0) return j + 1;
    } else if (depth === 0 && (c === ',' || c === '}' || /\s/.test(c))) return j;
  }
  return src.length;
}

/**
 * The top-level members of a JSON object's text, in text order, duplicates kept, as
 * [key, value text, key text]: texts are exact (integers past 2^53 stay as written).
 */
export function members(src) {
  const out = [];
  let i = src.indexOf('{') + 1;
  while (i > 0 && i < src.length) {
    while (i < src.length && /[\s,]/.test(src[i])) i++;
    if (src[i] !== '"') break;
    const kEnd = valueEnd(src, i);
    const keyText = src.slice(i, kEnd);
    const key = JSON.parse(keyText);
    i = src.indexOf(':', kEnd) + 1;
    while (/\s/.test(src[i])) i++;
    const vEnd = valueEnd(src, i);
    out.push([key, src.slice(i, vEnd), keyText]);
    i = vEnd;
  }
  return out;
}

/** Pretty-prints JSON text without parsing numbers (so 2^53+ integers stay exact). */
export function prettyJson(src, indent = '  ') {
  let out = '';
  let depth = 0;
  let i = 0;
  const n = src.length;
  const nl = () => `\n${indent.repeat(depth)}`;
  while (i < n) {
    const c = src[i];
    if (c === '"') {
      let j = i + 1;
      while (j < n && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      let j = i + 1;
      while (j < n && /\s/.test(src[j])) j++;
      if (src[j] === close) {
        out += c + close;
        i = j + 1;
        continue;
      }
      depth++;
      out += c + nl();
    } else if (c === '}' || c === ']') {
      depth = Math.max(0, depth - 1);
      out += nl() + c;
    } else if (c === ',') {
      out += `,${nl()}`;
    } else if (c === ':') {
      out += ': ';
    } else if (!/\s/.test(c)) {
      out += c;
    }
    i++;
  }
  return out;
}
