// Child process of bench/rss.mjs: pipes a file through createTransformStream and counts the
// flat record objects that come out (objects are dropped at once: we measure the library's
// memory, not the consumer's). Prints {"records":n,"errors":n} on stdout.
//   node bench/stream-child.mjs <file> [ndjson]
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

import { createTransformStream } from '../js/node.mjs';

const [file, mode] = process.argv.slice(2);
const stream = createTransformStream(mode === 'ndjson' ? { ndjson: true } : {});
let n = 0;
await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), stream, async (src) => {
  for await (const item of src) {
    if (item) n++;
  }
});
const s = stream.stats || {};
process.stdout.write(JSON.stringify({ items: n, records: s.records ?? null, errors: s.errors ?? null }) + '\n');
