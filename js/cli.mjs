#!/usr/bin/env node
// cloudfront-trail: CloudTrail logs (files or stdin, any supported shape, gzip too) → NDJSON on
// stdout, streaming with constant memory. Bad records become error entries in the output and
// are counted on stderr.
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { createTransformStream } from './stream.mjs';

const HELP = `Usage: cloudfront-trail [options] [files...]

Reads AWS CloudTrail logs and writes one flat, enriched JSON record per line (NDJSON) to stdout.
With no files, or with "-", reads stdin. Each input may be a CloudTrail log file
({"Records":[...]}), a JSON array of records, NDJSON, a single record, EventBridge events,
a CloudWatch Logs subscription payload, "aws cloudtrail lookup-events" output, a digest or
Insights file; gzip is detected by content. Memory stays flat however large the file.

Options:
  --profile flat|ecs|ocsf   output shape (default: flat)
  --no-enrich               flatten only, no enrichment keys
  --arrays keep|index       keep arrays (default) or give elements index keys (a.0.b)
  --separator C             key separator (default ".")
  --max-depth N             keep objects nested deeper than N as JSON strings (default 32)
  --max-fields N            at most N flat fields per record, the rest in "~overflow"
  --strict                  stop at the first bad record (exit status 1)
  -h, --help                show this help

A record that cannot be read is written as an error entry with "error.message",
"error.type", "error.offset" and "event.original" (its raw text); the count of such
entries is reported on stderr. Exit status: 0 on success (even with error entries),
1 when an input cannot be read (missing file, bad gzip, limits), 2 for bad usage.
`;

function usage(msg) {
  process.stderr.write(`cloudfront-trail: ${msg}\nTry 'cloudfront-trail --help'.\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {};
  const files = [];
  const valued = { '--profile': 'profile', '--arrays': 'arrays', '--separator': 'separator', '--max-depth': 'maxDepth', '--max-fields': 'maxFields' };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (a === '--') {
      files.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h' || a === '--help') {
      process.stdout.write(HELP);
      process.exit(0);
    }
    let value;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (a in valued) {
      if (value === undefined) {
        if (i + 1 >= argv.length) usage(`${a} needs a value`);
        value = argv[++i];
      }
      const key = valued[a];
      if (key === 'maxDepth' || key === 'maxFields') {
        if (!/^\d+$/.test(value)) usage(`${a} takes a non-negative integer, got "${value}"`);
        opts[key] = Number(value);
      } else {
        opts[key] = value;
      }
    } else if (a === '--no-enrich') {
      opts.enrich = false;
    } else if (a === '--strict') {
      opts.strict = true;
    } else if (a.startsWith('-') && a !== '-') {
      usage(`unknown option ${a}`);
    } else {
      files.push(a);
    }
  }
  return { opts, files: files.length ? files : ['-'] };
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

async function main() {
  const { opts, files } = parseArgs(process.argv.slice(2));
  try {
    createTransformStream(opts).destroy(); // option errors first, before touching any file
  } catch (e) {
    usage(e.message);
  }

  // Check every file before writing anything, so a typo fails fast and cleanly.
  for (const f of files) {
    if (f === '-') continue;
    try {
      const st = fs.statSync(f);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      fs.accessSync(f, fs.constants.R_OK);
    } catch (e) {
      const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
      process.stderr.write(`cloudfront-trail: cannot read ${f}: ${why}\n`);
      process.exit(1);
    }
  }

  process.stdout.on('error', (e) => {
    // A closed pipe (e.g. `| head`) is a normal way to stop reading.
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });

  let records = 0;
  let errors = 0;
  for (const f of files) {
    const name = f === '-' ? 'stdin' : f;
    const ct = createTransformStream({ ...opts, ndjson: true });
    const input = f === '-' ? process.stdin : fs.createReadStream(f, { highWaterMark: 1 << 20 });
    const bar = f === '-' ? null : progress(name, fs.statSync(f).size);
    try {
      await pipeline(...(bar ? [input, bar, ct] : [input, ct]), process.stdout, { end: false });
    } catch (e) {
      const what = e && e.kind ? e.message : `${e && e.code ? e.code + ': ' : ''}${e && e.message}`;
      process.stderr.write(`cloudfront-trail: ${name}: ${what}\n`);
      process.exitCode = 1;
      return;
    }
    records += ct.stats.records;
    errors += ct.stats.errors;
  }
  if (errors > 0) {
    process.stderr.write(`cloudfront-trail: ${errors} bad record${errors === 1 ? '' : 's'} (written as error entries with error.message and event.original); ${records} record${records === 1 ? '' : 's'} read\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`cloudfront-trail: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
