// The triage views: risky changes ranked, a distribution's timeline, a record's evidence (flags
// with the values behind them, changed fields before → after) and a salvaged record's damage.
// Like render.mjs, every value reaches the page as text only.
import { cell, visible } from './model.mjs';
import { fmt, h } from './render.mjs';

const when = (t) => cell(String(t ?? '').replace('T', ' ').replace(/(\.\d+)?Z$/, ''), 24);
const sevBadge = (s) => h('span', { class: `sev sev-${s || 'none'}`, testid: 'severity' }, s || 'flag');

/** A value as a short line: an absent one as (none), an empty string as "". */
const val = (v, n = 300) => (v === undefined || v === null ? '(none)' : v === '' ? '""' : cell(String(v), n));

/** One before → after line of a changed key. */
function diffLine(d) {
  return h(
    'li',
    { class: 'diff', testid: 'diff-line' },
    h('span', { class: 'dk' }, cell(d.key, 200)),
    h('span', { class: 'before', title: 'before' }, val(d.before)),
    h('span', { class: 'arrow', 'aria-label': 'became' }, ' → '),
    h('span', { class: 'after', title: 'after' }, val(d.after)),
  );
}

/**
 * The evidence of a record: each flag with its severity and the keys that raised it (a change
 * flag's before → after, a state flag's value), then what the call changed.
 */
export function evidenceView(flags, change) {
  const box = h('div', { class: 'evidence', testid: 'evidence' });
  for (const f of flags) {
    const ev = h('ul', { class: 'ev-list' });
    for (const e of f.evidence) {
      if (!('value' in e)) ev.append(diffLine(e));
      else ev.append(h('li', { class: 'diff' }, h('span', { class: 'dk' }, cell(e.key, 200)), h('span', { class: 'after' }, ` = ${val(e.value)}`)));
    }
    box.append(h('div', { class: 'ev-flag', testid: 'evidence-flag' }, sevBadge(f.severity), h('span', { class: 'flag-name' }, cell(f.flag, 80)), f.kind ? h('span', { class: 'muted small' }, ` ${cell(f.kind, 20)}`) : null, ev));
  }
  if (change && change.state) {
    const head = {
      changed: `Changed ${fmt.format(change.fields.length)} field${change.fields.length === 1 ? '' : 's'}`,
      unchanged: 'Same configuration as before',
      first_seen: 'First configuration seen of this resource (nothing earlier to compare)',
      out_of_order: 'Arrived out of time order: no change is claimed',
    }[change.state] ?? cell(change.state, 40);
    const since = change.previous ? ` since ${cell(change.previous.action, 60)} at ${when(change.previous.time)}` : '';
    box.append(h('div', { class: 'ch-head', testid: 'change-state' }, head + (change.state === 'changed' ? since : '')));
    if (change.diff.length) {
      const ul = h('ul', { class: 'ev-list', testid: 'change-diff' });
      for (const d of change.diff) ul.append(diffLine(d));
      box.append(ul);
    } else if (change.fields.length) {
      box.append(h('div', { class: 'muted small' }, change.fields.map((k) => cell(k, 120)).join(', ')));
    }
    if (change.more) box.append(h('div', { class: 'muted small' }, 'More changes than shown (capped).'));
  }
  return box;
}

/**
 * Risky records, worst severity first then latest; each opens on its evidence, which
 * `loadEvidence(index)` fetches when it is first opened (resolving to { flags, change }).
 */
export function triageList(entries, { onOpen, onTimeline, isDistribution, loadEvidence }) {
  const list = h('div', { class: 'tri-list', role: 'list' });
  for (const r of entries) {
    const dist = r.resource && isDistribution(r.resource)
      ? h('button', { type: 'button', class: 'link', testid: 'triage-distribution', title: 'Every call that touched this distribution', onclick: (e) => (e.preventDefault(), e.stopPropagation(), onTimeline(r.resource)) }, r.resource)
      : h('span', { class: 'mono' }, cell(r.resource || '', 60));
    const sum = h(
      'summary',
      { class: 'tri-sum' },
      sevBadge(r.severity),
      h('span', { class: 'tri-what' }, cell(r.action, 60), ' ', dist),
      h('span', { class: 'tri-who', title: 'who' }, cell(r.principal || '(unknown)', 50)),
      h('span', { class: 'tri-when' }, when(r.time)),
      h('span', { class: 'tri-flags' }, cell(r.risk, 200)),
    );
    const body = h(
      'div',
      { class: 'tri-body' },
      r.outcome === 'failure' ? h('div', { class: 'bad small' }, 'This call failed: the change was attempted, not made.') : null,
      h('div', { class: 'muted small' }, 'reading…'),
      h('button', { type: 'button', class: 'btn subtle', onclick: () => onOpen(r.index) }, 'Show the event'),
    );
    const item = h('details', { class: 'tri', role: 'listitem', testid: 'risky-row', 'data-index': r.index }, sum, body);
    let asked = false;
    item.addEventListener('toggle', async () => {
      if (!item.open || asked) return;
      asked = true;
      const ev = await loadEvidence(r.index);
      body.children[r.outcome === 'failure' ? 1 : 0].replaceWith(evidenceView(ev.flags, ev.change));
    });
    list.append(item);
  }
  return list;
}

/** A distribution's calls, oldest first, each with what it changed. */
export function timelineList(entries, { onOpen }) {
  return entries.map((e) =>
    h(
      'li',
      { class: `tl${e.outcome === 'failure' ? ' fail' : ''}`, testid: 'timeline-entry' },
      h(
        'div',
        { class: 'tl-head' },
        h('span', { class: 'tri-when' }, when(e.time)),
        h('span', { class: 'tl-action' }, cell(e.action, 80)),
        h('span', { class: 'tri-who' }, cell(e.principal || '(unknown)', 60)),
        e.outcome === 'failure' ? h('span', { class: 'bad', testid: 'timeline-denied' }, `✕ ${cell(e.errorCode || 'failed', 60)}`) : null,
        e.severity ? sevBadge(e.severity) : null,
        h('button', { type: 'button', class: 'btn subtle small', onclick: () => onOpen(e.index) }, 'Show'),
      ),
      e.flags.length || e.change.state ? evidenceView(e.flags, e.change) : null,
    ),
  );
}

/** A salvaged record: each damaged stretch, and the raw text around it with the spot marked. */
export function damageView(d) {
  const box = h('div', { class: 'damage', testid: 'damage' }, h('div', { class: 'dmg-head' }, `⚠ Damaged record, read in part (salvaged)${d.truncated ? '; its text ends early' : ''}`));
  const enc = new TextEncoder();
  const bytes = enc.encode(d.original);
  const dec = new TextDecoder();
  for (const x of d.damages) {
    // Offsets count bytes of the raw text; the mark goes on the character there.
    const at = x.offset >= 0 && x.offset <= bytes.length ? dec.decode(bytes.subarray(0, x.offset)).length : -1;
    const from = Math.max(0, at - 160);
    const to = Math.min(d.original.length, at + 160);
    box.append(
      h('div', { class: 'dmg-item', testid: 'damage-item' }, h('span', { class: 'err-msg' }, cell(x.message, 300)), h('span', { class: 'muted small' }, ` at ${x.path ? cell(x.path, 200) : 'the top level'}${at >= 0 ? `, byte ${fmt.format(x.offset)}` : ''}`)),
      at >= 0
        ? h(
            'pre',
            { class: 'code dmg-raw', testid: 'damage-raw' },
            (from > 0 ? '…' : '') + visible(d.original.slice(from, at)),
            h('mark', { class: 'err-at', title: 'damaged here' }, visible(d.original.slice(at, at + 1)) || '⟂'),
            visible(d.original.slice(at + 1, to)) + (to < d.original.length ? '…' : ''),
          )
        : null,
    );
  }
  return box;
}
