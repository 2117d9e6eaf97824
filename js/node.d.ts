// Types of the Node entry (`cloudfront-trail` under Node, import and require; js/node.mjs): the
// shared API (index.d.ts) and the Node transform stream (stream.d.ts).
export * from './index.js';
export * from './stream.js';

/**
 * SigmaHQ's CloudTrail rules shipped in the package (docs/DETECTIONS.md; Detection Rule License
 * 1.1), as the `rules` option takes them: `transformLog(log, { rules: sigmaRules() })`. The same
 * frozen array on every call. Throws a CloudTrailError (kind `option`) when the package was
 * built without them.
 */
export declare function sigmaRules(): ReadonlyArray<object>;
