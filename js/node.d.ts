// Types of the Node entry (`cloudfront-trail` under Node, import and require; js/node.mjs): the
// shared API (index.d.ts) and the Node transform stream (stream.d.ts).
export * from './index.js';
export * from './stream.js';
