// Public types of cloudfront-trail (hand-written; wasm-bindgen's generated .d.ts stays internal):
// the API every entry shares. No Node type may appear here, because the browser entry (web.d.ts)
// uses this file alone, in projects without @types/node. The Node stream is in stream.d.ts, and
// the Node entry's types (node.d.ts) are both.

/** Options every function takes. All are optional; unknown names throw a `CloudTrailError` of kind `option`. */
export interface Options {
  /** Output shape: `flat` (default) dotted keys plus enrichment; `ecs` and `ocsf` nested documents. */
  profile?: 'flat' | 'ecs' | 'ocsf';
  /** Add enrichment keys (`event.action`, `event.outcome`, `cloud.*`, risk flags, ...). Default `true`. */
  enrich?: boolean;
  /** `keep` (default): arrays stay arrays, objects inside them are flattened too; `index`: elements get index keys (`items.0.id`). */
  arrays?: 'keep' | 'index';
  /** One character joining key parts. Default `.`. Not `~`, `"`, `\` or a digit. A separator inside a key is written `~1`, a `~` is written `~0`. */
  separator?: string;
  /** Objects nested deeper than this (the record is depth 0) are kept whole as one JSON-string field. Default 32. */
  maxDepth?: number;
  /** At most this many flat fields per record; the rest is kept as JSON text under `~overflow`. Default 10000. */
  maxFields?: number;
  /** Past this many decompressed bytes, reading stops with an error of kind `limit`. Default 1 GiB. */
  maxDecompressedBytes?: number;
  /** A single record (or unreadable stretch) larger than this becomes an error entry. Default 64 MiB. */
  maxRecordBytes?: number;
  /** Throw at the first bad record instead of returning an error entry for it. Default `false`. */
  strict?: boolean;
  /**
   * A damaged record comes out as what can be read of it, marked as salvaged (flat
   * `event.salvaged`, ECS `aws.cloudtrail.salvaged`, OCSF the label `salvaged`) with its raw text
   * (docs/INPUTS.md, "Salvage"). Default `false` in the library (the CLI and the viewer salvage
   * by default); ignored with `strict`, which stops at the damaged record.
   */
  salvage?: boolean;
  /**
   * GeoIP, offline: one or more MaxMind-format databases (`.mmdb`: GeoLite2 / GeoIP2 City or
   * Country, GeoLite2 ASN, DB-IP Lite) to look `source.ip` up in, giving `source.geo.*` and
   * `source.as.*` (docs/SCHEMA.md, `geoip`). Each is the file's bytes, or in Node its path (read
   * once per process); each is loaded into the WebAssembly instance once. Needs `enrich`.
   */
  geoip?: string | Uint8Array | ArrayBuffer | Array<string | Uint8Array | ArrayBuffer>;
  /** A CloudTrail digest file gives one document per log file it lists (`file.path`, `file.hash.sha256`) instead of nothing. Default `false`. */
  digests?: boolean;
  /**
   * Change tracking (docs/SCHEMA.md, "Change tracking"): while a log or stream is read
   * (`transformLog`, `transformLogToNdjson`, `createSplitter`, `createTransformStream`), the last
   * known configuration of each CloudFront resource is kept and every later record carrying one
   * gets `cloudfront.change.*` (state, changed keys with before/after, change flags). Needs
   * `enrich`. The one-record `transform` has no history and never writes these keys. Default `true`.
   */
  track?: boolean;
  /** Change tracking keeps at most this many resources (least recently used evicted first; also at most 32 MiB of stored text). Default 10000. */
  trackMaxResources?: number;
  /**
   * Sigma rules evaluated on every record (docs/DETECTIONS.md): one rule or an array of rules,
   * each the object a Sigma rule's YAML reads into (parse the YAML with any YAML package; the
   * CLI's `--rules DIR` does). Matches go in the flat profile as `rule.id`, `rule.name`,
   * `rule.level` and `threat.technique.id` (arrays when several rules match). A rule the engine
   * cannot evaluate (aggregations, unsupported modifiers) is an option error naming it.
   */
  rules?: SigmaRule | SigmaRule[];
}

/**
 * A Sigma rule as its YAML reads into an object (https://sigmahq.io/docs/basics/rules.html).
 * The engine needs `detection` with its `condition`; `id`, `title`, `level` and the
 * `attack.t…` tags go into the output; every other member (logsource, status, author…) is
 * allowed and not read.
 */
export interface SigmaRule {
  /** Written as `rule.id`. */
  id?: string;
  /** Written as `rule.name`. */
  title?: string;
  /** `informational`, `low`, `medium`, `high` or `critical`: `rule.level`, and ECS's `event.risk_score`. */
  level?: string;
  /** `attack.tNNNN` tags become `threat.technique.id`. */
  tags?: string[];
  /** Named selections (field tests) and the `condition` that combines them. */
  detection: { condition: string | string[]; [selection: string]: unknown };
  [member: string]: unknown;
}

/** A flat output record: keys joined by the separator, values are JSON scalars (or arrays with `arrays: 'keep'`). */
export type FlatRecord = Record<string, unknown>;

/**
 * The entry that stands in for a record that could not be read. Records before and after it
 * still come out.
 */
export interface ErrorEntry {
  /** What went wrong and where, e.g. `syntax: expected ',' or '}' ... (record 0, byte 1234, line 3, column 7)`. */
  'error.message': string;
  /** The error kind: `syntax`, `record`, `limit`, `input`, or `internal`. */
  'error.type': string;
  /** Byte offset of the problem in the (decompressed) input, counting from 0. */
  'error.offset'?: number;
  /** Line of the problem within `event.original`, counting from 1 (when known). */
  'error.line'?: number;
  /** Column (in bytes) of the problem within that line, counting from 1 (when known). */
  'error.column'?: number;
  /** Index of the unit (record) in the log, counting from 0. */
  'error.record'?: number;
  /** The raw text of the unreadable record (invalid UTF-8 replaced by U+FFFD). */
  'event.original': string;
}

/** What `transformLog` returns. */
export interface Log {
  /** The detected input shape. */
  format: Format;
  /** True when the input was gzip. */
  gzip: boolean;
  /** One flat object per readable record, in input order. */
  records: FlatRecord[];
  /** One entry per unreadable record or stretch, in input order. */
  errors: ErrorEntry[];
  /**
   * Objects read and deliberately not turned into records (CloudWatch Logs control messages,
   * digest files). Records + error entries + skipped = the objects that came in.
   */
  skipped: number;
  /** Of `records`, those salvaged from a damaged record (option `salvage`). */
  salvaged: number;
}

export type Format =
  | 'empty' | 'cloudtrail' | 'insights' | 'array' | 'ndjson' | 'record'
  | 'eventbridge' | 'cloudwatch-logs' | 'lookup-events' | 'digest'
  /** Not JSON at top level (an image, a CSV, plain text): every stretch is an error entry. */
  | 'unknown';

/** Anything a whole-log function reads. Strings are UTF-8 text; bytes may be gzip. */
export type LogInput = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/** The error every function throws. Offsets count bytes, not UTF-16 code units. */
export declare class CloudTrailError extends Error {
  name: 'CloudTrailError';
  /** `input` (whole input unreadable), `syntax`, `record` (not an object), `limit`, `option`, `not_cloudtrail` (with `strict`: an object with none of eventVersion, eventTime, eventName, eventSource), or `internal`. */
  kind: 'input' | 'syntax' | 'record' | 'limit' | 'option' | 'not_cloudtrail' | 'internal';
  /** Byte offset in the (decompressed) input, counting from 0. */
  offset?: number;
  /** Line within the record's text, counting from 1. */
  line?: number;
  /** Column (in bytes) within that line, counting from 1. */
  column?: number;
  /** Index of the record in the log, counting from 0. */
  record?: number;
  /** With `strict`: the NDJSON lines read before the failure (splitter, stream, `transformLogToNdjson`). */
  output?: string;
  /** With `strict`, from `transformLog`: the records read before the failure. */
  records?: FlatRecord[];
}

/**
 * One record (an object, or its JSON text or UTF-8 bytes) → a plain flat object.
 * Throws a `CloudTrailError` for input that is not a JSON object.
 * @example transform({ eventName: 'CreateInvalidation2020_05_31', requestParameters: { distributionId: 'E2Q' } })
 *   // → { eventName: ..., 'requestParameters.distributionId': 'E2Q', 'event.action': 'CreateInvalidation', ... }
 */
export declare function transform(record: object | string | Uint8Array, options?: Options): FlatRecord;

/**
 * Many records (objects, JSON texts or UTF-8 bytes) → one result each, in order: the flat object
 * `transform` gives, or an `ErrorEntry` in its place. Never throws for one bad record (only for
 * a non-array argument or bad options); `result.length === records.length`. Crosses into
 * WebAssembly once per chunk: record objects are flattened in JS as `transform` does them and
 * their enrichment views cross 64 at a time; texts and bytes cross whole, up to 256 at a time.
 * @example transformMany([record, '{"eventName":"GetDistribution"}', '{bad'])  // → [flat, flat, ErrorEntry]
 */
export declare function transformMany(records: ReadonlyArray<object | string | Uint8Array>, options?: Options): Array<FlatRecord | ErrorEntry>;

/**
 * A whole log in any supported shape (CloudTrail file, JSON array, NDJSON, one record, EventBridge,
 * CloudWatch Logs subscription, lookup-events output, digest, Insights; gzip at any layer),
 * detected by content. Never throws because one record is bad: see `errors`.
 */
export declare function transformLog(input: LogInput, options?: Options): Log;

/**
 * Like `transformLog`, but returns NDJSON (one record or error entry per line, each ending in
 * `\n`) without building JS objects: the fast path for shippers.
 */
export declare function transformLogToNdjson(input: LogInput, options?: Options & { bytes?: false }): string;
/** With `{ bytes: true }`: the NDJSON as UTF-8 bytes. */
export declare function transformLogToNdjson(input: LogInput, options: Options & { bytes: true }): Uint8Array;

/**
 * The exact inverse of flattening (with `enrich: false`): a flat object or its JSON text → the
 * nested object. Keys such as `__proto__` come back as own data properties.
 */
export declare function unflatten(flat: FlatRecord | string, options?: Options): Record<string, unknown>;

/** A low-level incremental reader: push chunks, get NDJSON text back. */
export interface Splitter {
  /**
   * Continues the change tracking of `previous`, the splitter of the file read before this one
   * (finished, not yet freed): its known configurations move here, so changes in this file are
   * compared with what the earlier files left. Call before the first push.
   */
  carryHistoryFrom(previous: Splitter): void;
  /** Feeds a chunk (any size, any split point); returns the NDJSON lines it completed. */
  push(chunk: Uint8Array | string): string;
  /** Ends the input; returns the last NDJSON lines (a truncated last record becomes an error entry). */
  finish(): string;
  /**
   * Bounded reading: feeds a chunk and returns the first piece (about 1 MiB at most, whole lines)
   * of the lines it completes; call `next()` until it returns `''` before pushing again.
   */
  pushSome(chunk: Uint8Array | string): string;
  /** Bounded reading: ends the input and returns the first piece of the last lines (then `next()`). */
  finishSome(): string;
  /** The next piece of output after `pushSome`/`finishSome` (or a `push` that threw a `limit` error); `''` when none. */
  next(): string;
  /** Whether output waits for `next()`. */
  readonly more: boolean;
  /** Records out so far. */
  readonly records: number;
  /** Error entries out so far. */
  readonly errors: number;
  /** Objects skipped on purpose so far (control messages, digest files). */
  readonly skipped: number;
  /** Of the records so far, those salvaged from a damaged record (option `salvage`). */
  readonly salvaged: number;
  /** The detected format (final after `finish()`). */
  readonly format: Format;
  /** Whether the input was gzip (known after `finish()`). */
  readonly gzip: boolean;
  /** Frees the wasm memory now instead of at garbage collection. */
  free(): void;
}

export declare function createSplitter(options?: Options): Splitter;

/**
 * Loads the wasm. Required once (awaited) before any other call in a browser; a no-op in Node.
 * Idempotent. Accepts a URL or path, a `Request`, a `Response`, bytes or a compiled module.
 */
export declare function init(input?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;
