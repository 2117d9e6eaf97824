// Types of cloudfront-trail/lambda (docs/LAMBDA.md). Node 20+, ES module only.
import type { Options } from './index.js';

/** The handler's configuration, as `loadConfig` reads it from the environment. */
export interface LambdaConfig {
  /** Destination bucket (from `TRAIL_DESTINATION=s3://bucket/prefix/`). */
  readonly bucket: string;
  /** Destination key prefix, `''` or ending in `/`. */
  readonly prefix: string;
  /** `TRAIL_PROFILE`: `flat` (default), `ecs` or `ocsf`. */
  readonly profile: 'flat' | 'ecs' | 'ocsf';
  /** `TRAIL_OPTIONS` (JSON): the other transform options; `profile`, `strict`, `ndjson`, `bytes` are not accepted. */
  readonly options: Readonly<Omit<Options, 'profile' | 'strict'>>;
  /** `TRAIL_DIGESTS`: `skip` (default) or `index` (one row per digest file under `_digests/`). */
  readonly digests: 'skip' | 'index';
  /** Multipart part size in bytes (`TRAIL_PART_SIZE_MB`, default 8, 5 to 512). */
  readonly partSize: number;
  /** Parts uploaded at once (`TRAIL_UPLOAD_QUEUE`, default 2, 1 to 16). */
  readonly queueSize: number;
  /** Output gzip level (`TRAIL_GZIP_LEVEL`, default 6, 1 to 9). */
  readonly gzipLevel: number;
}

/** What `send` needs: an `S3Client` from `@aws-sdk/client-s3` v3. */
export interface S3ClientLike {
  send(command: unknown): Promise<any>;
  readonly config: unknown;
}

/** One object named by an event. */
export interface SourceObject {
  bucket: string;
  /** The key as stored (S3 notification keys are URL-decoded). */
  key: string;
  size?: number;
}

/** The outcome for one object, also logged as one JSON line. */
export interface ObjectResult {
  /** `ok`; `partial` when the object could not be read to the end (its output ends with an error entry); `skipped`. */
  status: 'ok' | 'partial' | 'skipped';
  /** `s3://bucket/key` of the output. */
  output?: string;
  reason?: string;
  records?: number;
  errors?: number;
  /** Of `records`, those salvaged from a damaged record (option `salvage`, off unless configured). */
  salvaged?: number;
  format?: string;
  gzip?: boolean;
  bytesIn?: number;
}

/** Result of an S3 or EventBridge invocation (a failure throws instead, so Lambda retries). */
export interface InvocationResult {
  objects: number;
  skipped: number;
}

/** Result of an SQS invocation: the messages to deliver again (needs `ReportBatchItemFailures`). */
export interface SQSBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export type LambdaHandler = (event: unknown, context?: unknown) => Promise<InvocationResult | SQSBatchResponse>;

/** Reads and checks the `TRAIL_*` variables; throws one Error listing every problem. */
export declare function loadConfig(env?: Record<string, string | undefined>): LambdaConfig;

/** A handler with this configuration; `s3` defaults to `new S3Client({})`, `log` to one JSON line per object on stdout. */
export declare function createHandler(
  config: LambdaConfig,
  deps?: { s3?: S3ClientLike; log?: (entry: Record<string, unknown>) => void },
): LambdaHandler;

/** The handler Lambda calls (`export { handler } from 'cloudfront-trail/lambda'`), configured from the environment. */
export declare const handler: LambdaHandler;

/** Where a source key's output goes: deterministic, from the key and the configuration alone. */
export declare function outputKey(
  sourceKey: string,
  config: Pick<LambdaConfig, 'prefix'>,
): { kind: 'cloudtrail' | 'insight' | 'digest' | 'other'; key: string };

/** The objects an S3 notification, SNS-wrapped notification or EventBridge event names. */
export declare function objectsOf(payload: unknown): {
  objects: SourceObject[];
  skipped: (Partial<SourceObject> & { reason: string })[];
};

/** Converts one object; throws on a read or write failure (nothing is left at the output key). */
export declare function processObject(s3: S3ClientLike, config: LambdaConfig, src: SourceObject): Promise<ObjectResult>;
