// createTransformStream: a Node Transform over the wasm Splitter. Write Buffer chunks of any
// supported input (gzip too, records split anywhere); read flat record objects, or NDJSON text
// with { ndjson: true }. The core keeps only the unfinished tail, so memory stays flat.
import { Transform } from 'node:stream';
import { createSplitter } from './node.mjs';

const SLICE = 64 << 10;

export function createTransformStream(options = {}) {
  const ndjson = Boolean(options && options.ndjson);
  const sp = createSplitter(options); // bad options throw here, before any data flows
  const emit = (stream, text) => {
    if (!text) return;
    if (ndjson) {
      stream.push(text);
      return;
    }
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (nl > start) stream.push(JSON.parse(text.slice(start, nl)));
      start = nl + 1;
    }
  };
  const stream = new Transform({
    writableObjectMode: false,
    readableObjectMode: !ndjson,
    highWaterMark: options && options.highWaterMark,
    transform(chunk, _enc, cb) {
      // Feed at most SLICE bytes at a time: gzip input inflates ~15x, and each push returns
      // (and holds) the output of its whole piece.
      for (let i = 0; i < chunk.length; i += SLICE) {
        let text;
        try {
          text = sp.push(chunk.subarray(i, i + SLICE));
        } catch (e) {
          cb(e);
          return;
        }
        emit(this, text);
      }
      cb();
    },
    flush(cb) {
      let text;
      try {
        text = sp.finish();
      } catch (e) {
        cb(e);
        return;
      }
      emit(this, text);
      cb();
    },
    destroy(err, cb) {
      sp.free();
      cb(err);
    },
  });
  // Counts so far, for progress and summaries (final once the stream has ended).
  Object.defineProperty(stream, 'stats', {
    enumerable: true,
    get: () => ({ records: sp.records, errors: sp.errors, format: sp.format, gzip: sp.gzip }),
  });
  return stream;
}
