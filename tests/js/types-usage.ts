// Type-checked by `tsc --noEmit -p tests/js/tsconfig.json` (scripts/test.sh), never run: the public
// types resolve through package.json "exports" and describe what the README shows.
import {
  transform, transformMany, transformLog, transformLogToNdjson, unflatten, createSplitter, createTransformStream,
  init, CloudTrailError, type Options, type Log, type ErrorEntry, type FlatRecord,
} from 'cloudfront-trail';
import webDefaultInit, { transform as webTransform, init as webInit } from 'cloudfront-trail/web';
import * as webNs from 'cloudfront-trail/web';
import { createTransformStream as streamFromSubpath } from 'cloudfront-trail/stream';

const opts: Options = { profile: 'flat', enrich: true, arrays: 'index', separator: '/', maxDepth: 8, maxFields: 500, strict: false };
const geoOpts: Options = { geoip: ['GeoLite2-City.mmdb', new Uint8Array(0), new ArrayBuffer(0)], digests: true };
void geoOpts;
const flat: FlatRecord = transform({ eventName: 'CreateInvalidation2020_05_31' }, opts);
const fromText: FlatRecord = transform('{"eventName":"GetDistribution2020_05_31"}');
const many: Array<FlatRecord | ErrorEntry> = transformMany([{ eventName: 'X' }, '{}', new Uint8Array([123, 125])], { enrich: false });
void many;
const log: Log = transformLog(new Uint8Array([123, 125]));
const firstError: ErrorEntry | undefined = log.errors[0];
const why: string | undefined = firstError?.['error.message'];
const text: string = transformLogToNdjson('{"a":1}');
const bytes: Uint8Array = transformLogToNdjson(new ArrayBuffer(2), { bytes: true });
const nested: Record<string, unknown> = unflatten(flat);
const sp = createSplitter({ enrich: false });
const lines: string = sp.push('{"a":') + sp.push(new Uint8Array([49, 125])) + sp.finish();
const n: number = sp.records + sp.errors;
const stream = createTransformStream({ ndjson: true });
const format: string = stream.stats.format;
const skippedInStream: number = stream.stats.skipped;
const piece: string = sp.pushSome('{}') + sp.next() + sp.finishSome();
const waiting: boolean = sp.more;
const skipped: number = sp.skipped + transformLog('{}').skipped;
const unknownFormat: import("cloudfront-trail").Format = "unknown";
streamFromSubpath().end();
await init();
await webInit(new URL('https://example.com/cloudfront_trail_bg.wasm'));
webTransform('{}');
await webDefaultInit();
// @ts-expect-error the browser entry has no Node stream
webNs.createTransformStream();
try {
  transform('[]');
} catch (e) {
  if (e instanceof CloudTrailError) {
    const kind: 'input' | 'syntax' | 'record' | 'limit' | 'option' | 'not_cloudtrail' | 'internal' = e.kind;
    const where: number | undefined = e.offset ?? e.line ?? e.column ?? e.record;
    void kind, where;
  }
}
// @ts-expect-error profile is a closed set
transform({}, { profile: 'xml' });
void fromText, why, text, bytes, nested, lines, n, format;
// A Sigma rule as YAML reads into an object: detection with its condition is what the engine needs.
const rule: import('cloudfront-trail').SigmaRule = {
  title: 'CloudFront distribution deleted', id: 'x', level: 'medium', tags: ['attack.t1485'],
  logsource: { product: 'aws', service: 'cloudtrail' },
  detection: { sel: { eventSource: 'cloudfront.amazonaws.com', eventName: 'DeleteDistribution' }, condition: 'sel' },
};
transform({}, { rules: rule });
transform({}, { rules: [rule, rule] });
// @ts-expect-error a rule without its detection block cannot be evaluated
transform({}, { rules: { title: 'no detection' } });
// @ts-expect-error the condition is text (or a list of texts)
transform({}, { rules: { detection: { condition: 1 } } });
