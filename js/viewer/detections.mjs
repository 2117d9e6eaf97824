// The Detections panel: the Sigma rules dropped on the page (.yml, .yaml; read and evaluated by
// the worker, rules.mjs), the ones that matched first, most severe then most matched, each with
// its level and count. Picking a rule filters the table to the records it matched and shows the
// rule: its description, references, tags, the first matching events and its text.
//
// A rule file is as untrusted as a log (it may come from anywhere): every value reaches the page
// as text through render.mjs's h() (textContent, Text nodes), never as HTML, and a reference is
// shown, never made a link.
import { cell, visible } from './model.mjs';
import { clear, fmt, h } from './render.mjs';

const LEVELS = ['critical', 'high', 'medium', 'low', 'informational'];
const rank = (l) => {
  const i = LEVELS.indexOf(l);
  return i < 0 ? LEVELS.length : i;
};
// The viewer's severity colours (style.css .sev-*); Sigma's informational is muted like low.
const levelBadge = (l) => h('span', { class: `sev sev-${LEVELS.includes(l) && l !== 'informational' ? l : 'none'}`, testid: 'detection-level' }, l === 'informational' ? 'info' : cell(l || 'no level', 20));
const when = (t) => cell(String(t ?? '').replace('T', ' ').replace(/(\.\d+)?Z$/, ''), 24);

export class DetectionsPanel {
  /**
   * `root`: the panel's section. `onPick(rule | null)`: a rule was picked ({ index, title }) or
   * let go; the page filters the table. `onOpen(recordIndex)`: show one event.
   */
  constructor({ root, onPick, onOpen }) {
    this.root = root;
    this.onPick = onPick;
    this.onOpen = onOpen;
    this.data = null;
    this.picked = null; // a rule index
  }

  /** The worker's view of the rules (message 'detections'). */
  update(m) {
    this.data = m;
    this.render();
  }

  /** The table filter was let go elsewhere (the pill, Clear filters). */
  release() {
    if (this.picked === null) return;
    this.picked = null;
    this.render();
  }

  pick(index) {
    const r = this.data?.rules[index];
    if (!r) return;
    this.picked = this.picked === index ? null : index;
    this.render();
    this.onPick(this.picked === null ? null : { index, title: r.title || r.id || r.file });
    this.root.querySelector(`[data-testid=detection-rule][data-index="${index}"]`)?.focus();
  }

  render() {
    const root = clear(this.root);
    const d = this.data;
    root.hidden = !d || (!d.rules.length && !d.error);
    if (root.hidden) return;
    const rules = d.rules.filter((r) => !r.error);
    const matched = rules.filter((r) => r.count > 0).sort((a, b) => rank(a.level) - rank(b.level) || b.count - a.count || a.index - b.index);
    const quiet = rules.filter((r) => r.count === 0);
    const broken = d.rules.filter((r) => r.error);

    const head = h(
      'h3',
      { id: 'det-title' },
      'Detections',
      d.evaluating
        ? h('span', { class: 'hint', role: 'status', testid: 'detections-evaluating' }, `evaluating ${fmt.format(rules.length)} rule${rules.length === 1 ? '' : 's'} over ${fmt.format(d.total)} events…`)
        : h('span', { class: 'hint', role: 'status', testid: 'detections-summary' }, `${fmt.format(matched.length)} of ${fmt.format(rules.length)} rule${rules.length === 1 ? '' : 's'} matched`),
    );
    const list = h('ul', { class: 'det-list', 'aria-labelledby': 'det-title', testid: 'detections-list' });
    for (const r of matched) {
      const on = this.picked === r.index;
      list.append(
        h(
          'li',
          null,
          h(
            'button',
            {
              type: 'button',
              class: `det-rule${on ? ' on' : ''}`,
              testid: 'detection-rule',
              'data-index': r.index,
              'aria-pressed': String(on),
              title: on ? 'Show every event again' : 'Show the events this rule matched, and the rule',
              onclick: () => this.pick(r.index),
            },
            levelBadge(r.level),
            h('span', { class: 'det-name', testid: 'detection-title' }, cell(r.title || r.id || '(untitled rule)', 200)),
            h('span', { class: 'det-count', testid: 'detection-count' }, fmt.format(r.count)),
          ),
        ),
      );
    }
    if (!matched.length && !d.evaluating) list.append(h('li', { class: 'muted small', testid: 'detections-none' }, d.total ? 'No event matched these rules.' : 'Rules loaded: drop logs to evaluate them.'));
    const extra = [];
    if (quiet.length) {
      extra.push(
        h(
          'details',
          { class: 'det-more' },
          h('summary', null, `${fmt.format(quiet.length)} rule${quiet.length === 1 ? '' : 's'} matched nothing`),
          h('ul', { class: 'det-plain' }, quiet.map((r) => h('li', { testid: 'detection-quiet' }, levelBadge(r.level), ' ', cell(r.title || r.id || '(untitled rule)', 200)))),
        ),
      );
    }
    if (broken.length || d.error) {
      extra.push(
        h(
          'details',
          { class: 'det-more bad' },
          h('summary', { testid: 'detections-errors' }, `${fmt.format(broken.length + (d.error ? 1 : 0))} rule${broken.length + (d.error ? 1 : 0) === 1 ? '' : 's'} not evaluated`),
          h(
            'ul',
            { class: 'det-plain' },
            d.error ? h('li', null, cell(d.error, 600)) : null,
            broken.map((r) => h('li', { testid: 'detection-error' }, cell(`${r.file}: ${r.title || r.id || '(untitled)'}: ${r.error}`, 800))),
          ),
        ),
      );
    }
    const side = h('div', { class: 'det-side' }, head, list, extra);
    const picked = this.picked === null ? null : d.rules[this.picked];
    root.append(side, picked ? this.ruleView(picked) : h('div', { class: 'det-view muted small', testid: 'detection-view' }, matched.length ? 'Pick a rule to see the events it matched and the rule itself.' : ''));
  }

  /** One rule: what it is, the first events it matched, and its text. */
  ruleView(r) {
    const meta = [r.id && `id ${r.id}`, r.status && `status ${r.status}`, r.author && `by ${r.author}`, r.date && r.date, `from ${r.file}`].filter(Boolean).join(' · ');
    const field = (label, ...value) => h('div', { class: 'det-field' }, h('span', { class: 'det-k' }, label), h('span', { class: 'det-v' }, ...value));
    return h(
      'div',
      { class: 'det-view', testid: 'detection-view', role: 'region', 'aria-label': `Rule ${visible(cell(r.title || r.id, 120))}` },
      h('div', { class: 'det-view-head' }, levelBadge(r.level), h('span', { class: 'det-view-title', testid: 'detection-view-title' }, cell(r.title || r.id || '(untitled rule)', 500))),
      h('div', { class: 'muted small' }, cell(meta, 800)),
      r.description ? h('p', { class: 'det-desc', testid: 'detection-description' }, visible(r.description)) : null,
      r.techniques.length ? field('ATT&CK', r.techniques.join(' ')) : null,
      r.references.length ? field('References', h('ul', { class: 'det-refs', testid: 'detection-references' }, r.references.map((x) => h('li', null, cell(x, 2000))))) : null,
      r.falsepositives.length ? field('False positives', r.falsepositives.map((x) => cell(x, 500)).join('; ')) : null,
      field(
        `Matched ${fmt.format(r.count)} event${r.count === 1 ? '' : 's'}`,
        h(
          'ul',
          { class: 'det-samples' },
          r.samples.map((s) =>
            h(
              'li',
              null,
              h(
                'button',
                { type: 'button', class: 'linkish det-sample', testid: 'detection-sample', onclick: () => this.onOpen(s.index) },
                h('span', { class: 'tri-when' }, when(s.time)),
                ' ',
                cell(s.action || '(no action)', 80),
                ' ',
                h('span', { class: 'tri-who' }, `by ${cell(s.principal || '(unknown)', 60)}`),
                s.resource ? h('span', { class: 'mono' }, ` on ${cell(s.resource, 60)}`) : null,
              ),
            ),
          ),
          r.count > r.samples.length ? h('li', { class: 'muted small' }, `and ${fmt.format(r.count - r.samples.length)} more in the table`) : null,
        ),
      ),
      h('details', { class: 'det-text' }, h('summary', null, 'Rule text'), h('pre', { class: 'code', testid: 'detection-text' }, visible(r.text))),
    );
  }

  /** The filter pill of a picked rule (in the page's pill bar): click flips it, × removes it. */
  pill({ neg, title }, { onFlip, onRemove }) {
    const main = h('button', { type: 'button', class: 'pill-main', title: neg ? 'Excluded; click to include instead' : 'Included; click to exclude instead', testid: 'pill' }, `${neg ? 'NOT ' : ''}Rule: ${cell(title, 80)}`);
    main.addEventListener('click', onFlip);
    const x = h('button', { type: 'button', class: 'pill-x', 'aria-label': 'Remove the rule filter', title: 'Remove this filter', testid: 'pill-remove' }, '×');
    x.addEventListener('click', () => {
      this.release();
      onRemove();
    });
    return h('span', { class: `pill${neg ? ' neg' : ''}` }, main, x);
  }
}
