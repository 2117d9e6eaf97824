// createTransformStream: a Node Transform over the wasm Splitter. Write Buffer chunks (or text)
// of any supported input (gzip too, records split anywhere); read flat record objects, or NDJSON
// text with { ndjson: true }. The core keeps only the unfinished tail and gives its output in
// pieces of about 1 MiB, each pushed only when the reader wants more, so memory stays flat
// however much a chunk expands (a small gzip of many records).
import { Transform } from 'node:stream';
import { createSplitter, CloudTrailError } from './node.mjs';

const SLICE = 64 << 10;

export function createTransformStream(options = {}) {
  const opt = (k) => {
    try {
      return options ? options[k] : undefined;
    } catch (e) {
      throw new CloudTrailError(`option: cannot read the options (${e && e.message})`, { kind: 'option', cause: e });
    }
  };
  const ndjson = Boolean(opt('ndjson'));
  const hwm = opt('highWaterMark');
  if (hwm !== undefined && hwm !== null && !(typeof hwm === 'number' && Number.isInteger(hwm) && hwm >= 0)) {
    throw new CloudTrailError('option: highWaterMark must be a non-negative integer', { kind: 'option' });
  }
  const sp = createSplitter(options); // bad options throw here, before any data flows
  // `history`: an object the streams of one log set share (`{}`), so each continues the change
  // tracking of the one before. The stream keeps its splitter there when it ends, instead of
  // freeing it, for the next stream to take the history from (then it is freed).
  const history = opt('history');
  if (history !== undefined && history !== null && (typeof history !== 'object' || Array.isArray(history))) {
    sp.free();
    throw new CloudTrailError('option: history must be an object shared by the streams of one log set', { kind: 'option' });
  }
  let kept = false;
  if (history && history.splitter) {
    const prev = history.splitter;
    history.splitter = null;
    try {
      sp.carryHistoryFrom(prev);
    } finally {
      prev.free();
    }
  }
  // Pushes one piece of output; false when the reader has enough for now.
  const emit = (stream, text) => {
    if (!text) return true;
    if (ndjson) return stream.push(text);
    let ok = true;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (nl > start) ok = stream.push(JSON.parse(text.slice(start, nl)));
      start = nl + 1;
    }
    return ok;
  };
  // Set while output waits for the reader: called from read() to go on.
  let resume = null;
  // Feeds `pieces` (functions giving the first output piece of each step) one at a time,
  // pushing every piece of output; pauses whenever the reader has enough; then `done`.
  const pump = (stream, steps, done) => {
    let i = 0;
    let first = true;
    const go = () => {
      for (;;) {
        let text;
        try {
          if (first) {
            if (i >= steps.length) {
              done();
              return;
            }
            text = steps[i++]();
            first = !sp.more;
          } else {
            text = sp.next();
            first = !sp.more;
          }
        } catch (e) {
          // `strict`: deliver what was read before the bad record, then fail.
          if (e && typeof e.output === 'string') emit(stream, e.output);
          done(e);
          return;
        }
        if (!emit(stream, text) && (!first || i < steps.length)) {
          resume = go;
          return;
        }
      }
    };
    go();
  };
  const stream = new Transform({
    writableObjectMode: false,
    readableObjectMode: !ndjson,
    // Text chunks reach transform() as strings, so an emoji cut between two writes is joined
    // by the splitter (a Buffer per write would turn each half into U+FFFD).
    decodeStrings: false,
    highWaterMark: hwm ?? undefined,
    transform(chunk, enc, cb) {
      const steps = [];
      if (typeof chunk === 'string' && enc !== 'utf8' && enc !== 'utf-8') chunk = Buffer.from(chunk, enc);
      // Feed at most SLICE bytes at a time (the output of each comes in bounded pieces anyway).
      if (typeof chunk === 'string') {
        for (let i = 0; i < chunk.length; i += SLICE) {
          const piece = chunk.slice(i, i + SLICE);
          steps.push(() => sp.pushSome(piece));
        }
      } else {
        for (let i = 0; i < chunk.length; i += SLICE) {
          const piece = chunk.subarray(i, i + SLICE);
          steps.push(() => sp.pushSome(piece));
        }
      }
      pump(this, steps, (e) => cb(e));
    },
    flush(cb) {
      pump(this, [() => sp.finishSome()], (e) => {
        // Kept for the next stream of the log set (it frees it once the history moved over).
        if (!e && history) {
          history.splitter?.free();
          history.splitter = sp;
          kept = true;
        }
        cb(e);
      });
    },
    read(n) {
      if (resume) {
        const go = resume;
        resume = null;
        go();
        // Paused again: it pushed. Otherwise the chunk may have ended without a push (a last
        // piece or slice with no whole line), and Node waits for a push or the next chunk until
        // this read goes on to the Transform's (issue 16: a stall, exit 13).
        if (resume) return;
      }
      Transform.prototype._read.call(this, n);
    },
    destroy(err, cb) {
      resume = null;
      if (!kept) sp.free();
      cb(err);
    },
  });
  // Counts so far, for progress and summaries (final once the stream has ended): every input
  // object is a record, an error entry, or a skipped control message or digest file
  // (`salvaged`: of the records, those salvaged from a damaged record).
  Object.defineProperty(stream, 'stats', {
    enumerable: true,
    get: () => ({ records: sp.records, errors: sp.errors, skipped: sp.skipped, salvaged: sp.salvaged, format: sp.format, gzip: sp.gzip }),
  });
  return stream;
}
