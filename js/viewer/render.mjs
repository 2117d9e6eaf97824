// DOM building for the viewer. Every value from a log is attacker-controlled, so it reaches the
// page only as text: nodes are made with createElement, data goes in through textContent (or a
// Text node), never innerHTML, and never into href, src or style. Widths are set through CSSOM
// properties with numbers we computed.
import { cell, visible } from './model.mjs';

/**
 * h('div', { class: 'x', testid: 'y' }, child, 'text', ...): an element. Attributes are the
 * fixed set below; strings become Text nodes; null/false children are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'testid') el.dataset.testid = v;
      else if (k === 'title') el.title = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'onclick') el.addEventListener('click', v);
      else if (k === 'type' || k === 'tabindex' || k === 'role' || k === 'value' || k === 'id' || k.startsWith('aria-')) el.setAttribute(k, String(v));
      else if (k.startsWith('data-')) el.setAttribute(k, String(v));
      else throw new Error(`h(): attribute ${k} is not allowed`);
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

export const fmt = new Intl.NumberFormat('en');

// ---------------------------------------------------------------- the event table

/**
 * A virtualised table: a fixed pool of row elements moved over a tall spacer, so the DOM holds
 * only the rows on screen whatever the count. Past the height a browser can lay out, scroll
 * positions are scaled onto rows.
 */
export class VirtualTable {
  constructor({ scroller, spacer, rowsEl, rowHeight, columns, cellText, rowClass, onSelect, onCell, onLink, isLink }) {
    Object.assign(this, { scroller, spacer, rowsEl, rowHeight, columns, cellText, rowClass, onSelect, onCell, onLink, isLink });
    this.count = 0;
    this.selected = -1; // a position in the current order
    this.pool = [];
    this.maxPx = 8_000_000;
    scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(scroller);
    rowsEl.addEventListener('click', (e) => {
      const row = e.target.closest('[data-pos]');
      if (!row) return;
      const pos = Number(row.dataset.pos);
      // A cell's include/exclude buttons and a resource link act on the cell, not the row.
      const act = e.target.closest('[data-act]');
      if (act) {
        e.stopPropagation();
        const key = act.closest('[data-col]').dataset.col;
        if (act.dataset.act === 'link') this.onLink?.(pos, key);
        else this.onCell?.(pos, key, act.dataset.act === 'out');
        return;
      }
      this.select(pos);
    });
    scroller.addEventListener('keydown', (e) => {
      if (!this.count) return;
      const page = Math.max(1, Math.floor(this.scroller.clientHeight / this.rowHeight) - 1);
      const step = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity, End: Infinity }[e.key];
      if (step === undefined) return;
      e.preventDefault();
      const next = Math.max(0, Math.min(this.count - 1, (this.selected < 0 ? -1 : this.selected) + step));
      this.select(next, true);
    });
  }

  /** Shows another set of columns (the column chooser): the row pool is made again. */
  setColumns(columns) {
    this.columns = columns;
    for (const r of this.pool) r.remove();
    this.pool = [];
    this.render();
  }

  setCount(n, keepScroll) {
    this.count = n;
    this.spacer.style.height = `${Math.min(n * this.rowHeight, this.maxPx)}px`;
    if (!keepScroll) this.scroller.scrollTop = 0;
    if (this.selected >= n) this.selected = -1;
    // For assistive technology: how many rows there are (the header row is the first).
    this.scroller.closest('[role=grid]')?.setAttribute('aria-rowcount', String(n + 1));
    this.render();
  }

  /** The first row shown for the current scroll position. */
  firstRow() {
    const { scrollTop, clientHeight } = this.scroller;
    const full = this.count * this.rowHeight;
    if (full <= this.maxPx) return Math.floor(scrollTop / this.rowHeight);
    const frac = scrollTop / Math.max(1, this.maxPx - clientHeight);
    return Math.floor(frac * Math.max(0, this.count - clientHeight / this.rowHeight));
  }

  schedule() {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.render();
    });
  }

  newRow() {
    const row = h('div', { class: 'row', testid: 'event-row', role: 'row' });
    for (const c of this.columns) {
      // The value as text, then the cell's own controls (no data in them).
      row.append(
        h(
          'div',
          { class: `c c-${c.key}`, role: 'gridcell', 'data-col': c.key },
          h('span', { class: 'cv' }),
          h(
            'span',
            { class: 'cell-acts' },
            // Glyphs from CSS, so a cell's text is its value alone.
            h('button', { type: 'button', class: 'act in', tabindex: -1, 'data-act': 'in', title: 'Only events with this value', 'aria-label': 'Filter for this value' }),
            h('button', { type: 'button', class: 'act out', tabindex: -1, 'data-act': 'out', title: 'Hide events with this value', 'aria-label': 'Filter out this value' }),
          ),
        ),
      );
    }
    return row;
  }

  render() {
    const visibleRows = Math.ceil(this.scroller.clientHeight / this.rowHeight) + 2;
    const first = Math.max(0, Math.min(this.firstRow(), Math.max(0, this.count - visibleRows + 2)));
    const n = Math.max(0, Math.min(visibleRows, this.count - first));
    while (this.pool.length < n) {
      const row = this.newRow();
      this.pool.push(row);
      this.rowsEl.append(row);
    }
    // Rows are placed relative to the scroll position so a scaled scroll still lines up.
    const full = this.count * this.rowHeight;
    const offset = full <= this.maxPx ? first * this.rowHeight : this.scroller.scrollTop;
    this.rowsEl.style.transform = `translateY(${offset}px)`;
    let active = '';
    for (let k = 0; k < this.pool.length; k++) {
      const row = this.pool[k];
      if (k >= n) {
        // Spare rows of the pool: hidden and not counted as event rows.
        row.hidden = true;
        delete row.dataset.testid;
        continue;
      }
      const pos = first + k;
      row.hidden = false;
      row.dataset.testid = 'event-row';
      row.dataset.pos = String(pos);
      row.id = `row-${k}`;
      row.setAttribute('aria-rowindex', String(pos + 2));
      row.setAttribute('aria-selected', String(pos === this.selected));
      if (pos === this.selected) active = row.id;
      row.className = `row ${this.rowClass(pos)}${pos === this.selected ? ' selected' : ''}`;
      this.columns.forEach((c, j) => {
        const t = this.cellText(pos, c.key);
        const el = row.children[j];
        const v = el.firstChild;
        const shown = cell(t);
        if (v.textContent !== shown) {
          v.textContent = shown;
          // The whole value (within reason) on hover, for cut cells.
          el.title = t.length > 24 ? cell(t, 2000) : '';
        }
        const link = Boolean(t) && Boolean(this.isLink?.(c.key, t));
        if (link) v.dataset.act = 'link';
        else delete v.dataset.act;
        v.classList.toggle('link', link);
        if (c.key === 'risk' || c.key === 'outcome') el.dataset.v = t ? (c.key === 'risk' ? 'flag' : t === 'failure' ? 'failure' : 'ok') : '';
      });
    }
    if (active) this.scroller.setAttribute('aria-activedescendant', active);
    else this.scroller.removeAttribute('aria-activedescendant');
  }

  select(pos, scrollIntoView) {
    if (pos < 0 || pos >= this.count) return;
    this.selected = pos;
    if (scrollIntoView && this.count * this.rowHeight <= this.maxPx) {
      const top = pos * this.rowHeight;
      const { scrollTop, clientHeight } = this.scroller;
      if (top < scrollTop) this.scroller.scrollTop = top;
      else if (top + this.rowHeight > scrollTop + clientHeight) this.scroller.scrollTop = top + this.rowHeight - clientHeight;
    }
    this.render();
    this.onSelect(pos);
  }
}

// ---------------------------------------------------------------- summary pictures

/** Horizontal bars: label, bar (failures in a second colour), count. Click picks the value. */
export function bars(container, rows, { onPick, empty = 'Nothing to show', testid } = {}) {
  clear(container);
  if (!rows.length) {
    container.append(h('div', { class: 'muted small' }, empty));
    return;
  }
  const max = Math.max(...rows.map((r) => r.count));
  for (const r of rows) {
    const bar = h('div', { class: 'bar' });
    bar.style.width = `${(100 * r.count) / max}%`;
    if (r.failures) {
      const f = h('div', { class: 'bar-fail' });
      f.style.width = `${(100 * r.failures) / r.count}%`;
      bar.append(f);
    }
    const label = r.value === '' ? '(none)' : cell(r.value, 80);
    const row = h(
      'button',
      { class: 'bar-row', type: 'button', title: visible(r.value), testid, onclick: onPick ? () => onPick(r.value) : undefined },
      h('span', { class: 'bar-label' }, label),
      h('span', { class: 'bar-track' }, bar),
      h('span', { class: 'bar-count' }, fmt.format(r.count), r.failures ? h('span', { class: 'fail-n' }, ` ${fmt.format(r.failures)}✕`) : null),
    );
    container.append(row);
  }
}

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** A bucket's label for its unit: year, month, day, minute or second (UTC). */
function tick(ms, unit) {
  const d = new Date(ms).toISOString();
  if (unit === 'year') return d.slice(0, 4);
  if (unit === 'month') return d.slice(0, 7);
  if (unit === 'day') return d.slice(0, 10);
  if (unit === 'minute') return `${d.slice(5, 10)} ${d.slice(11, 16)}`;
  return d.slice(11, 19);
}

/**
 * Events over time on a canvas: stacked bars (successes, failures). Dragging selects a time
 * range (onRange(from, to)); a double-click clears it.
 */
export class TimeChart {
  constructor(canvas, { onRange }) {
    this.canvas = canvas;
    this.onRange = onRange;
    this.hist = null;
    this.drag = null;
    new ResizeObserver(() => this.draw()).observe(canvas);
    const xAt = (e) => e.clientX - canvas.getBoundingClientRect().left;
    canvas.addEventListener('pointerdown', (e) => {
      if (!this.hist) return;
      canvas.setPointerCapture(e.pointerId);
      this.drag = { a: xAt(e), b: xAt(e) };
      this.draw();
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.drag) {
        this.drag.b = xAt(e);
        this.draw();
      } else this.hover(xAt(e));
    });
    canvas.addEventListener('pointerleave', () => {
      this.hoverX = null;
      if (!this.drag) this.draw();
    });
    canvas.addEventListener('pointerup', () => {
      const d = this.drag;
      this.drag = null;
      if (!d || !this.hist || Math.abs(d.a - d.b) < 4) return this.draw();
      const [x0, x1] = [Math.min(d.a, d.b), Math.max(d.a, d.b)];
      this.onRange(this.timeAt(x0), this.timeAt(x1));
    });
    canvas.addEventListener('dblclick', () => this.onRange(null, null));
  }

  /** The time at x: buckets are equally wide on screen, so inside one it is linear. */
  timeAt(x) {
    const { edges, ok } = this.hist;
    const w = this.plotW();
    const f = (Math.max(0, Math.min(w, x - this.padL)) / w) * ok.length;
    const i = Math.min(ok.length - 1, Math.floor(f));
    return edges[i] + (f - i) * (edges[i + 1] - edges[i]);
  }

  plotW() {
    return Math.max(1, this.canvas.clientWidth - this.padL - 8);
  }

  hover(x) {
    this.hoverX = x;
    this.draw();
  }

  set(hist) {
    this.hist = hist;
    this.draw();
  }

  draw() {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const W = c.clientWidth;
    const H = c.clientHeight;
    if (!W || !H) return;
    if (c.width !== Math.round(W * dpr) || c.height !== Math.round(H * dpr)) {
      c.width = Math.round(W * dpr);
      c.height = Math.round(H * dpr);
    }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, W, H);
    const font = css('--font-ui') || 'system-ui, sans-serif';
    g.font = `11px ${font}`;
    const h0 = this.hist;
    if (!h0 || !h0.ok.length) {
      g.fillStyle = css('--muted');
      g.fillText('No timestamps to plot', 8, H / 2);
      return;
    }
    const { edges, unit, ok, bad } = h0;
    let max = 1;
    for (let i = 0; i < ok.length; i++) max = Math.max(max, ok[i] + bad[i]);
    this.padL = Math.ceil(g.measureText(fmt.format(max)).width) + 10;
    const padB = 18;
    const plotH = H - padB - 6;
    const w = this.plotW();
    const bw = w / ok.length;
    // Grid: zero, half and max.
    g.strokeStyle = css('--grid');
    g.fillStyle = css('--muted');
    g.lineWidth = 1;
    // Grid lines at zero, half (when it is a whole number of its own) and the maximum.
    for (const f of max >= 4 ? [0, 0.5, 1] : [0, 1]) {
      const y = Math.round(6 + plotH * (1 - f)) + 0.5;
      g.beginPath();
      g.moveTo(this.padL, y);
      g.lineTo(this.padL + w, y);
      g.stroke();
      const label = fmt.format(Math.round(max * f));
      g.fillText(label, this.padL - 6 - g.measureText(label).width, y + 4);
    }
    const okC = css('--accent');
    const badC = css('--bad');
    for (let i = 0; i < ok.length; i++) {
      const x = this.padL + i * bw + (bw > 4 ? 1 : 0);
      const bwi = Math.max(1, bw - (bw > 4 ? 2 : 0));
      const ho = (ok[i] / max) * plotH;
      const hb = (bad[i] / max) * plotH;
      g.fillStyle = okC;
      g.fillRect(x, 6 + plotH - ho, bwi, ho);
      g.fillStyle = badC;
      g.fillRect(x, 6 + plotH - ho - hb, bwi, hb);
    }
    // Axis labels: first, middle, last bucket.
    g.fillStyle = css('--muted');
    const labels = [0, Math.floor(ok.length / 2), ok.length - 1];
    labels.forEach((i, k) => {
      const t = tick(edges[i], unit);
      const tw = g.measureText(t).width;
      const x = this.padL + i * bw + bw / 2 - (k === 0 ? 0 : k === 2 ? tw : tw / 2);
      g.fillText(t, Math.max(this.padL, Math.min(W - tw - 2, x - (k === 0 ? bw / 2 : 0))), H - 4);
    });
    if (this.drag) {
      const [a, b] = [Math.min(this.drag.a, this.drag.b), Math.max(this.drag.a, this.drag.b)];
      g.fillStyle = css('--sel');
      g.fillRect(a, 6, b - a, plotH);
    } else if (this.hoverX != null && this.hoverX >= this.padL) {
      const i = Math.floor((this.hoverX - this.padL) / bw);
      if (i >= 0 && i < ok.length) {
        const t = `${tick(edges[i], unit === 'second' ? unit : unit === 'year' || unit === 'month' ? unit : 'minute')}  ${fmt.format(ok[i] + bad[i])} events${bad[i] ? `, ${fmt.format(bad[i])} failed` : ''}`;
        g.fillStyle = css('--fg');
        const tw = g.measureText(t).width;
        g.fillText(t, Math.min(W - tw - 4, this.padL + 4), 14);
      }
    }
  }
}

/**
 * The flattened fields of one event as a key/value list with copy buttons: the enrichment first
 * (what a person reads), then the record's own fields in their order.
 */
export function fieldList(fields, { onCopy, onFilter, onLink, isLink, rawCount = fields.length }) {
  const list = h('div', { class: 'fields', role: 'table', testid: 'detail-fields' });
  const row = (f, enriched) => {
    const [k, v, type] = f;
    const shown = v.length > 20000 ? `${v.slice(0, 20000)}… (${fmt.format(v.length)} characters; copy for all)` : v;
    const value = isLink?.(k, v) ? h('button', { type: 'button', class: 'link', title: 'Every call that touched this resource', onclick: () => onLink(v), testid: 'resource-link' }, visible(shown)) : visible(shown);
    return h(
      'div',
      { class: `field${enriched ? ' enriched' : ''}`, role: 'row', 'data-key': k },
      h('div', { class: 'fk', role: 'cell', title: visible(k) }, breakable(visible(k))),
      h('div', { class: `fv t-${type}`, role: 'cell' }, value),
      h(
        'div',
        { class: 'fa', role: 'cell' },
        onFilter ? h('button', { class: 'act', type: 'button', title: 'Only events with this value', 'aria-label': `Filter for ${visible(k)}`, testid: 'field-in', onclick: () => onFilter(f, false) }, '⊕') : null,
        onFilter ? h('button', { class: 'act', type: 'button', title: 'Hide events with this value', 'aria-label': `Filter out ${visible(k)}`, testid: 'field-out', onclick: () => onFilter(f, true) }, '⊖') : null,
        h('button', { class: 'copy', type: 'button', title: 'Copy value', 'aria-label': 'Copy value', onclick: () => onCopy(v) }, '⧉'),
      ),
    );
  };
  const enriched = fields.slice(rawCount);
  if (enriched.length) {
    list.append(h('div', { class: 'fgroup' }, `Enrichment · ${enriched.length}`));
    for (const f of enriched) list.append(row(f, true));
    list.append(h('div', { class: 'fgroup' }, `Record · ${rawCount}`));
  }
  for (const f of fields.slice(0, rawCount)) list.append(row(f, false));
  return list;
}

/** Text with line-break opportunities after each dot (as <wbr> elements; the text stays text). */
function breakable(s) {
  const parts = s.split('.');
  const out = [];
  parts.forEach((p, i) => {
    out.push(i < parts.length - 1 ? `${p}.` : p);
    if (i < parts.length - 1) out.push(document.createElement('wbr'));
  });
  return out;
}
