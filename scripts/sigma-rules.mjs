#!/usr/bin/env node
// SigmaHQ's CloudTrail rules (docs/DETECTIONS.md), taken from a local copy of SigmaHQ/sigma at
// the commit pinned in scripts/sigma-rules.json and written to a build directory; never into git
// (third-party content under the Detection Rule License 1.1: it travels in the package with its
// licence, not in this repository).
//
//   node scripts/sigma-rules.mjs [--out DIR]        the pinned commit's rules → DIR (target/sigma)
//   node scripts/sigma-rules.mjs --update COMMIT    pins COMMIT: prints the rules added, removed and
//                                                   changed (by id and title), rewrites the manifest,
//                                                   then extracts as above
//
// Where the rules come from: $SIGMA_REPO (a bare git dir or a checkout), else
// /work/.mirror/SigmaHQ+sigma/repo. Output, written only where it differs (idempotent):
//   DIR/rules/*.yml   the rules the engine evaluates, as SigmaHQ wrote them
//   DIR/unsupported/  the CloudTrail rules it cannot (aggregations, near: they need many records)
//   DIR/LICENSE       SigmaHQ's Detection Rule License 1.1
//   DIR/index.json    { commit, source, license, rules: [the JSON form of each supported rule] }
//                     (what `sigmaRules()` and the CLI's --sigma load: the core reads rules as JSON)
// Exit status 3 (and a message, nothing written) when no copy of SigmaHQ/sigma can be found or it
// lacks the pinned commit: callers (tests, the build) skip cleanly on it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MANIFEST = path.join(ROOT, 'scripts/sigma-rules.json');
const RULES_PATH = 'rules/cloud/aws/cloudtrail';
const UNSUPPORTED_PATH = 'unsupported/cloud';
const DEFAULT_REPO = '/work/.mirror/SigmaHQ+sigma/repo';
export const UNAVAILABLE = 3;

const log = (m) => process.stderr.write(`sigma-rules: ${m}\n`);

/** git arguments that read `dir`: a bare git dir (or .git) or a checkout. */
function gitFor(dir) {
  if (!fs.existsSync(dir)) return null;
  const bare = fs.existsSync(path.join(dir, 'HEAD')) && fs.existsSync(path.join(dir, 'objects'));
  return bare ? ['--git-dir', dir] : ['-C', dir];
}

function git(g, ...args) {
  return execFileSync('git', [...g, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
}

function hasCommit(g, commit) {
  try {
    git(g, 'cat-file', '-e', `${commit}^{commit}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why the engine cannot evaluate a rule, or null: what needs many records (aggregations,
 * `timeframe`, correlation rules). The engine refuses the same (src/detect); tests/sigma.rs
 * holds the manifest's flags equal to what the engine compiles.
 */
export function unsupportedReason(rule) {
  if (rule === null || typeof rule !== 'object') return 'not a rule';
  if (rule.correlation !== undefined) return 'correlation rule: needs many records';
  const det = rule.detection;
  if (det === null || typeof det !== 'object') return 'no detection';
  if (det.timeframe !== undefined) return 'timeframe: needs many records';
  const conds = Array.isArray(det.condition) ? det.condition : [det.condition];
  if (conds.some((c) => typeof c === 'string' && /\|/.test(c))) return 'aggregation (count(), near): needs many records';
  return null;
}

/**
 * The rules at `commit`: [{ file, text, doc }], sorted by path: every rule under RULES_PATH, then
 * the CloudTrail rules SigmaHQ keeps under UNSUPPORTED_PATH (aggregations and `near`, which their
 * own tooling no longer converts): those are listed, never evaluated.
 */
function rulesAt(g, commit) {
  const list = (dir) => {
    try {
      return git(g, 'ls-tree', '--name-only', `${commit}:${dir}`).split('\n').filter((n) => n.endsWith('.yml')).sort().map((n) => `${dir}/${n}`);
    } catch {
      return [];
    }
  };
  const read = (file) => {
    const text = git(g, 'show', `${commit}:${file}`);
    return { file, text, doc: parse(text) };
  };
  const extra = list(UNSUPPORTED_PATH).map(read).filter((r) => r.doc?.logsource?.service === 'cloudtrail');
  return [...list(RULES_PATH).map(read), ...extra];
}

function manifestOf(commit, rules) {
  return {
    source: 'https://github.com/SigmaHQ/sigma',
    paths: [RULES_PATH, `${UNSUPPORTED_PATH} (logsource service cloudtrail)`],
    commit,
    license: 'Detection Rule License (DRL) 1.1',
    rules: rules.map(({ file, doc }) => {
      const why = unsupportedReason(doc);
      return {
        file,
        id: doc?.id ?? null,
        title: doc?.title ?? null,
        status: doc?.status ?? null,
        level: doc?.level ?? null,
        supported: why === null,
        ...(why === null ? {} : { reason: why }),
      };
    }),
  };
}

/** Writes `data` to `file` unless it already holds it; returns whether it wrote. */
function put(file, data) {
  try {
    if (fs.readFileSync(file, 'utf8') === data) return false;
  } catch {}
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return true;
}

function extract(g, commit, out) {
  const rules = rulesAt(g, commit);
  let changed = 0;
  // DIR/rules: what the engine evaluates; DIR/unsupported: what it cannot (for the tests' check
  // that it refuses them with the reason).
  const where = (r) => path.join(unsupportedReason(r.doc) === null ? 'rules' : 'unsupported', path.basename(r.file));
  const want = new Set(rules.map(where));
  for (const r of rules) changed += put(path.join(out, where(r)), r.text);
  for (const sub of ['rules', 'unsupported']) {
    for (const f of fs.existsSync(path.join(out, sub)) ? fs.readdirSync(path.join(out, sub)) : []) {
      if (!want.has(path.join(sub, f))) {
        fs.rmSync(path.join(out, sub, f));
        changed++;
      }
    }
  }
  changed += put(path.join(out, 'LICENSE'), git(g, 'show', `${commit}:LICENSE`));
  const supported = rules.filter((r) => unsupportedReason(r.doc) === null);
  const index = {
    source: 'https://github.com/SigmaHQ/sigma',
    paths: [RULES_PATH, `${UNSUPPORTED_PATH} (logsource service cloudtrail)`],
    commit,
    license: 'Detection Rule License (DRL) 1.1: see LICENSE; each rule names its author',
    unsupported: rules.filter((r) => unsupportedReason(r.doc) !== null).map((r) => ({ file: r.file, id: r.doc?.id, title: r.doc?.title, reason: unsupportedReason(r.doc) })),
    rules: supported.map((r) => r.doc),
  };
  changed += put(path.join(out, 'index.json'), JSON.stringify(index) + '\n');
  log(`${out}: ${rules.length} rules (${supported.length} supported) at ${commit.slice(0, 12)}${changed ? `, ${changed} file(s) written` : ', already up to date'}`);
  return rules;
}

function diff(before, after) {
  const byId = (rs) => new Map(rs.map((r) => [r.doc?.id ?? r.file, r]));
  const a = byId(before);
  const b = byId(after);
  const lines = [];
  for (const [id, r] of b) if (!a.has(id)) lines.push(`added    ${id}  ${r.doc?.title ?? r.file}`);
  for (const [id, r] of a) if (!b.has(id)) lines.push(`removed  ${id}  ${r.doc?.title ?? r.file}`);
  for (const [id, r] of b) {
    const old = a.get(id);
    if (old && old.text !== r.text) {
      const what = [];
      const keys = new Set([...Object.keys(old.doc ?? {}), ...Object.keys(r.doc ?? {})]);
      for (const k of keys) {
        const [x, y] = [old.doc?.[k], r.doc?.[k]];
        if (JSON.stringify(x) === JSON.stringify(y)) continue;
        what.push(['title', 'status', 'level'].includes(k) ? `${k} ${JSON.stringify(x)} → ${JSON.stringify(y)}` : k);
      }
      if (old.file !== r.file) what.push(`file ${old.file} → ${r.file}`);
      lines.push(`changed  ${id}  ${r.doc?.title ?? r.file}${what.length ? ` (${what.join('; ')})` : ' (formatting only)'}`);
    }
  }
  return lines;
}

function main(argv) {
  let out = path.join(ROOT, 'target/sigma');
  let update = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = path.resolve(argv[++i] ?? '');
    else if (argv[i] === '--update') update = argv[++i];
    else {
      log(`unknown argument ${argv[i]} (usage: sigma-rules.mjs [--out DIR] [--update COMMIT])`);
      return 2;
    }
  }
  const manifest = fs.existsSync(MANIFEST) ? JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) : { commit: '' };
  const repo = process.env.SIGMA_REPO || DEFAULT_REPO;
  const g = gitFor(repo);
  if (g === null) {
    log(`no copy of SigmaHQ/sigma at ${repo} (set SIGMA_REPO to a clone or a git dir): rules not extracted`);
    return UNAVAILABLE;
  }
  if (update !== null) {
    if (!update || !hasCommit(g, update)) {
      log(`${repo} has no commit ${update}`);
      return 2;
    }
    const commit = git(g, 'rev-parse', `${update}^{commit}`).trim();
    const before = manifest.commit && hasCommit(g, manifest.commit) ? rulesAt(g, manifest.commit) : [];
    const after = rulesAt(g, commit);
    const lines = diff(before, after);
    console.log(`${manifest.commit.slice(0, 12) || '(none)'} → ${commit.slice(0, 12)}: ${lines.length ? '' : 'no rule changed'}`);
    for (const l of lines) console.log(`  ${l}`);
    const next = manifestOf(commit, after);
    for (const r of next.rules) if (!r.supported) console.log(`  not supported: ${r.id}  ${r.title} (${r.reason})`);
    put(MANIFEST, JSON.stringify(next, null, 2) + '\n');
    return extract(g, commit, out) && 0;
  }
  if (!hasCommit(g, manifest.commit)) {
    log(`${repo} lacks the pinned commit ${manifest.commit}: rules not extracted`);
    return UNAVAILABLE;
  }
  extract(g, manifest.commit, out);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
