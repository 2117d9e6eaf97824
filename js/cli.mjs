#!/usr/bin/env node
// cloudfront-trail: CloudTrail logs (files or stdin, any supported shape, gzip too) → NDJSON on
// stdout or in a file, and/or a terminal summary; streaming with memory bounded by the record
// size limit. Bad records become error entries in the output and are counted on stderr.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { parseArgs } from 'node:util';
import { pipeline } from 'node:stream/promises';
import { Transform, Writable } from 'node:stream';
import { createTransformStream } from './stream.mjs';
import { sigmaRules } from './node.mjs';
import { Summary, isErrorEntry } from './summary.mjs';
import { parseAllDocuments } from 'yaml';

const HELP = `Usage: cloudfront-trail [options] [files...]

Reads AWS CloudTrail logs and writes one flat, enriched JSON record per line
(NDJSON), or a summary of what they hold. With no files, or with "-", reads
stdin. An input may be a CloudTrail log file ({"Records":[...]}), a JSON array
of records, NDJSON, one record, EventBridge events, a CloudWatch Logs
subscription payload, "aws cloudtrail lookup-events" output, a digest or an
Insights file; gzip is detected by content.

Output:
  --format ndjson|summary  what stdout gets (default: summary on a terminal,
                           else ndjson)
  --summary                same as --format summary: totals, time range, the
                           rules that matched (with --rules) most severe
                           first, top actions and principals, failures by
                           error code, risky changes by severity with their
                           evidence
  -o, --output FILE        write the NDJSON to FILE (gzip if it ends in .gz);
                           stdout then gets the summary on a terminal or with
                           --summary
  --profile flat|ecs|ocsf  record shape (default: flat)
  --no-enrich              flatten only, no enrichment keys
  --no-track               no change tracking (cloudfront.change.*: what each
                           configuration change changed since the last known
                           configuration, read across all the files given)
  --arrays keep|index      keep arrays (default) or index their elements (a.0.b)
  --separator C            key separator (default ".")
  --max-depth N            objects deeper than N as JSON strings (default 32)
  --max-fields N           at most N fields per record, the rest in "~overflow"

Limits (N in bytes; the suffixes K, M, G are powers of 1024):
  --max-decompressed-bytes N  stop past N decompressed bytes (default 1G)
  --max-record-bytes N        a larger record becomes an error entry (default
                              64M, at least 1K); also bounds memory

  --strict                 stop at the first bad record (damaged ones too: no
                           salvage), after writing the records before it
                           (exit status 1)
  --no-salvage             a damaged record becomes an error entry, as the
                           library does by default. Without it (or with
                           --salvage) it comes out as what can be read of it,
                           marked as salvaged, its raw text in event.original
  --digests                a CloudTrail digest file gives one record per log
                           file it lists (file.path, file.hash.sha256) instead
                           of nothing (flat and ecs profiles)
  --geoip FILE             look source.ip up in FILE, a MaxMind-format database
                           (.mmdb: GeoLite2 / DB-IP Lite City, Country or ASN)
                           you already have: source.geo.*, source.as.*; repeat
                           for several (a City and an ASN database), offline
  --rules DIR              evaluate the Sigma rules in DIR (*.yml, *.yaml,
                           *.json; or one such file) on every record: matches
                           as rule.id, rule.name, rule.level and
                           threat.technique.id (flat profile); repeatable
  --sigma                  evaluate SigmaHQ's CloudTrail rules shipped in the
                           package (Detection Rule License 1.1; with --rules,
                           both sets)
  --version                print the version
  -h, --help               show this help

A record that cannot be read at all is written as an error entry with
"error.message", "error.type", "error.offset" and "event.original" (its raw
text); their count, and that of salvaged records, is reported on stderr.
Colour only on a terminal, never with NO_COLOR set.

Exit status: 0 on success (even with error entries); 1 when an input cannot be
read (missing file, bad gzip, limits), at a bad record with --strict, or when
the output cannot be written; 2 for bad usage; 141 when the reader of stdout
went away (as for SIGPIPE).
`;

const OPTIONS = {
  format: { type: 'string' },
  summary: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  profile: { type: 'string' },
  'no-enrich': { type: 'boolean' },
  'no-track': { type: 'boolean' },
  arrays: { type: 'string' },
  separator: { type: 'string' },
  'max-depth': { type: 'string' },
  'max-fields': { type: 'string' },
  'max-decompressed-bytes': { type: 'string' },
  'max-record-bytes': { type: 'string' },
  strict: { type: 'boolean' },
  salvage: { type: 'boolean' },
  'no-salvage': { type: 'boolean' },
  geoip: { type: 'string', multiple: true },
  digests: { type: 'boolean' },
  rules: { type: 'string', multiple: true },
  sigma: { type: 'boolean' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

function say(msg) {
  process.stderr.write(`cloudfront-trail: ${msg}\n`);
}

function usage(msg) {
  say(msg);
  process.stderr.write("Try 'cloudfront-trail --help'.\n");
  process.exit(2);
}

/** util.parseArgs' errors in this tool's words. */
function argError(e) {
  const opt = (/'(-[^' ]+)/.exec(e.message) || [])[1] || '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${opt}`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(e.message)) return `${opt} takes no value`;
    if (/ambiguous/.test(e.message)) return `${opt} needs a value (one starting with "-" is written ${opt}=VALUE)`;
    if (/missing/.test(e.message)) return `${opt} needs a value`;
  }
  return e.message;
}

function count(name, v) {
  if (!/^\d+$/.test(v)) usage(`--${name} takes a non-negative integer, got "${v}"`);
  return Number(v);
}

const UNITS = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
function bytes(name, v) {
  const m = /^(\d+)\s*([kmgt]?)(?:i?b)?$/i.exec(v);
  const n = m ? Number(m[1]) * UNITS[m[2].toLowerCase()] : NaN;
  if (!Number.isSafeInteger(n)) usage(`--${name} takes a number of bytes (such as 2147483648 or 2G), got "${v}"`);
  return n;
}

/**
 * The Sigma rules in a directory (or one file) as the objects the core reads (the JSON form of
 * each rule's YAML; the core carries no YAML parser). A file may hold several YAML documents.
 */
function readRules(path) {
  if (path === '') usage('--rules needs a directory');
  let files;
  try {
    files = fs.statSync(path).isDirectory()
      ? fs.readdirSync(path).filter((f) => /\.(ya?ml|json)$/i.test(f)).sort().map((f) => `${path}/${f}`)
      : [path];
  } catch (e) {
    say(`--rules ${path}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
    process.exit(1);
  }
  const rules = [];
  for (const f of files) {
    try {
      const text = fs.readFileSync(f, 'utf8');
      for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length) throw doc.errors[0];
        const rule = doc.toJS();
        if (rule !== null && rule !== undefined) rules.push(rule);
      }
    } catch (e) {
      say(`--rules ${f}: ${e.message}`);
      process.exit(1);
    }
  }
  return rules;
}

function readArgs(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    usage(argError(e));
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  if (v.version) {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`cloudfront-trail ${pkg.version}\n`);
    process.exit(0);
  }
  const opts = {};
  if (v.profile !== undefined) opts.profile = v.profile;
  if (v['no-enrich']) opts.enrich = false;
  if (v.salvage && v['no-salvage']) usage('--salvage and --no-salvage contradict each other');
  // Salvage by default here: a person reading a log wants what a damaged record still says
  // (docs/INPUTS.md, "Salvage"); the library leaves it off unless asked.
  // `--strict` stops at the first bad record, damaged or not: it keeps its meaning.
  opts.salvage = !v['no-salvage'] && !v.strict;
  if (v['no-track']) opts.track = false;
  if (v.salvage) opts.salvage = true;
  if (v.digests) opts.digests = true;
  if (v.geoip !== undefined) {
    if (v.geoip.some((f) => f === '')) usage('--geoip needs a file name');
    opts.geoip = v.geoip.length === 1 ? v.geoip[0] : v.geoip;
  }
  if (v.rules !== undefined) opts.rules = v.rules.flatMap(readRules);
  if (v.sigma) {
    try {
      opts.rules = [...sigmaRules(), ...(opts.rules ?? [])];
    } catch (e) {
      say(`--sigma: ${e.message}`);
      process.exit(1);
    }
  }
  if (v.arrays !== undefined) opts.arrays = v.arrays;
  if (v.separator !== undefined) opts.separator = v.separator;
  if (v['max-depth'] !== undefined) opts.maxDepth = count('max-depth', v['max-depth']);
  if (v['max-fields'] !== undefined) opts.maxFields = count('max-fields', v['max-fields']);
  if (v['max-decompressed-bytes'] !== undefined) opts.maxDecompressedBytes = bytes('max-decompressed-bytes', v['max-decompressed-bytes']);
  if (v['max-record-bytes'] !== undefined) opts.maxRecordBytes = bytes('max-record-bytes', v['max-record-bytes']);

  if (v.format !== undefined && v.format !== 'ndjson' && v.format !== 'summary') {
    usage(`--format takes ndjson or summary, got "${v.format}"`);
  }
  if (v.summary && v.format === 'ndjson') usage('--summary and --format ndjson contradict each other');
  // On a terminal a summary, unless stdout was asked for the records (-o -).
  const format = v.summary ? 'summary' : v.format ?? (process.stdout.isTTY && v.output !== '-' ? 'summary' : 'ndjson');
  if (v.output === '-' && format === 'summary') usage('-o - and the summary would both write to stdout');
  if (v.output === '') usage('-o needs a file name');
  const files = parsed.positionals.length ? parsed.positionals : ['-'];
  return { opts, files, format, output: v.output, strict: Boolean(v.strict) };
}

// A progress bar on stderr, only for big files and only when stderr is a terminal.
const PROGRESS_MIN_BYTES = 64 << 20;
function progress(name, size) {
  if (!process.stderr.isTTY || size < PROGRESS_MIN_BYTES) return null;
  let done = 0;
  let last = 0;
  const draw = () => {
    const width = 30;
    const frac = size ? Math.min(1, done / size) : 1;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    process.stderr.write(`\r${name} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${(done / 1048576).toFixed(0)}/${(size / 1048576).toFixed(0)} MiB`);
  };
  return new Transform({
    transform(chunk, _enc, cb) {
      done += chunk.length;
      const now = Date.now();
      if (now - last > 200) {
        last = now;
        draw();
      }
      cb(null, chunk);
    },
    flush(cb) {
      done = size;
      draw();
      process.stderr.write('\n');
      cb();
    },
  });
}

/** The bad record --strict stops at, with the message of its error entry. */
class StrictStop extends Error {}

/** Why a file or stream failed, in a few words. */
function reason(e) {
  const why = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory', ENOSPC: 'no space left on device' }[e && e.code];
  if (why) return why;
  return `${e && e.code ? `${e.code}: ` : ''}${e && e.message ? e.message : e}`;
}

// Waits until `out` can take more (its 'drain'), or reports its error.
function drained(out, cb) {
  if (out.errored) return cb(out.errored);
  const done = (e) => {
    out.off('drain', onDrain);
    out.off('error', onError);
    out.off('close', onClose);
    cb(e);
  };
  const onDrain = () => done();
  const onError = (e) => done(e);
  const onClose = () => done(out.errored || new Error('the output closed'));
  out.on('drain', onDrain);
  out.on('error', onError);
  out.on('close', onClose);
}

// Error entries are written by the core with these keys in this order (src/record.rs
// write_error_entry). A line is recognised as one without parsing it, since an entry holds up to
// maxRecordBytes of escaped raw text: its head names the keys, the rest is one JSON string.
const ENTRY_MARK = Buffer.from('{"error.message":"');
const ENTRY_HEAD = /^\{"error\.message":("(?:[^"\\]|\\.)*"),"error\.type":"[a-z_]+"(?:,"error\.offset":\d+)?(?:,"error\.record":\d+)?,"event\.original":"/;
const SHORT_LINE = 8192;

/** The error.message of the error entry on line buf[start, end) (no newline), or null for a record. */
function entryMessage(buf, start, end) {
  if (end - start < ENTRY_MARK.length + 2 || buf.compare(ENTRY_MARK, 0, ENTRY_MARK.length, start, start + ENTRY_MARK.length) !== 0) return null;
  if (end - start <= SHORT_LINE) {
    const o = JSON.parse(buf.toString('utf8', start, end));
    return isErrorEntry(o) ? String(o['error.message']) : null;
  }
  const m = ENTRY_HEAD.exec(buf.toString('utf8', start, start + SHORT_LINE));
  if (!m) {
    const o = JSON.parse(buf.toString('utf8', start, end)); // a record, or an entry with a very long message
    return isErrorEntry(o) ? String(o['error.message']) : null;
  }
  // After the head, one JSON string and the closing brace: the first unescaped quote ends the line.
  const from = start + Buffer.byteLength(m[0]);
  for (let i = from; ;) {
    const q = buf.indexOf(0x22, i);
    if (q < 0 || q >= end) return null;
    let k = q;
    while (k > from && buf[k - 1] === 0x5c) k--;
    if ((q - k) % 2 === 0) return q === end - 2 && buf[end - 1] === 0x7d ? JSON.parse(m[1]) : null;
    i = q + 1;
  }
}

/**
 * The end of one input's pipeline: NDJSON bytes from the transform stream go to `out` (when
 * there is one) at the pace `out` drains, each record to the summary, and with --strict the
 * output stops before the first error entry. Works on the stream's Buffers: no text is decoded
 * except each record the summary reads.
 */
class Sink extends Writable {
  constructor(ct, { out, summary, strict }) {
    super({ highWaterMark: 1 << 16 });
    this.ct = ct;
    this.out = out;
    this.summary = summary;
    this.strict = strict;
    this.carry = null;
    this.written = 0; // lines written, counted for --strict only
  }

  _write(chunk, _enc, done) {
    const cb = (e) => {
      if (this.writableLength <= chunk.length) {
        this.busy = false;
        this.emit('idle');
      }
      done(e);
    };
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (!this.summary && !this.strict) return this.send(buf, cb); // NDJSON only: passed through as is
    // The stream pushes whole lines; a carry (never needed so far) is joined only when there is one.
    if (this.carry) {
      buf = Buffer.concat([this.carry, buf]);
      this.carry = null;
    }
    const end = buf.lastIndexOf(0x0a) + 1;
    if (end < buf.length) {
      this.carry = Buffer.from(buf.subarray(end));
      buf = buf.subarray(0, end);
    }
    let stop = null;
    // Without a summary, lines are looked at only once the core has reported an error entry.
    if (this.summary || this.ct.stats.errors > 0) {
      for (let at = 0; at < buf.length;) {
        const nl = buf.indexOf(0x0a, at);
        if (this.summary || buf[at + 2] === 0x65 /* e of "error.message" */) {
          const message = entryMessage(buf, at, nl);
          if (message !== null && this.strict) {
            stop = { at, message };
            break;
          }
          if (message === null && this.summary) this.summary.add(JSON.parse(buf.toString('utf8', at, nl)));
        }
        at = nl + 1;
      }
    }
    if (stop) buf = buf.subarray(0, stop.at);
    if (this.strict) for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) this.written++;
    this.send(buf, (e) => cb(e || (stop ? new StrictStop(stop.message) : undefined)));
  }

  /** Writes bytes to the output (a view, not a copy) and calls back once it has drained. */
  send(buf, cb) {
    const out = this.out;
    if (!out || !buf.length) return cb();
    if (out.write(buf)) return cb();
    drained(out, cb);
  }

  // Busy from a chunk's arrival to its callback; the gate before the core waits for 'idle'.
  write(chunk, enc, cb) {
    this.busy = true;
    return super.write(chunk, enc, cb);
  }

  _final(cb) {
    const rest = this.carry;
    this.carry = null;
    if (rest) this.send(rest, cb);
    else cb();
  }
}

/**
 * Holds each input chunk until the sink has written what came before: the core reads no further
 * while its output drains, so at most one push's output is alive at a time (an error entry can
 * hold up to maxRecordBytes of escaped text), however slow the output and however large the input.
 */
function gateFor(sink) {
  return new Transform({
    highWaterMark: 0,
    transform(chunk, _enc, cb) {
      if (sink.busy) sink.once('idle', () => cb(null, chunk));
      else cb(null, chunk);
    },
  });
}

async function main() {
  const { opts, files, format, output, strict } = readArgs(process.argv.slice(2));
  try {
    createTransformStream(opts).destroy(); // option errors first, before touching any file
  } catch (e) {
    usage(e.message);
  }

  // Check every file before writing anything, so a typo fails fast and cleanly.
  const inodes = new Set();
  for (const f of files) {
    if (f === '-') continue;
    try {
      const st = fs.statSync(f);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      fs.accessSync(f, fs.constants.R_OK);
      inodes.add(`${st.dev}:${st.ino}`);
    } catch (e) {
      say(`cannot read ${f}: ${reason(e)}`);
      process.exit(1);
    }
  }

  process.stdout.on('error', (e) => {
    // A pipe closed by the reader (`| head`) is a normal way to stop: quiet, status as for SIGPIPE.
    if (e.code === 'EPIPE') process.exit(141);
    say(`cannot write to stdout: ${reason(e)}`);
    process.exit(1);
  });

  // Where the NDJSON goes: the -o file (gzip for .gz), stdout, or nowhere (summary only).
  let out = null;
  let outDone = null;
  if (output !== undefined && output !== '-') {
    try {
      const st = fs.statSync(output);
      if (inodes.has(`${st.dev}:${st.ino}`)) usage(`-o ${output} is also an input`);
    } catch (e) {
      if (e.code !== 'ENOENT') {
        say(`cannot write ${output}: ${reason(e)}`);
        process.exit(1);
      }
    }
    const file = fs.createWriteStream(output);
    try {
      await new Promise((resolve, reject) => {
        file.once('open', resolve);
        file.once('error', reject);
      });
    } catch (e) {
      say(`cannot write ${output}: ${reason(e)}`);
      process.exit(1);
    }
    if (/\.gz$/i.test(output)) {
      out = zlib.createGzip();
      outDone = pipeline(out, file);
    } else {
      out = file;
      outDone = new Promise((resolve, reject) => {
        file.once('finish', resolve);
        file.once('error', reject);
      });
    }
    outDone.catch(() => {}); // reported where it is awaited
  } else if (output === '-' || format === 'ndjson') {
    out = process.stdout;
  }

  const summary = format === 'summary' ? new Summary({ separator: opts.separator, rules: opts.rules, profile: opts.profile }) : null;
  let records = 0;
  let errors = 0;
  let skipped = 0;
  let salvaged = 0;
  let failed = false;
  let outFailed = false;
  // Change tracking goes on from file to file (a week of logs is thousands of files).
  const history = {};
  for (const f of files) {
    const name = f === '-' ? 'stdin' : f;
    const ct = createTransformStream({ ...opts, ndjson: true, history });
    // 64 KiB reads: one read is one push into the core, so little output waits at a time.
    const input = f === '-' ? process.stdin : fs.createReadStream(f, { highWaterMark: 64 << 10 });
    const bar = f === '-' ? null : progress(name, fs.statSync(f).size);
    const sink = new Sink(ct, { out, summary, strict });
    const gate = gateFor(sink);
    let stopped = false;
    try {
      await pipeline(...(bar ? [input, bar, gate, ct, sink] : [input, gate, ct, sink]));
    } catch (e) {
      stopped = e instanceof StrictStop;
      if (stopped) say(`${name}: --strict: ${e.message}`);
      else if (out && e === out.errored) {
        outFailed = true;
        say(`cannot write ${output ?? 'stdout'}: ${reason(e)}`);
      }
      else say(`${name}: ${e && e.kind ? e.message : reason(e)}`);
      failed = true;
    }
    // After --strict stopped, what was written counts, not what the core read past it.
    const st = stopped ? { ...ct.stats, records: sink.written, errors: 0 } : ct.stats;
    summary?.addInput(name, st);
    records += st.records;
    errors += st.errors;
    skipped += typeof st.skipped === 'number' ? st.skipped : 0;
    salvaged += typeof st.salvaged === 'number' ? st.salvaged : 0;
    if (failed) break;
  }

  if (out && out !== process.stdout) {
    if (!out.destroyed) out.end();
    try {
      await outDone;
    } catch (e) {
      if (!outFailed) say(`cannot write ${output}: ${reason(e)}`);
      outFailed = true;
      failed = true;
    }
  }
  if (errors > 0 || skipped > 0 || salvaged > 0) {
    const where = out ? 'written as error entries with error.message and event.original' : 'see them with --format ndjson or -o FILE';
    const parts = [];
    if (errors > 0) parts.push(`${errors} bad record${errors === 1 ? '' : 's'} (${where})`);
    if (salvaged > 0) parts.push(`${salvaged} damaged record${salvaged === 1 ? '' : 's'} salvaged (marked as salvaged, raw text in event.original; --no-salvage for error entries)`);
    if (skipped > 0) parts.push(`${skipped} object${skipped === 1 ? '' : 's'} skipped (digest files, control messages)`);
    say(`${parts.join('; ')}; ${records} record${records === 1 ? '' : 's'} read`);
  }
  if (summary) {
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
    const text = summary.render({ color, width: process.stdout.columns || 80, output: out && out !== process.stdout && !outFailed ? output : null });
    await new Promise((resolve) => process.stdout.write(text, resolve));
  }
  if (failed) process.exitCode = 1;
}

main().catch((e) => {
  say(e && e.message ? e.message : String(e));
  process.exit(1);
});
