// The viewer page: wires the controls to the worker (which reads, filters, sorts and summarises)
// and renders what it answers. Values are only ever rendered as text (see render.mjs).
import { COLUMNS, Grow, cell, errorIndex, isoOf, prettyJson, visible } from './model.mjs';
import { TimeChart, VirtualTable, bars, clear, fieldList, fmt, h } from './render.mjs';

const $ = (id) => document.getElementById(id);

const S = {
  cols: Object.fromEntries(COLUMNS.map((c) => [c.key, new Grow()])),
  ms: new Grow(Float64Array),
  dicts: Object.fromEntries(COLUMNS.map((c) => [c.key, []])),
  total: 0,
  idx: new Uint32Array(0),
  errors: [],
  files: [],
  sort: { key: 'time', dir: 1 },
  seq: 0,
  loading: 0,
  selectedRecord: -1,
  optionsTotal: -1,
  streaming: null,
};

const worker = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });
const send = (m) => worker.postMessage(m);

// ---------------------------------------------------------------- table

const thead = $('thead');
for (const c of COLUMNS) {
  const th = h('button', { class: 'th', type: 'button', role: 'columnheader', 'data-key': c.key, title: `Sort by ${c.label}` }, c.label);
  th.addEventListener('click', () => {
    S.sort = S.sort.key === c.key ? { key: c.key, dir: -S.sort.dir } : { key: c.key, dir: 1 };
    headers();
    requery();
  });
  thead.append(th);
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
headers();

const valueAt = (i, key) => {
  if (key === 'time') {
    const ms = S.ms.a[i];
    if (ms === ms) return isoOf(ms);
  }
  return S.dicts[key][S.cols[key].a[i]] ?? '';
};
const failureCode = () => S.dicts.outcome.indexOf('failure');

const table = new VirtualTable({
  scroller: $('tbody'),
  spacer: $('spacer'),
  rowsEl: $('rows'),
  rowHeight: 26,
  columns: COLUMNS,
  cellText: (pos, key) => valueAt(S.idx[pos], key),
  rowClass: (pos) => (S.cols.outcome.a[S.idx[pos]] === failureCode() ? 'fail' : ''),
  onSelect: (pos) => showDetail(S.idx[pos]),
});
// Keep the header aligned with the rows when the body shows a scrollbar.
new ResizeObserver(() => {
  const sb = $('tbody').offsetWidth - $('tbody').clientWidth;
  thead.style.setProperty('--sbw', `${sb}px`);
}).observe($('tbody'));

// ---------------------------------------------------------------- filters

const F = {
  text: $('f-text'),
  action: $('f-action'),
  principal: $('f-principal'),
  outcome: $('f-outcome'),
  risk: $('f-risk'),
  from: $('f-from'),
  to: $('f-to'),
};

/** A UTC time from what a person types: ISO, with or without seconds and zone. */
function parseTime(s) {
  const t = s.trim();
  if (!t) return null;
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(t) ? `${t.replace(' ', 'T')}${t.length > 10 ? 'Z' : 'T00:00:00Z'}` : t;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

function filters() {
  const f = {};
  if (F.text.value.trim()) f.text = F.text.value;
  for (const k of ['action', 'principal', 'outcome', 'risk']) if (F[k].value) f[k] = F[k].value;
  for (const k of ['from', 'to']) {
    const v = parseTime(F[k].value);
    F[k].classList.toggle('invalid', v === undefined);
    if (typeof v === 'number') f[k] = k === 'to' && !/:\d{2}:\d{2}/.test(F[k].value) ? v + 59_999 : v;
  }
  for (const [k, el] of Object.entries(F)) el.classList.toggle('on', Boolean(f[k]));
  return f;
}

let textTimer = 0;
F.text.addEventListener('input', () => {
  clearTimeout(textTimer);
  textTimer = setTimeout(requery, 180);
});
for (const k of ['action', 'principal', 'outcome', 'risk']) F[k].addEventListener('change', () => requery());
for (const k of ['from', 'to']) F[k].addEventListener('change', () => requery());
$('f-clear').addEventListener('click', () => {
  for (const el of Object.values(F)) el.value = '';
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
  const lists = { action: 'All actions', principal: 'All principals', outcome: 'Any outcome' };
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
function requery() {
  clearTimeout(queryTimer);
  queryTimer = 0;
  lastQueryAt = Date.now();
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
  const pace = Math.max(400, 5 * queryMs);
  queryTimer = setTimeout(requery, Math.max(0, pace - (Date.now() - lastQueryAt)));
}

function onResult(m) {
  if (m.seq !== S.seq) return; // a newer query is on its way
  queryMs = Date.now() - lastQueryAt;
  delete document.documentElement.dataset.busy;
  S.idx = m.idx;
  S.total = m.total;
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
  $('empty').hidden = S.total > 0 || S.errors.length > 0 || S.loading > 0;
  $('app').classList.toggle('nodata', $('empty').hidden === false);
  for (const b of [$('export-ndjson'), $('export-csv')]) b.disabled = S.idx.length === 0;
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
  const list = clear($('chart-risky'));
  if (!s.risky.length) list.append(h('div', { class: 'muted small' }, s.count ? 'No risky CloudFront changes in these events' : 'No events'));
  for (const r of s.risky) {
    list.append(
      h(
        'button',
        { class: 'risky-row', type: 'button', testid: 'risky-row', onclick: () => selectRecord(r.index) },
        h('span', { class: 'rr' }, cell(`${r.action} ${r.resource || ''}`, 120), h('span', { class: 'muted' }, ` · ${cell(r.principal, 60)}`)),
        h('span', { class: 'rt' }, cell(r.time.replace('T', ' ').replace(/:\d{2}(\.\d+)?Z$/, ''), 16)),
        h('span', { class: 'rf' }, cell(r.risk, 120)),
      ),
    );
  }
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
      body.append(fieldList(d.fields, { onCopy: copy, rawCount: d.rawCount }));
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
  box.append(
    h(
      'div',
      { class: 'd-head' },
      h('div', { class: 'd-title', testid: 'detail-title' }, cell(action, 200)),
      h('div', { class: 'd-sub' }, cell(sub.join('  ·  '), 400)),
      d.file ? h('div', { class: 'd-sub small' }, `from ${cell(d.file, 200)}`) : null,
      h('div', { class: 'd-tabs' }, tabs.fields, tabs.original, tabs.json, find, copyAll),
    ),
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

// ---------------------------------------------------------------- files in

function open(files) {
  const list = [...files];
  if (!list.length) return;
  S.loading += list.length;
  $('empty').hidden = true;
  $('app').classList.remove('nodata');
  send({ type: 'files', files: list });
}
// Everything lives in this tab's memory: starting afresh is a reload.
$('close-all').addEventListener('click', () => location.reload());
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
  $('progress-bar').style.width = `${pct}%`;
  const mb = (n) => `${(n / 1048576).toFixed(n < 10485760 ? 1 : 0)} MB`;
  $('progress-text').textContent = `Reading ${cell(m.name, 80)} · ${pct}% of ${mb(m.size)} · ${fmt.format(S.total)} events so far${S.loading > 1 ? ` · ${S.loading - 1} more file${S.loading > 2 ? 's' : ''} queued` : ''}`;
}

function status() {
  const files = S.files.map((f) => {
    const what = f.failed ? 'unreadable' : `${f.format || '?'}${f.gzip ? '+gzip' : ''}, ${fmt.format(f.records)} events${f.errors ? `, ${fmt.format(f.errors)} unreadable` : ''}`;
    return `${cell(f.name, 60)} (${what})`;
  });
  const engine = S.streaming === null ? '' : S.streaming ? 'engine: WebAssembly, streaming' : 'engine: WebAssembly, whole file';
  $('status-text').textContent = [files.length ? `${files.length} file${files.length > 1 ? 's' : ''}: ${files.join(' · ')}` : 'No files yet.', engine].filter(Boolean).join('   |   ');
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
    case 'export':
      onExport(m);
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
