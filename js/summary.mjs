// The CLI's terminal report (`cloudfront-trail --summary`): what a log holds, in one screen, in
// the spirit of the viewer's summary cards. Records are added one at a time and only counters,
// bounded top-N tables and a bounded list of risky changes are kept, so memory stays flat however
// large the input. Reads the enrichment contract (docs/SCHEMA.md) in the flat or ECS shape, the
// OCSF names, and the raw CloudTrail keys when enrichment is off.

// Distinct values kept per table before the rarest are dropped (counts then become approximate
// and the report says so), and the longest value text kept.
const TABLE_CAP = 4096;
const VALUE_CHARS = 160;
// Risky changes kept for the report (most severe, then latest, first), rows per table and
// evidence per flag shown: what fits one screen.
const RISKY_KEEP = 8;
const TOP_SHOWN = 5;
const EVIDENCE_SHOWN = 4;

const SEVERITY_RANK = { critical: 4, high: 3, medium: 2, low: 1 };
// Sigma's levels (docs/DETECTIONS.md), most severe first; detections are listed in this order.
const LEVELS = ['critical', 'high', 'medium', 'low', 'informational'];
// Matching events kept per detected rule, and distinct rules kept (a bound against a log whose
// records forge `rule.*` keys of their own).
const DETECTION_EXAMPLES = 3;
const DETECTIONS_KEEP = 1024;

// The keys an error entry has (src/record.rs write_error_entry); a record has other keys too.
const ERROR_ENTRY_KEYS = new Set(['error.message', 'error.type', 'error.offset', 'error.line', 'error.column', 'error.record', 'event.original']);

/** True when a parsed output line is an error entry (an unreadable stretch with its raw text). */
export function isErrorEntry(o) {
  if (!o || typeof o !== 'object' || !Object.hasOwn(o, 'event.original')) return false;
  for (const k of Object.keys(o)) if (!ERROR_ENTRY_KEYS.has(k)) return false;
  return true;
}

/** A count per value with failures, bounded: past TABLE_CAP values the rarest half is dropped. */
class Table {
  constructor() {
    this.map = new Map();
    this.approx = false;
  }

  add(value, fail) {
    const k = clip(value);
    let e = this.map.get(k);
    if (!e) {
      if (this.map.size >= TABLE_CAP) this.prune();
      e = { n: 0, fail: 0 };
      this.map.set(k, e);
    }
    e.n++;
    if (fail) e.fail++;
  }

  prune() {
    const rows = [...this.map].sort((a, b) => b[1].n - a[1].n);
    this.map = new Map(rows.slice(0, TABLE_CAP >> 1));
    this.approx = true;
  }

  top(k) {
    return [...this.map]
      .sort((a, b) => b[1].n - a[1].n || b[1].fail - a[1].fail || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, k)
      .map(([value, e]) => ({ value, count: e.n, failures: e.fail }));
  }

  get size() {
    return this.map.size;
  }
}

function clip(s) {
  return s.length > VALUE_CHARS ? `${s.slice(0, VALUE_CHARS)}…` : s;
}

/** Any value as one line of text. */
function text(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** The last part of an ARN (`…/session` → `session`). */
function arnName(arn) {
  const cut = Math.max(arn.lastIndexOf('/'), arn.lastIndexOf(':'));
  return cut >= 0 && cut < arn.length - 1 ? arn.slice(cut + 1) : arn;
}

/** A salvaged record's mark in each profile (docs/INPUTS.md, "Salvage"): flat `event.salvaged`,
 * ECS `aws.cloudtrail.salvaged`, OCSF the label `salvaged` in `metadata.labels`. */
function isSalvaged(o, s) {
  if (s.get(o, 'event.salvaged') === true || s.get(o, 'aws.cloudtrail.salvaged') === true) return true;
  const labels = s.get(o, 'metadata.labels');
  return Array.isArray(labels) && labels.includes('salvaged');
}

export class Summary {
  /**
   * `separator`: the one the records were written with (the record's own keys use it).
   * `rules`: the Sigma rules the records were read with (the objects of the `rules` option), when
   * any: the report then lists detections first, and takes a rule's level and title from there
   * when the output profile does not carry them. `profile`: the output profile (flat, ecs, ocsf).
   */
  constructor({ separator = '.', rules = null, profile = 'flat' } = {}) {
    this.sep = separator;
    this.profile = String(profile ?? 'flat');
    const list = rules === null || rules === undefined ? [] : Array.isArray(rules) ? rules : [rules];
    this.ruleCount = rules === null || rules === undefined ? -1 : list.length;
    this.ruleInfo = new Map();
    for (const r of list) {
      if (!r || typeof r !== 'object') continue;
      const tags = Array.isArray(r.tags) ? r.tags.map(text) : [];
      // As the core reads them (docs/DETECTIONS.md): attack.t1562.001 → T1562.001.
      const techniques = tags.filter((t) => /^attack\.t[\d.]{4,}$/.test(t)).map((t) => `T${t.slice(8)}`);
      const info = { id: text(r.id), title: text(r.title), level: text(r.level).toLowerCase(), techniques };
      if (info.id && !this.ruleInfo.has(info.id)) this.ruleInfo.set(info.id, info);
      if (info.title && !this.ruleInfo.has(`title:${info.title}`)) this.ruleInfo.set(`title:${info.title}`, info);
    }
    this.detections = new Map();
    this.detectedRecords = 0;
    this.keyCache = new Map();
    this.inputs = [];
    this.records = 0;
    this.errors = 0;
    this.skipped = 0;
    this.salvaged = 0;
    this.failures = 0;
    this.minTime = Infinity;
    this.maxTime = -Infinity;
    this.actions = new Table();
    this.principals = new Table();
    this.codes = new Table();
    this.flags = new Table();
    this.riskyCount = 0;
    this.risky = [];
  }

  /** Counts of one finished input (the stream's stats): records, error entries, format, gzip, skips. */
  addInput(name, stats) {
    this.inputs.push({ name, format: stats.format, gzip: Boolean(stats.gzip) });
    this.records += stats.records;
    this.errors += stats.errors;
    this.skipped += typeof stats.skipped === 'number' ? stats.skipped : 0;
  }

  // A dotted contract name in the output's separator ('event.action' → 'event/action').
  key(path) {
    if (this.sep === '.') return path;
    let k = this.keyCache.get(path);
    if (k === undefined) {
      k = path.split('.').join(this.sep);
      this.keyCache.set(path, k);
    }
    return k;
  }

  // A value by its path: an enrichment key (always dotted), the record's own key (in the
  // output's separator), or the nested path (ECS, OCSF).
  get(o, path) {
    if (Object.hasOwn(o, path)) return o[path];
    const flat = this.key(path);
    if (flat !== path && Object.hasOwn(o, flat)) return o[flat];
    if (!path.includes('.')) return undefined;
    let cur = o;
    for (const p of path.split('.')) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, p)) return undefined;
      cur = cur[p];
    }
    return cur;
  }

  first(o, paths) {
    for (const p of paths) {
      const v = this.get(o, p);
      if (v !== undefined && v !== null && v !== '') return text(v);
    }
    return '';
  }

  /** One output record (error entries are skipped: their count comes from the stream's stats). */
  add(o) {
    if (isErrorEntry(o)) return;
    if (isSalvaged(o, this)) this.salvaged++;
    const action = this.first(o, ['event.action', 'eventName', 'api.operation', 'insightDetails.eventName']) || '(none)';
    const principal =
      this.first(o, ['user.name', 'actor.user.name', 'userIdentity.userName'])
      || arnName(this.first(o, ['userIdentity.arn']))
      || this.first(o, ['userIdentity.invokedBy', 'userIdentity.principalId'])
      || '(none)';
    const outcome = this.first(o, ['event.outcome', 'status']).toLowerCase();
    const code = this.first(o, ['error.code', 'errorCode', 'api.response.error']);
    const fail = outcome ? outcome === 'failure' : Boolean(code || this.get(o, 'errorMessage') !== undefined);
    this.actions.add(action, fail);
    this.principals.add(principal, fail);
    if (fail) {
      this.failures++;
      this.codes.add(code || '(no code)', true);
    }
    const ms = this.timeOf(o);
    if (ms === ms) {
      if (ms < this.minTime) this.minTime = ms;
      if (ms > this.maxTime) this.maxTime = ms;
    }
    const hits = this.detectionsOf(o);
    if (hits.length) {
      this.detectedRecords++;
      const example = {
        time: ms,
        timeText: clip(this.first(o, ['@timestamp', 'eventTime', 'time'])),
        action: clip(action),
        principal: clip(principal),
        resource: clip(this.first(o, ['cloudfront.distribution.id', 'aws.cloudfront.distribution.id']) || this.resourceOf(o)),
      };
      for (const h of hits) this.addDetection(h, example);
    }
    const { flags, details } = this.riskOf(o);
    if (flags.length) {
      this.riskyCount++;
      for (const f of flags) this.flags.add(f, false);
      this.addRisky({
        time: ms,
        timeText: clip(this.first(o, ['@timestamp', 'eventTime', 'time'])),
        action: clip(action),
        principal: clip(principal),
        resource: clip(this.first(o, ['cloudfront.distribution.id', 'aws.cloudfront.distribution.id']) || this.resourceOf(o)),
        risks: flags.map((flag) => {
          const d = details.get(flag);
          const severity = d ? text(d.severity).toLowerCase() : '';
          return { flag: clip(flag), severity, evidence: d ? (READY.has(d) ? d.evidence : evidenceOf(d.evidence)) : [] };
        }),
      });
    }
  }

  /**
   * Flags and their details as each profile writes them: flat keys (`key`, `detailsKey`), ECS
   * the same under `aws.`, or OCSF's enrichment of `type` (its data's `flagsMember` and
   * `detailsMember`) when the record has no such key.
   */
  flagsOf(o, key, detailsKey, type, flagsMember, detailsMember) {
    const flags = this.get(o, key) ?? this.get(o, `aws.${key}`);
    const details = this.get(o, detailsKey) ?? this.get(o, `aws.${detailsKey}`);
    if (flags === undefined && Array.isArray(o.enrichments)) {
      const e = o.enrichments.find((x) => x && x.type === type && x.data && typeof x.data === 'object');
      if (e) return { flags: e.data[flagsMember], details: e.data[detailsMember] };
    }
    return { flags, details };
  }

  /**
   * The risk flags and, when the enrichment gives them, each flag's details ({ flag, severity,
   * kind, evidence: [{ key, value }] }, docs/SCHEMA.md): flat and ECS keys, or the OCSF
   * enrichment. Older builds have flags only.
   */
  riskOf(o) {
    const { flags, details } = this.flagsOf(o, 'cloudfront.risk', 'cloudfront.risk_details', 'cloudfront.risk', 'risk', 'details');
    const list = Array.isArray(flags) ? flags.map(text).filter(Boolean) : flags ? [text(flags)] : [];
    const byFlag = new Map();
    if (list.length && Array.isArray(details)) {
      for (const d of details) if (d && typeof d === 'object' && typeof d.flag === 'string') byFlag.set(d.flag, d);
    }
    this.changeOf(o, list, byFlag);
    return { flags: list, details: byFlag };
  }

  /**
   * Adds the change flags of change tracking (docs/SCHEMA.md, "Change tracking": flat and ECS
   * `cloudfront.change.*`, or the OCSF enrichment) to `list`, their evidence as
   * "config key = before → after", so a risky change the log shows only across records is listed
   * with the others.
   */
  changeOf(o, list, byFlag) {
    const { flags, details } = this.flagsOf(o, 'cloudfront.change.flags', 'cloudfront.change.flag_details', 'cloudfront.change', 'flags', 'flag_details');
    if (!Array.isArray(flags)) return;
    const side = (d, k) => (Object.hasOwn(d, k) ? (typeof d[k] === 'string' ? d[k] : JSON.stringify(d[k]) ?? '') : '(none)');
    for (const f of flags.map(text).filter(Boolean)) {
      if (byFlag.has(f)) continue;
      list.push(f);
      const d = Array.isArray(details) ? details.find((x) => x && typeof x === 'object' && x.flag === f) : undefined;
      if (!d) continue;
      const evidence = [];
      for (const e of Array.isArray(d.evidence) ? d.evidence.slice(0, 16) : []) {
        if (e && typeof e === 'object' && !Array.isArray(e)) evidence.push({ key: clip(`config ${text(e.key)}`), value: clip(`${side(e, 'before')} → ${side(e, 'after')}`) });
      }
      const det = { severity: d.severity, evidence };
      READY.add(det);
      byFlag.set(f, det);
    }
  }

  /**
   * The rules that matched a record, as [{ id, title, level, techniques }]: flat and ECS
   * `rule.id`, `rule.name`, `rule.level` (a value, or arrays in rule order when several matched)
   * and `threat.technique.id`; OCSF's `finding_info.analytic` (uid, name) with the event's
   * `severity`, or an `enrichments` entry of a rule. What a profile does not carry (ECS has no
   * rule level) is taken from the rules given to the constructor.
   */
  detectionsOf(o) {
    const list = (v) => (Array.isArray(v) ? v.map(text) : v === undefined || v === null ? [] : [text(v)]);
    let ids = list(this.get(o, 'rule.id'));
    let names = list(this.get(o, 'rule.name'));
    let levels = list(this.get(o, 'rule.level'));
    let techniques = list(this.get(o, 'threat.technique.id'));
    if (!ids.length && !names.length) {
      // OCSF: one analytic, or several, in the finding's info; or an enrichment naming the rules.
      const analytic = this.get(o, 'finding_info.analytic') ?? this.get(o, 'finding_info.analytics');
      for (const a of Array.isArray(analytic) ? analytic : analytic ? [analytic] : []) {
        if (!a || typeof a !== 'object') continue;
        ids.push(text(a.uid ?? a.id));
        names.push(text(a.name ?? a.title));
        levels.push(text(a.level ?? ''));
      }
      if (!ids.length && Array.isArray(o.enrichments)) {
        for (const e of o.enrichments) {
          if (!e || typeof e !== 'object' || !/^(rule|sigma|detection)/i.test(text(e.type ?? e.name))) continue;
          const data = e.data && typeof e.data === 'object' ? e.data : {};
          // The core writes one `sigma` entry per rule: data.rule {uid, name, level} and OCSF
          // Attack objects in data.attacks (docs/DETECTIONS.md).
          const d = data.rule && typeof data.rule === 'object' ? data.rule : data;
          ids = ids.concat(list(d.id ?? d.uid ?? d['rule.id']));
          names = names.concat(list(d.name ?? d.title ?? d['rule.name']));
          levels = levels.concat(list(d.level ?? d['rule.level']));
          const attacks = Array.isArray(data.attacks) ? data.attacks : [];
          const fromAttacks = attacks.map((a) => a && typeof a === 'object' && (a.sub_technique?.uid ?? a.technique?.uid)).filter(Boolean);
          techniques = techniques.concat(fromAttacks.length ? fromAttacks.map(text) : list(data.technique ?? data['threat.technique.id']));
        }
      }
      if (ids.length && levels.every((l) => !l)) {
        const sev = text(this.get(o, 'severity')).toLowerCase();
        if (sev) levels = ids.map(() => sev);
      }
    }
    const n = Math.max(ids.length, names.length);
    const out = [];
    for (let i = 0; i < n && i < 64; i++) {
      const id = ids[i] ?? '';
      const info = (id && this.ruleInfo.get(id)) || this.ruleInfo.get(`title:${names[i] ?? ''}`);
      const title = names[i] || info?.title || '';
      const level = (levels[i] || info?.level || '').toLowerCase();
      // The record's techniques are those of all its rules together: one rule's own when it
      // is the only one, else the rule's tags.
      if (id || title) out.push({ id, title, level, techniques: n === 1 && techniques.length ? techniques : info?.techniques ?? [] });
    }
    return out;
  }

  addDetection(h, example) {
    const key = `${h.id}\u0000${h.title}`;
    let d = this.detections.get(key);
    if (!d) {
      if (this.detections.size >= DETECTIONS_KEEP) return;
      d = { id: clip(h.id), title: clip(h.title), level: clip(h.level), techniques: new Set(), count: 0, examples: [] };
      this.detections.set(key, d);
    }
    d.count++;
    for (const t of h.techniques) if (d.techniques.size < 8) d.techniques.add(clip(t));
    if (d.examples.length < DETECTION_EXAMPLES) d.examples.push(example);
  }

  /** The detected rules, most severe level first, then the most matched. */
  detectionRows() {
    const rank = (l) => {
      const i = LEVELS.indexOf(l);
      return i < 0 ? LEVELS.length : i;
    };
    return [...this.detections.values()].sort((a, b) => rank(a.level) - rank(b.level) || b.count - a.count || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  timeOf(o) {
    const t = this.get(o, '@timestamp') ?? this.get(o, 'eventTime') ?? this.get(o, 'time');
    if (typeof t === 'number') return t;
    if (typeof t !== 'string' || t.length > 40) return NaN;
    return Date.parse(t);
  }

  // Another CloudFront resource the enrichment named (function, key, …) when no distribution;
  // in OCSF, the first resource.
  resourceOf(o) {
    if (Array.isArray(o.resources) && o.resources[0] && typeof o.resources[0] === 'object') {
      const r = o.resources[0];
      return text((r.data && typeof r.data === 'object' && r.data.id) || r.uid || '');
    }
    for (const k of Object.keys(o)) {
      const m = /^cloudfront\.([a-z_]+)\.(id|name|arn)$/.exec(k);
      if (m && typeof o[k] === 'string' && o[k]) return `${m[1].replace(/_/g, ' ')} ${o[k]}`;
    }
    return '';
  }

  addRisky(r) {
    r.rank = Math.max(0, ...r.risks.map((x) => SEVERITY_RANK[x.severity] ?? 0));
    this.risky.push(r);
    if (this.risky.length > RISKY_KEEP * 4) this.trimRisky();
  }

  trimRisky() {
    const t = (r) => (r.time === r.time ? r.time : -8.64e15);
    this.risky.sort((a, b) => b.rank - a.rank || t(b) - t(a));
    this.risky.length = Math.min(this.risky.length, RISKY_KEEP);
  }

  /**
   * The detections part of the report: each rule that matched, most severe first, with its count
   * and the first few matching events (time, who, action, resource). Only when rules were given
   * or the records carry detections.
   */
  renderDetections({ c, w, line, head, n }) {
    if (this.ruleCount < 0 && !this.detections.size) return;
    const rows = this.detectionRows();
    const rules = this.ruleCount >= 0 ? ` of ${n(this.ruleCount)} rule${this.ruleCount === 1 ? '' : 's'}` : '';
    if (!rows.length) {
      head('Detections');
      const ruleText = this.ruleCount >= 0 ? `the ${n(this.ruleCount)} rule${this.ruleCount === 1 ? '' : 's'}` : 'a rule';
      // Only the flat profile is known to write detections; another one may not (yet): its
      // silence is not "nothing matched".
      if (this.profile === 'flat' || this.records === 0) line(`  ${c.dim(`none: no record matched ${ruleText}`)}`);
      else {
        const msg = `none found: the ${safe(this.profile, 10)} output names no rule (nothing matched ${ruleText}, or this profile does not carry detections)`;
        for (const l of wrap(msg, w - 2, '').split('\n')) line(`  ${c.dim(l)}`);
      }
      return;
    }
    head(`Detections: ${n(rows.length)}${rules} matched ${n(this.detectedRecords)} record${this.detectedRecords === 1 ? '' : 's'}, most severe first`);
    const countW = 12;
    for (const d of rows) {
      // Sigma's "informational" is shown as INFO, to fit the column.
      const lvl = d.level ? c.sev(d.level, pad(safe(d.level === 'informational' ? 'INFO' : d.level.toUpperCase(), 8), 9)) : pad('', 9);
      const count = `${n(d.count)} event${d.count === 1 ? '' : 's'}`;
      line(`  ${lvl}${pad(safe(d.title || d.id, w - 2 - 9 - countW - 1), w - 2 - 9 - countW)}${padL(count, countW)}`);
      const meta = [d.title && d.id ? d.id : '', [...d.techniques].join(' ')].filter(Boolean).join('  ');
      if (meta) line(`  ${pad('', 9)}${c.dim(safe(meta, w - 11))}`);
      for (const e of d.examples) {
        const when = e.time === e.time ? iso(e.time) : safe(e.timeText || '(no time)', 24);
        const rest = `${e.action}  by ${e.principal}${e.resource ? `  on ${e.resource}` : ''}`;
        line(`  ${pad('', 9)}${when}  ${safe(rest, w - 13 - when.length)}`);
      }
      if (d.count > d.examples.length) line(`  ${pad('', 9)}${c.dim(`… and ${n(d.count - d.examples.length)} more`)}`);
    }
    if (this.detections.size >= DETECTIONS_KEEP) line(c.dim(`  (more than ${n(DETECTIONS_KEEP)} distinct rules: the rest are not listed)`));
  }

  /** The report as text, `width` columns wide; ANSI colour when `color`. */
  render({ color = false, width = 80, output = null } = {}) {
    this.trimRisky();
    const c = paint(color);
    const w = Math.max(60, Math.min(width, 120));
    const out = [];
    const n = (x) => x.toLocaleString('en-US');
    const line = (s = '') => out.push(s);
    const head = (s) => {
      line();
      line(c.bold(s));
    };

    const inputs = this.inputs.length;
    const formats = new Map();
    for (const i of this.inputs) {
      const f = `${i.format}${i.gzip ? ' (gzip)' : ''}`;
      formats.set(f, (formats.get(f) ?? 0) + 1);
    }
    const fmtText = [...formats].map(([f, k]) => (inputs > 1 ? `${k} ${f}` : f)).join(', ');
    line(c.bold(`cloudfront-trail summary: ${n(inputs)} input${inputs === 1 ? '' : 's'}${inputs === 1 ? ` (${safe(this.inputs[0].name, 40)})` : ''}`));
    line(`  ${pad('Records', 16)}${padL(n(this.records), 10)}    ${pad('Error entries', 16)}${c.errIf(this.errors, padL(n(this.errors), 10))}`);
    line(`  ${pad('Salvaged', 16)}${padL(n(this.salvaged), 10)}    ${pad('Counted skips', 16)}${padL(n(this.skipped), 10)}`);
    const pct = this.records ? ` (${((100 * this.failures) / this.records).toFixed(this.failures * 1000 < this.records ? 1 : 0)}%)` : '';
    line(`  ${pad('Failed calls', 16)}${c.errIf(this.failures, padL(n(this.failures), 10))}${pct}`);
    line(`  ${pad('Format', 16)}${safe(fmtText || '-', w - 18)}`);
    if (this.minTime <= this.maxTime) {
      line(`  ${pad('Time range', 16)}${iso(this.minTime)} → ${iso(this.maxTime)} (${span(this.maxTime - this.minTime)})`);
    } else {
      line(`  ${pad('Time range', 16)}${c.dim('no timestamps')}`);
    }

    this.renderDetections({ c, w, line, head, n });

    const table = (title, t, k, withFail) => {
      head(title);
      const rows = t.top(k);
      if (!rows.length) {
        line(`  ${c.dim('none')}`);
        return;
      }
      const labelW = w - 2 - 10 - (withFail ? 10 : 0);
      if (withFail) line(c.dim(`  ${pad('', labelW)}${padL('events', 10)}${padL('failed', 10)}`));
      for (const r of rows) {
        const count = padL(n(r.count), 10);
        const fail = withFail ? c.errIf(r.failures, padL(r.failures ? n(r.failures) : '-', 10)) : '';
        line(`  ${pad(safe(r.value, labelW - 2), labelW)}${count}${fail}`);
      }
      if (t.approx) line(c.dim(`  (more than ${n(TABLE_CAP)} distinct values: counts are lower bounds)`));
      else if (t.size > rows.length) line(c.dim(`  … and ${n(t.size - rows.length)} more`));
    };
    table('Top actions', this.actions, TOP_SHOWN, true);
    table('Top principals', this.principals, TOP_SHOWN, true);
    if (this.failures) table('Failures by error code', this.codes, TOP_SHOWN, false);

    if (this.riskyCount) {
      head(`Risky changes: ${n(this.riskyCount)} record${this.riskyCount === 1 ? '' : 's'}, most severe first`);
      const flagRows = this.flags.top(20).map((r) => `${safe(r.value, 40)} ×${n(r.count)}`);
      line(wrap(`flags: ${flagRows.join(', ')}`, w - 2, '  '));
      for (const r of this.risky) {
        const worst = r.risks.reduce((a, x) => ((SEVERITY_RANK[x.severity] ?? 0) > (SEVERITY_RANK[a] ?? 0) ? x.severity : a), '');
        const sev = worst ? c.sev(worst, pad(worst.toUpperCase(), 9)) : pad('', 9);
        const when = r.time === r.time ? iso(r.time) : safe(r.timeText || '(no time)', 24);
        line(`  ${sev}${when}  ${safe(r.action, w - 15 - when.length)}`);
        const who = `by ${safe(r.principal, 40)}${r.resource ? `  on ${safe(r.resource, 40)}` : ''}`;
        line(`  ${pad('', 9)}${who}`);
        // Evidence keys under one common parent are written once, above, and shortened after it.
        const keys = r.risks.flatMap((x) => x.evidence.slice(0, EVIDENCE_SHOWN).map((e) => e.key));
        const common = keys.length > 1 ? commonParent(keys) : '';
        if (common) line(`  ${pad('', 9)}${c.dim(`keys under ${safe(common, w - 22)}`)}`);
        for (const x of r.risks) {
          const s = `• ${x.severity ? `${x.flag} (${x.severity})` : x.flag}`;
          const ev = x.evidence.slice(0, EVIDENCE_SHOWN).map((e) => ({ key: e.key.slice(common.length), value: e.value }));
          // One piece of evidence that fits goes on the flag's line.
          const inline = ev.length === 1 ? evidenceLines(ev[0], w) : null;
          if (inline && inline.length === 1 && 4 + s.length + 2 + inline[0].length <= w) {
            line(`    ${c.sev(x.severity, s)}  ${c.dim(inline[0])}`);
            continue;
          }
          line(`    ${c.sev(x.severity, s)}`);
          for (const e of ev) for (const l of evidenceLines(e, w - 8)) line(`        ${c.dim(l)}`);
          if (x.evidence.length > EVIDENCE_SHOWN) line(`        ${c.dim(`… ${x.evidence.length - EVIDENCE_SHOWN} more`)}`);
        }
      }
      if (this.riskyCount > this.risky.length) line(c.dim(`  … and ${n(this.riskyCount - this.risky.length)} more risky records`));
    } else {
      head('Risky changes');
      line(`  ${c.dim('none flagged (cloudfront.risk)')}`);
    }
    line();
    if (output) line(`Records written to ${safe(output, w - 19)}`);
    else line(c.dim('The records themselves: -o FILE, or --format ndjson for stdout'));
    return `${out.join('\n')}\n`;
  }
}

/** The longest dotted parent ("a.b.") all keys share, when it has at least two parts. */
function commonParent(keys) {
  let p = keys[0];
  for (const k of keys) {
    while (p && !k.startsWith(p)) p = p.slice(0, p.lastIndexOf('.', p.length - 2) + 1);
  }
  p = p.slice(0, p.lastIndexOf('.') + 1);
  // Every key must go on after it (a key equal to the parent would be left empty).
  if (keys.some((k) => k.length === p.length)) return '';
  return (p.match(/\./g) || []).length >= 2 ? p : '';
}

/** Evidence of one flag ([{ key, value }]) as { key, value } texts (value as JSON). */
// Details built by changeOf, their evidence already as text (never an object of the record's).
const READY = new WeakSet();

function evidenceOf(ev) {
  if (!Array.isArray(ev)) return [];
  const out = [];
  for (const e of ev) {
    if (e && typeof e === 'object' && !Array.isArray(e)) out.push({ key: clip(text(e.key)), value: clip(JSON.stringify(e.value) ?? '') });
    if (out.length === 16) break;
  }
  return out;
}

/**
 * "key = value" in `width` columns: on one line when it fits, else the key broken after its
 * dots (exact, not elided) and "= value" on a line of its own.
 */
function evidenceLines({ key, value }, width) {
  const k = safe(key, 4 * width);
  // On its own line the value follows "  = ": it gets what is left of the width.
  const v = safe(value, width - 4);
  if (k.length + 3 + v.length <= width) return [`${k} = ${v}`];
  const lines = [];
  let cur = '';
  for (const part of k.split(/(?<=\.)/)) {
    if (cur && cur.length + part.length > width) {
      lines.push(cur);
      cur = '  ';
    }
    cur += part;
    while (cur.length > width) {
      lines.push(cur.slice(0, width));
      cur = `  ${cur.slice(width)}`;
    }
  }
  if (cur.length + 3 + v.length <= width) lines.push(`${cur} = ${v}`);
  else lines.push(cur, `  = ${v}`);
  return lines;
}

// Controls, bidi overrides and other invisible characters: shown as ⟨U+XXXX⟩, so a value from
// a log can neither move the cursor, recolour the terminal nor reorder what is on screen.
const INVISIBLE = /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/g;

/** A value made safe for a terminal and cut to `max` characters. */
export function safe(s, max = 80) {
  const v = String(s).replace(INVISIBLE, (ch) => `⟨U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
  return v.length > max ? `${v.slice(0, Math.max(1, max - 1))}…` : v;
}

function pad(s, n) {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function padL(s, n) {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

function iso(ms) {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return String(ms);
  const t = new Date(ms).toISOString();
  return ms % 1000 === 0 ? `${t.slice(0, 19)}Z` : t;
}

function span(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const parts = [];
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) parts.push(`${d} d`);
  if (h) parts.push(`${h} h`);
  if (m && !d) parts.push(`${m} min`);
  return parts.join(' ') || `${s} s`;
}

function wrap(s, width, indent) {
  const words = s.split(' ');
  const lines = [];
  let cur = '';
  for (const wd of words) {
    if (cur && cur.length + 1 + wd.length > width) {
      lines.push(indent + cur);
      cur = `  ${wd}`;
    } else cur = cur ? `${cur} ${wd}` : wd;
  }
  if (cur) lines.push(indent + cur);
  return lines.join('\n');
}

function paint(on) {
  const sgr = (code) => (s) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  const red = sgr('31');
  const yellow = sgr('33');
  const magenta = sgr('35;1');
  return {
    bold: sgr('1'),
    dim: sgr('2'),
    errIf: (n, s) => (n ? red(s) : s),
    sev: (sev, s) => (sev === 'critical' ? magenta(s) : sev === 'high' ? red(s) : sev === 'medium' ? yellow(s) : s),
  };
}
