// Types of `cloudfront-trail/stream` (js/stream.mjs), Node only: the transform stream. Apart from
// index.d.ts so that the browser types never need @types/node.
/// <reference types="node" />
import type { Transform } from 'node:stream';
import type { Format, Options } from './index.js';

/** Options of the Node transform stream. */
export interface StreamOptions extends Options {
  /** Read NDJSON text (Buffer chunks) instead of flat objects. Default `false`. */
  ndjson?: boolean;
  /** The readable side's high-water mark (objects, or bytes with `ndjson`). */
  highWaterMark?: number;
  /**
   * An object shared by the streams reading the files of one log set one after the other
   * (start with `{}`): each stream continues the change tracking (`cloudfront.change.*`) of the
   * one that ended before it was created. Holds the last stream's state until the next takes it.
   */
  history?: object;
}

/** The stream's running counts. */
export interface StreamStats {
  records: number;
  errors: number;
  /** Objects skipped on purpose (control messages, digest files): records + errors + skipped = what came in. */
  skipped: number;
  /** Of `records`, those salvaged from a damaged record (option `salvage`). */
  salvaged: number;
  format: Format;
  gzip: boolean;
}

/**
 * Node only: a `Transform` taking Buffer chunks of any supported input (gzip too, records split
 * anywhere) and giving flat record objects (error entries included, in order), or NDJSON with
 * `{ ndjson: true }`. Memory stays flat however large the input.
 */
export declare function createTransformStream(options?: StreamOptions): Transform & { readonly stats: StreamStats };
