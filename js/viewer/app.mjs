// The viewer page: wires the controls to the worker (which reads, filters, sorts and summarises)
// and renders what it answers. Values are only ever rendered as text (see render.mjs).
import { COLUMNS, Grow, cell, errorIndex, isoOf, prettyJson, visible } from './model.mjs';
import { TimeChart, VirtualTable, bars, clear, fieldList, fmt, h } from './render.mjs';
import { triageList, timelineList, damageView, evidenceView } from './triage.mjs';
import { DetectionsPanel } from './detections.mjs';

const $ = (id) => document.getElementById(id);

const S = {
  cols: Object.fromEntries(COLUMNS.map((c) => [c.key, new Grow()])),
  ms: new Grow(Float64Array),
  sev: new Grow(Uint8Array),
  salv: new Grow(Uint8Array),
  dicts: Object.fromEntries(COLUMNS.map((c) => [c.key, []])),
  total: 0,
  idx: new Uint32Array(0),
  errors: [],
  salvaged: 0,
  files: [],
  sort: { key: 'time', dir: 1 },
  seq: 0,
  loading: 0,
  selectedRecord: -1,
  optionsTotal: -1,
  streaming: null,
  // Include/exclude filters (Kibana Discover's pills): on a column value, or on any field.
  terms: [],
  fields: [],
  // A Sigma rule picked in the Detections panel: { index, title, neg }.
  rule: null,
  shown: loadShown(),
};

function loadShown() {
  try {
    const v = JSON.parse(localStorage.getItem('cloudfront-trail.columns') ?? 'null');
    if (Array.isArray(v) && v.length) return COLUMNS.filter((c) => v.includes(c.key)).map((c) => c.key);
  } catch {
    // default below
  }
  return COLUMNS.filter((c) => c.show).map((c) => c.key);
}

const worker = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });
const send = (m) => worker.postMessage(m);

// ---------------------------------------------------------------- table

// Grid tracks per column (our numbers, not data), set through a CSS custom property.
const WIDTH = { time: '158px', action: 'minmax(140px, 1.3fr)', principal: 'minmax(120px, 1fr)', ip: '122px', outcome: '76px', resource: 'minmax(120px, 1fr)', risk: 'minmax(120px, 1.1fr)', account: '118px', region: '104px', idtype: '120px', mfa: '52px', change: 'minmax(110px, 0.8fr)', file: 'minmax(110px, 0.8fr)' };
const shownColumns = () => COLUMNS.filter((c) => S.shown.includes(c.key));
const thead = $('thead');
function buildHeader() {
  clear(thead);
  const cols = shownColumns();
  document.documentElement.style.setProperty('--cols', cols.map((c) => WIDTH[c.key]).join(' '));
  $('grid').setAttribute('aria-colcount', String(cols.length));
  for (const c of cols) {
    const th = h('button', { class: 'th', type: 'button', role: 'columnheader', 'data-key': c.key, title: `Sort by ${c.label}` }, c.label);
    th.addEventListener('click', () => {
      S.sort = S.sort.key === c.key ? { key: c.key, dir: -S.sort.dir } : { key: c.key, dir: 1 };
      headers();
      requery();
    });
    thead.append(th);
  }
  headers();
}
function headers() {
  for (const th of thead.children) {
    const c = COLUMNS.find((x) => x.key === th.dataset.key);
    const on = S.sort.key === c.key;
    th.classList.toggle('sorted', on);
    th.textContent = on ? `${c.label} ${S.sort.dir === 1 ? '▲' : '▼'}` : c.label;
    th.setAttribute('aria-sort', on ? (S.sort.dir === 1 ? 'ascending' : 'descending') : 'none');
  }
}
buildHeader();

const valueAt = (i, key) => {
  if (key === 'time') {
    const ms = S.ms.a[i];
    if (ms === ms) return isoOf(ms);
  }
  return S.dicts[key][S.cols[key].a[i]] ?? '';
};
const failureCode = () => S.dicts.outcome.indexOf('failure');
// A distribution id as the enrichment writes it (other resources show as "kind: id").
const isDistribution = (v) => /^E[A-Z0-9]{5,20}$/.test(v);

const table = new VirtualTable({
  scroller: $('tbody'),
  spacer: $('spacer'),
  rowsEl: $('rows'),
  rowHeight: 26,
  columns: shownColumns(),
  cellText: (pos, key) => valueAt(S.idx[pos], key),
  rowClass: (pos) => {
    const i = S.idx[pos];
    return `${S.cols.outcome.a[i] === failureCode() ? 'fail' : ''}${S.salv.a[i] ? ' salvaged' : ''}${S.sev.a[i] >= 3 ? ' severe' : ''}`;
  },
  onSelect: (pos) => showDetail(S.idx[pos]),
  onCell: (pos, key, neg) => addTerm(key, valueAt(S.idx[pos], key), neg),
  isLink: (key, v) => key === 'resource' && isDistribution(v),
  onLink: (pos, key) => openTimeline(valueAt(S.idx[pos], key)),
});
// Keep the header aligned with the rows when the body shows a scrollbar.
new ResizeObserver(() => {
  const sb = $('tbody').offsetWidth - $('tbody').clientWidth;
  thead.style.setProperty('--sbw', `${sb}px`);
}).observe($('tbody'));

// The column chooser: every column the store keeps, shown or not; remembered.
function buildChooser() {
  const box = clear($('chooser-box'));
  for (const c of COLUMNS) {
    const cb = h('input', { type: 'checkbox', 'data-key': c.key, 'data-testid': `column-${c.key}` });
    cb.checked = S.shown.includes(c.key);
    cb.addEventListener('change', () => {
      const on = new Set(S.shown);
      if (cb.checked) on.add(c.key);
      else if (on.size > 1) on.delete(c.key);
      else cb.checked = true;
      S.shown = COLUMNS.filter((x) => on.has(x.key)).map((x) => x.key);
      localStorage.setItem('cloudfront-trail.columns', JSON.stringify(S.shown));
      buildHeader();
      table.setColumns(shownColumns());
    });
    box.append(h('label', { class: 'check' }, cb, ` ${c.label}`));
  }
}
buildChooser();

// ---------------------------------------------------------------- filters

const F = {
  text: $('f-text'),
  action: $('f-action'),
  principal: $('f-principal'),
  outcome: $('f-outcome'),
  risk: $('f-risk'),
  resource: $('f-resource'),
  account: $('f-account'),
  region: $('f-region'),
  idtype: $('f-idtype'),
  file: $('f-file'),
  from: $('f-from'),
  to: $('f-to'),
};
const SELECTS = ['action', 'principal', 'outcome', 'resource', 'account', 'region', 'idtype', 'file'];

/** A UTC time from what a person types: ISO, with or without seconds and zone. */
function parseTime(s) {
  const t = s.trim();
  if (!t) return null;
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(t) ? `${t.replace(' ', 'T')}${t.length > 10 ? 'Z' : 'T00:00:00Z'}` : t;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

function filters() {
  const f = { terms: [...S.terms], fields: [...S.fields] };
  if (F.text.value.trim()) f.text = F.text.value;
  for (const k of SELECTS) if (F[k].value) f.terms.push({ key: k, value: F[k].value, neg: false });
  if (F.risk.value) f.risk = F.risk.value;
  if (S.rule) Object.assign(f, { rule: S.rule.index, ruleNeg: S.rule.neg });
  if ($('f-changes').checked) f.changes = true;
  for (const k of ['from', 'to']) {
    const v = parseTime(F[k].value);
    F[k].classList.toggle('invalid', v === undefined);
    if (typeof v === 'number') f[k] = k === 'to' && !/:\d{2}:\d{2}/.test(F[k].value) ? v + 59_999 : v;
  }
  for (const [k, el] of Object.entries(F)) el.classList.toggle('on', Boolean(el.value) && (k !== 'from' && k !== 'to' ? true : typeof f[k] === 'number'));
  return f;
}
const anyFilter = () => {
  const f = filters();
  return Boolean(f.terms.length || f.fields.length || f.text || f.risk || f.changes || f.from != null || f.to != null || f.rule != null);
};

/** Include (or exclude) the records whose column `key` is `value`. */
function addTerm(key, value, neg) {
  if (S.terms.some((t) => t.key === key && t.value === value && t.neg === neg)) return;
  S.terms = S.terms.filter((t) => !(t.key === key && t.value === value));
  S.terms.push({ key, value, neg });
  pills();
  requery();
}
/** Include (or exclude) the records holding one field of the detail pane, exactly. */
function addField([key, value, , keyText, valueText], neg) {
  S.fields = S.fields.filter((t) => !(t.keyText === keyText && t.valueText === valueText));
  S.fields.push({ key: keyText, value: valueText, label: key, shown: value, neg, keyText, valueText });
  pills();
  requery();
}
const labelOf = (key) => COLUMNS.find((c) => c.key === key)?.label ?? key;
function pills() {
  const box = clear($('pills'));
  const all = [...S.terms.map((t, i) => ({ ...t, kind: 'term', i, name: labelOf(t.key), text: t.value })), ...S.fields.map((t, i) => ({ ...t, kind: 'field', i, name: t.label, text: t.shown }))];
  box.hidden = all.length === 0 && !S.rule;
  if (S.rule) {
    const flip = () => ((S.rule = { ...S.rule, neg: !S.rule.neg }), pills(), requery());
    box.append(detections.pill(S.rule, { onFlip: flip, onRemove: () => ((S.rule = null), pills(), requery()) }));
  }
  for (const p of all) {
    const list = p.kind === 'term' ? S.terms : S.fields;
    const toggle = h('button', { type: 'button', class: 'pill-main', title: p.neg ? 'Excluded; click to include instead' : 'Included; click to exclude instead', testid: 'pill' }, `${p.neg ? 'NOT ' : ''}${cell(p.name, 60)}: ${cell(p.text === '' ? '(empty)' : p.text, 80)}`);
    toggle.addEventListener('click', () => {
      list[p.i] = { ...list[p.i], neg: !list[p.i].neg };
      pills();
      requery();
    });
    const remove = h('button', { type: 'button', class: 'pill-x', 'aria-label': `Remove filter ${visible(p.name)}`, title: 'Remove this filter', testid: 'pill-remove' }, '×');
    remove.addEventListener('click', () => {
      list.splice(p.i, 1);
      pills();
      requery();
    });
    box.append(h('span', { class: `pill${p.neg ? ' neg' : ''}` }, toggle, remove));
  }
}

let textTimer = 0;
F.text.addEventListener('input', () => {
  clearTimeout(textTimer);
  textTimer = setTimeout(requery, 180);
});
for (const k of [...SELECTS, 'risk']) F[k].addEventListener('change', () => requery());
for (const k of ['from', 'to']) F[k].addEventListener('change', () => requery());
$('f-changes').addEventListener('change', () => requery());
$('f-clear').addEventListener('click', () => {
  for (const el of Object.values(F)) el.value = '';
  $('f-changes').checked = false;
  S.terms = [];
  S.fields = [];
  S.rule = null;
  detections.release();
  pills();
  requery();
});

function setSelect(sel, key, value) {
  if (value && ![...sel.options].some((o) => o.value === value)) sel.append(option(value, value));
  sel.value = value;
  requery();
}

function option(value, label) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  return o;
}

function fillOptions(options) {
  const lists = { action: 'All actions', principal: 'All principals', outcome: 'Any outcome', resource: 'All distributions', account: 'All accounts', region: 'All regions', idtype: 'All identity types', file: 'All files' };
  for (const [key, all] of Object.entries(lists)) {
    const sel = F[key];
    const cur = sel.value;
    clear(sel).append(option('', all));
    for (const r of options[key] ?? []) sel.append(option(r.value, `${cell(r.value, 60)}  (${fmt.format(r.count)})`));
    if (cur && ![...sel.options].some((o) => o.value === cur)) sel.append(option(cur, cell(cur, 60)));
    sel.value = cur;
  }
  const sel = F.risk;
  const cur = sel.value;
  clear(sel).append(option('', 'Any risk'), option('*', 'Flagged (any flag)'));
  for (const r of options.risk ?? []) sel.append(option(r.value, `${cell(r.value, 60)}  (${fmt.format(r.count)})`));
  if (cur && ![...sel.options].some((o) => o.value === cur)) sel.append(option(cur, cell(cur, 60)));
  sel.value = cur;
}

// ---------------------------------------------------------------- queries

let queryTimer = 0;
let lastQueryAt = 0;
let queryMs = 0; // how long the last query took, to pace refreshes while files load
let queryStart = 0;
// For bench/viewer.mjs: a query at once (no typing debounce), and how long the last one took.
window.__requeryNow = () => requery();
function requery() {
  clearTimeout(queryTimer);
  queryTimer = 0;
  lastQueryAt = Date.now();
  queryStart = performance.now();
  S.seq++;
  // "busy" until the answer to this query is on screen (tests and styles can wait on it).
  document.documentElement.dataset.busy = '1';
  send({ type: 'query', seq: S.seq, q: { filters: filters(), sort: S.sort } });
}
/**
 * While files load, refresh the view now and then: at most a few times a second, and rarely
 * enough that the worker spends most of its time reading (a query over many rows takes a while).
 */
function requerySoon() {
  if (queryTimer) return;
  // Each refresh re-sorts and re-summarises every record in the worker and redraws the page: a
  // second apart at least, so that reading keeps both cores most of the time (issue 16).
  const pace = Math.max(1000, 8 * queryMs);
  queryTimer = setTimeout(requery, Math.max(0, pace - (Date.now() - lastQueryAt)));
}

function onResult(m) {
  if (m.seq !== S.seq) return; // a newer query is on its way
  queryMs = Date.now() - lastQueryAt;
  delete document.documentElement.dataset.busy;
  S.idx = m.idx;
  S.total = m.total;
  const done = () => ((window.__queryMs = performance.now() - queryStart), (window.__queryTook = m.took));
  const keep = S.loading > 0;
  table.setCount(S.idx.length, keep);
  const pos = S.selectedRecord >= 0 ? S.idx.indexOf(S.selectedRecord) : -1;
  table.selected = pos;
  table.render();
  counts();
  summary(m.summary);
  if (m.total !== S.optionsTotal) {
    S.optionsTotal = m.total;
    fillOptions(m.options);
  }
  $('empty').hidden = S.total > 0 || S.errors.length > 0 || S.loading > 0 || S.files.length > 0;
  $('app').classList.toggle('nodata', $('empty').hidden === false);
  for (const b of [$('export-ndjson'), $('export-csv')]) b.disabled = S.idx.length === 0;
  noResults();
  done();
}

/** A table with no rows says why: nothing matches the filters, or the files gave no events. */
function noResults() {
  const box = clear($('no-results'));
  const show = S.idx.length === 0 && $('empty').hidden && !(S.loading > 0 && S.total === 0);
  box.hidden = !show;
  if (!show) return;
  if (S.total > 0) {
    box.append(
      h('div', { class: 'empty-title' }, 'No events match these filters'),
      h('div', { class: 'muted' }, `${fmt.format(S.total)} event${S.total === 1 ? '' : 's'} in all; the filters above hide every one.`),
      h('button', { type: 'button', class: 'btn primary', onclick: () => $('f-clear').click(), testid: 'no-results-clear' }, 'Clear filters'),
    );
  } else {
    const unread = S.errors.length;
    box.append(
      h('div', { class: 'empty-title' }, S.files.length === 1 ? `No events in ${cell(S.files[0].name, 80)}` : 'No events in these files'),
      h('div', { class: 'muted' }, unread ? `${fmt.format(unread)} record${unread === 1 ? '' : 's'} could not be read.` : 'The files hold no CloudTrail records.'),
      unread ? h('button', { type: 'button', class: 'btn primary', onclick: () => $('errors-btn').click() }, 'Show the unreadable records') : null,
    );
  }
}

function counts() {
  $('event-count').textContent = fmt.format(S.idx.length);
  $('event-total').textContent = S.idx.length !== S.total ? ` of ${fmt.format(S.total)}` : '';
  $('error-count').textContent = fmt.format(S.errors.length);
  $('errors-btn').classList.toggle('has', S.errors.length > 0);
}

// ---------------------------------------------------------------- summary pictures

const timeChart = new TimeChart($('chart-time'), {
  onRange(from, to) {
    const iso = (ms) => new Date(ms).toISOString().slice(0, 19);
    F.from.value = from == null ? '' : iso(from);
    F.to.value = to == null ? '' : iso(to);
    requery();
  },
});

function summary(s) {
  timeChart.set(s.hist);
  bars($('chart-actions'), s.actions, { onPick: (v) => setSelect(F.action, 'action', v), testid: 'bar-action', empty: 'No events' });
  bars($('chart-principals'), s.principals, { onPick: (v) => setSelect(F.principal, 'principal', v), testid: 'bar-principal', empty: 'No events' });
  $('fail-n').textContent = s.failures ? fmt.format(s.failures) : '';
  bars($('chart-failures'), s.errorCodes, {
    onPick: () => setSelect(F.outcome, 'outcome', 'failure'),
    testid: 'bar-failure',
    empty: s.count ? 'No failed calls' : 'No events',
  });
  $('risky-n').textContent = s.riskyCount ? fmt.format(s.riskyCount) : '';
  const flags = clear($('risk-flags'));
  for (const f of s.riskFlags) {
    flags.append(h('button', { class: 'flag', type: 'button', title: `Show only ${visible(f.value)}`, onclick: () => setSelect(F.risk, 'risk', f.value) }, `${cell(f.value, 40)} ${fmt.format(f.count)}`));
  }
  // Unreadable never hides risk: the records that could not be read (or were read only in part)
  // are said first, so an empty list never reads as "nothing risky happened".
  const note = clear($('unread-note'));
  const unread = S.errors.length;
  note.hidden = !unread && !s.salvaged;
  if (!note.hidden) {
    const parts = [];
    if (unread) parts.push(`${fmt.format(unread)} record${unread === 1 ? '' : 's'} could not be read`);
    if (s.salvaged) parts.push(`${fmt.format(s.salvaged)} record${s.salvaged === 1 ? ' was' : 's were'} damaged and read in part (salvaged)`);
    note.append(`⚠ ${parts.join('; ')}: a risky change may be in ${unread + s.salvaged === 1 ? 'it' : 'them'}. `);
    if (unread) note.append(h('button', { type: 'button', class: 'linkish', onclick: () => $('errors-btn').click(), testid: 'unreadable-show' }, 'Show unreadable'));
  }
  const list = clear($('chart-risky'));
  if (!s.risky.length) {
    const none = s.count ? (unread || s.salvaged ? 'No risky changes among the records that could be read' : 'No risky changes in these events') : 'No events';
    list.append(h('div', { class: 'muted small', testid: 'triage-none' }, none));
  }
  // Entries that were open stay open when the list is drawn again (a query while loading).
  const open = new Set([...document.querySelectorAll('[data-testid=risky-row][open]')].map((d) => d.dataset.index));
  list.append(triageList(s.risky, { onOpen: selectRecord, onTimeline: openTimeline, isDistribution, loadEvidence }));
  for (const d of list.querySelectorAll('[data-testid=risky-row]')) if (open.has(d.dataset.index)) d.open = true;
  if (s.riskyCount > s.risky.length) list.append(h('div', { class: 'muted small' }, `and ${fmt.format(s.riskyCount - s.risky.length)} more: filter "Flagged" to list them all`));
}

// Evidence of one record, asked of the worker when a triage entry is first opened.
const evidenceWaiting = new Map();
function loadEvidence(index) {
  return new Promise((resolve) => {
    const list = evidenceWaiting.get(index) ?? [];
    list.push(resolve);
    evidenceWaiting.set(index, list);
    send({ type: 'evidence', index });
  });
}
function onEvidence(m) {
  const list = evidenceWaiting.get(m.index) ?? [];
  evidenceWaiting.delete(m.index);
  for (const f of list) f(m);
}

$('toggle-summary').addEventListener('click', (e) => {
  const s = $('summary');
  s.classList.toggle('collapsed');
  const open = !s.classList.contains('collapsed');
  e.currentTarget.setAttribute('aria-expanded', String(open));
  e.currentTarget.textContent = open ? 'Summary ▾' : 'Summary ▸';
});

// ---------------------------------------------------------------- details

let detailSeq = 0;
let detailTab = 'fields';
function selectRecord(index) {
  const pos = S.idx.indexOf(index);
  if (pos >= 0) table.select(pos, true);
  else showDetail(index);
}
function showDetail(index) {
  S.selectedRecord = index;
  detailSeq++;
  send({ type: 'detail', seq: detailSeq, index });
}

function onDetail(d) {
  if (d.seq !== detailSeq || d.missing) return;
  const box = clear($('details'));
  const get = (k) => d.fields.find((f) => f[0] === k)?.[1] ?? '';
  const action = get('event.action') || get('eventName') || '(no action)';
  const sub = [get('@timestamp') || get('eventTime'), get('user.name') || get('userIdentity.arn'), get('source.ip') || get('sourceIPAddress')].filter(Boolean);
  const body = h('div', { class: 'd-body' });
  const find = h('input', { class: 'd-find', type: 'search', 'aria-label': 'Find a field' });
  find.placeholder = 'Find field…';
  const tabs = {
    fields: h('button', { class: 'tab', type: 'button', testid: 'tab-fields' }, `Fields (${fmt.format(d.fields.length)})`),
    original: h('button', { class: 'tab', type: 'button', testid: 'tab-original' }, 'Original'),
    json: h('button', { class: 'tab', type: 'button', testid: 'tab-json' }, 'Flat JSON'),
  };
  const copyAll = h('button', { class: 'btn subtle', type: 'button', title: 'Copy what this tab shows' }, 'Copy');
  const show = (tab) => {
    detailTab = tab;
    for (const [k, b] of Object.entries(tabs)) b.classList.toggle('on', k === tab);
    find.hidden = tab !== 'fields';
    clear(body);
    if (tab === 'fields') {
      body.append(fieldList(d.fields, { onCopy: copy, rawCount: d.rawCount, onFilter: addField, onLink: openTimeline, isLink: (k, v) => k === 'cloudfront.distribution.id' && isDistribution(v) }));
      filterFields();
    } else if (tab === 'original') body.append(h('pre', { class: 'code', testid: 'detail-original' }, visible(d.original)));
    else body.append(h('pre', { class: 'code', testid: 'detail-json' }, visible(prettyJson(d.line))));
  };
  const filterFields = () => {
    const q = find.value.trim().toLowerCase();
    for (const row of body.querySelectorAll('.field')) row.hidden = Boolean(q) && !row.textContent.toLowerCase().includes(q);
  };
  find.addEventListener('input', filterFields);
  for (const [k, b] of Object.entries(tabs)) b.addEventListener('click', () => show(k));
  copyAll.addEventListener('click', () => {
    if (detailTab === 'fields' || detailTab === 'json') copy(d.line);
    else copy(d.original);
  });
  const extra = h('div', { class: 'd-extra' });
  if (d.resource && isDistribution(d.resource)) {
    extra.append(h('div', { class: 'd-sub' }, 'Distribution ', h('button', { type: 'button', class: 'link', testid: 'detail-timeline', title: 'Every call that touched it', onclick: () => openTimeline(d.resource) }, d.resource)));
  }
  // Damage first: what was not read may matter more than what was.
  if (d.damage) extra.append(damageView(d.damage));
  if (d.flags.length || d.change.state) extra.append(evidenceView(d.flags, d.change));
  box.append(
    h(
      'div',
      { class: 'd-head' },
      h('div', { class: 'd-title', testid: 'detail-title' }, cell(action, 200)),
      h('div', { class: 'd-sub' }, cell(sub.join('  ·  '), 400)),
      d.file ? h('div', { class: 'd-sub small' }, `from ${cell(d.file, 200)}`) : null,
      h('div', { class: 'd-tabs' }, tabs.fields, tabs.original, tabs.json, find, copyAll),
    ),
    extra.childNodes.length ? extra : null,
    body,
  );
  show(detailTab);
}

let toastTimer = 0;
function toast(msg) {
  let t = document.querySelector('.toast');
  if (!t) {
    t = h('div', { class: 'toast', role: 'status' });
    $('app').append(t);
  }
  t.textContent = msg;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 1400);
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.className = 'visually-hidden';
    document.body.append(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
  toast(`Copied ${fmt.format(text.length)} characters`);
}

// ---------------------------------------------------------------- unreadable records

function renderErrors() {
  const list = clear($('errors-list'));
  const shown = S.errors.slice(0, 500);
  $('errors-sub').textContent = S.errors.length
    ? `${fmt.format(S.errors.length)} record${S.errors.length === 1 ? '' : 's'} could not be read; the records around them were kept.${S.errors.length > 500 ? ' Showing the first 500.' : ''}`
    : 'None: every record was read.';
  for (const e of shown) {
    const meta = [e.file, e.offset != null ? `byte ${fmt.format(e.offset)}` : '', e.type].filter(Boolean).join(' · ');
    const raw = e.original ? e.original.slice(0, 64 << 10) : '';
    const more = e.size > raw.length ? `\n… ${fmt.format(e.size - raw.length)} more characters not shown` : '';
    list.append(
      h(
        'div',
        { class: 'err-item', testid: 'error-entry' },
        h('div', { class: 'err-head' }, h('span', { class: 'err-msg', testid: 'error-message' }, cell(e.message, 600)), h('span', { class: 'err-meta' }, cell(meta, 200))),
        raw ? rawWithMark(e.message, raw, more) : h('div', { class: 'muted small code' }, 'no raw text (the whole file could not be read)'),
      ),
    );
  }
}
/** The raw text with the character the error points at marked (all of it text). */
function rawWithMark(message, raw, more) {
  const at = errorIndex(message, raw);
  if (at < 0) return h('pre', { class: 'code', testid: 'error-original' }, visible(raw) + more);
  return h(
    'pre',
    { class: 'code', testid: 'error-original' },
    visible(raw.slice(0, at)),
    h('mark', { class: 'err-at', title: 'the error is here' }, visible(raw.slice(at, at + 1))),
    visible(raw.slice(at + 1)) + more,
  );
}
$('errors-btn').addEventListener('click', () => {
  renderErrors();
  $('errors-dialog').showModal();
  // Bring each error's mark into its box's view.
  for (const m of document.querySelectorAll('#errors-list .err-at')) {
    const pre = m.parentElement;
    pre.scrollTop = Math.max(0, m.offsetTop - pre.clientHeight / 2);
  }
});
$('errors-close').addEventListener('click', () => $('errors-dialog').close());

// ---------------------------------------------------------------- timeline of one distribution

let timelineSeq = 0;
function openTimeline(id) {
  timelineSeq++;
  $('timeline-title').textContent = `Timeline of ${cell(id, 80)}`;
  $('timeline-sub').textContent = 'reading…';
  clear($('timeline-list'));
  if (!$('timeline-dialog').open) $('timeline-dialog').showModal();
  send({ type: 'timeline', seq: timelineSeq, id });
}
function onTimeline(m) {
  if (m.seq !== timelineSeq) return;
  const denied = m.entries.filter((e) => e.outcome === 'failure').length;
  $('timeline-sub').textContent = `${fmt.format(m.count)} call${m.count === 1 ? '' : 's'}, oldest first${denied ? `, ${fmt.format(denied)} failed or denied` : ''}${m.count > m.entries.length ? `; the first ${fmt.format(m.entries.length)} shown` : ''}`;
  const list = clear($('timeline-list'));
  list.append(...timelineList(m.entries, { onOpen: (i) => ($('timeline-dialog').close(), selectRecord(i)) }));
  list.querySelector('button')?.focus();
}
$('timeline-close').addEventListener('click', () => $('timeline-dialog').close());

// ---------------------------------------------------------------- export

let exportSeq = 0;
function exportAs(format) {
  exportSeq++;
  send({ type: 'export', seq: exportSeq, format, q: { filters: filters(), sort: S.sort } });
}
$('export-ndjson').addEventListener('click', () => exportAs('ndjson'));
$('export-csv').addEventListener('click', () => exportAs('csv'));
function onExport(m) {
  const url = URL.createObjectURL(m.blob);
  const a = $('download');
  a.href = url;
  a.download = `cloudtrail-${m.count}-events.${m.format === 'csv' ? 'csv' : 'ndjson'}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
  toast(`Exported ${fmt.format(m.count)} events as ${m.format.toUpperCase()}`);
}

// ---------------------------------------------------------------- detections (detections.mjs)

const detections = new DetectionsPanel({
  root: $('detections'),
  onPick: (r) => {
    S.rule = r && { ...r, neg: false };
    pills();
    requery();
  },
  onOpen: (i) => selectRecord(i),
});

// ---------------------------------------------------------------- files in

function open(files) {
  const list = [...files];
  if (!list.length) return;
  S.loading += list.length;
  status();
  $('empty').hidden = true;
  $('app').classList.remove('nodata');
  send({ type: 'files', files: list });
}
// Everything lives in this tab's memory: starting afresh is a reload.
$('close-all').addEventListener('click', () => location.reload());
for (const b of [$('open-btn'), $('open-btn-2')]) b.addEventListener('click', () => $('file-input').click());
$('file-input').addEventListener('change', (e) => {
  open(e.target.files);
  e.target.value = '';
});

const app = $('app');
let dragDepth = 0;
const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
app.addEventListener('dragenter', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth++;
  app.classList.add('dragging');
});
app.addEventListener('dragover', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = 'copy';
});
app.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) app.classList.remove('dragging');
});
app.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  app.classList.remove('dragging');
  open(e.dataTransfer?.files ?? []);
});
// A drop that misses the page must not navigate away to the file.
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => e.preventDefault());

function progress(m) {
  const bar = $('progress');
  if (m.done) {
    S.loading = Math.max(0, S.loading - 1);
    S.files.push(m.info);
    status();
  }
  bar.hidden = S.loading === 0;
  const pct = m.size ? Math.round((100 * m.loaded) / m.size) : 100;
  // A transform, not a width: no layout or paint on the page's thread for each step (issue 16).
  $('progress-bar').style.transform = `scaleX(${pct / 100})`;
  const mb = (n) => `${(n / 1048576).toFixed(n < 10485760 ? 1 : 0)} MB`;
  $('progress-text').textContent = `Reading ${cell(m.name, 80)} · ${pct}% of ${mb(m.size)} · ${fmt.format(S.total)} events so far${S.loading > 1 ? ` · ${S.loading - 1} more file${S.loading > 2 ? 's' : ''} queued` : ''}`;
}

/**
 * The status line: while reading, what is being read; then the files in one short line (their
 * count, events and unreadable records), each file's own figures in the file filter's list and
 * on hover, so many files never overflow it.
 */
function status() {
  const engine = S.streaming === null ? '' : S.streaming ? 'engine: WebAssembly, streaming' : 'engine: WebAssembly, whole file';
  let what;
  if (S.loading > 0) what = `Reading ${S.loading} file${S.loading === 1 ? '' : 's'}…${S.files.length ? ` (${S.files.length} read)` : ''}`;
  else if (!S.files.length) what = 'No files yet.';
  else if (S.files.length === 1) {
    const f = S.files[0];
    what = `1 file: ${cell(f.name, 60)} (${describe(f)})`;
  } else {
    const events = S.files.reduce((a, f) => a + f.records, 0);
    const errors = S.files.reduce((a, f) => a + f.errors, 0);
    const gz = S.files.filter((f) => f.gzip).length;
    what = `${S.files.length} files${gz ? ` (${gz} gzip)` : ''}: ${fmt.format(events)} events${errors ? `, ${fmt.format(errors)} unreadable` : ''}`;
  }
  $('status-text').textContent = [what, engine].filter(Boolean).join('   |   ');
  $('status').title = S.files.map((f) => `${visible(f.name)}: ${describe(f)}`).join('\n');
}
function describe(f) {
  return f.failed ? 'unreadable' : `${f.format || '?'}${f.gzip ? '+gzip' : ''}, ${fmt.format(f.records)} events${f.errors ? `, ${fmt.format(f.errors)} unreadable` : ''}${f.salvaged ? `, ${fmt.format(f.salvaged)} salvaged` : ''}`;
}

// ---------------------------------------------------------------- worker messages

worker.onmessage = (ev) => {
  const m = ev.data;
  switch (m.type) {
    case 'ready':
      S.streaming = m.streaming;
      status();
      document.documentElement.dataset.ready = '1';
      break;
    case 'rows':
      for (const { key } of COLUMNS) {
        S.cols[key].append(m.cols[key]);
        for (const v of m.dicts[key]) S.dicts[key].push(v);
      }
      S.ms.append(m.ms);
      S.sev.append(m.sev);
      S.salv.append(m.salv);
      S.salvaged = m.salvaged;
      S.total = m.to;
      for (const e of m.errors) S.errors.push(e);
      counts();
      requerySoon();
      break;
    case 'progress':
      progress(m);
      break;
    case 'idle':
      // Time the worker spent reading (push), keeping rows (add) and querying: for the tests' log.
      if (m.stats) window.__viewerStats = m.stats;
      requery();
      break;
    case 'result':
      onResult(m);
      break;
    case 'detail':
      onDetail(m);
      break;
    case 'timeline':
      onTimeline(m);
      break;
    case 'evidence':
      onEvidence(m);
      break;
    case 'export':
      onExport(m);
      break;
    case 'detections':
      detections.update(m);
      break;
    case 'fatal':
      $('status-text').textContent = `Error: ${cell(String(m.message), 400)}`;
      if (m.during === 'files') {
        S.loading = 0;
        $('progress').hidden = true;
      }
      delete document.documentElement.dataset.busy;
      break;
  }
};
worker.onerror = (e) => {
  // Most likely out of memory on a very large log: say so, and stop showing progress.
  $('status-text').textContent = `The reading worker stopped: ${cell(String(e.message ?? e), 300)}. Reload to start again.`;
  S.loading = 0;
  $('progress').hidden = true;
  delete document.documentElement.dataset.busy;
};

// ---------------------------------------------------------------- keys and theme

document.addEventListener('keydown', (e) => {
  if (e.key === '/' && document.activeElement?.tagName !== 'INPUT') {
    e.preventDefault();
    F.text.focus();
  } else if (e.key === 'Escape' && document.activeElement === F.text && F.text.value) {
    F.text.value = '';
    requery();
  }
});

const saved = localStorage.getItem('cloudfront-trail.theme');
if (saved === 'dark' || saved === 'light') document.documentElement.dataset.theme = saved;
$('theme').addEventListener('click', () => {
  const dark = document.documentElement.dataset.theme
    ? document.documentElement.dataset.theme === 'dark'
    : matchMedia('(prefers-color-scheme: dark)').matches || !matchMedia('(prefers-color-scheme: light)').matches;
  const next = dark ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  localStorage.setItem('cloudfront-trail.theme', next);
  timeChart.draw();
});

status();
