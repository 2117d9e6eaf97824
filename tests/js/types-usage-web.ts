// Type-checked by the consumer suite (tests/consumer/) inside a fresh project that installed the
// packed tarball and has no @types/node, with `"types": []` and skipLibCheck off
// (tests/js/tsconfig.web.json): the browser entry's types must not need Node's.
import init, {
  transform, transformLog, transformLogToNdjson, unflatten, createSplitter, init as namedInit, CloudTrailError,
  type Options, type FlatRecord, type ErrorEntry, type Log, type Format, type LogInput, type Splitter,
} from 'cloudfront-trail/web';
import * as web from 'cloudfront-trail/web';

await init(new URL('https://example.com/cloudfront_trail_bg.wasm'));
await namedInit();
const opts: Options = { profile: 'ecs', enrich: false, arrays: 'keep', maxDecompressedBytes: 1 << 20 };
const flat: FlatRecord = transform('{"eventName":"ListDistributions2020_05_31"}', opts);
const input: LogInput = new TextEncoder().encode('{"Records":[]}');
const log: Log = transformLog(input);
const format: Format = log.format;
const entry: ErrorEntry | undefined = log.errors[0];
const bytes: Uint8Array = transformLogToNdjson(input, { bytes: true });
const nested: Record<string, unknown> = unflatten(flat);
const sp: Splitter = createSplitter();
const text: string = sp.push(new Uint8Array([123, 125])) + sp.finish();
try {
  transform('[]');
} catch (e) {
  if (e instanceof CloudTrailError) void e.kind;
}
// @ts-expect-error the browser entry has no Node stream
web.createTransformStream();
void format, entry, bytes, nested, text;
