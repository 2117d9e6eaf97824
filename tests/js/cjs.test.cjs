// The CommonJS entry: require() gives the same module (one wasm instance) as import.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

test('require("cloudfront-trail") works and shares the ESM instance', async () => {
  const cjs = require('../../js/node.cjs');
  const esm = await import('../../js/node.mjs');
  for (const name of ['transform', 'transformLog', 'transformLogToNdjson', 'unflatten', 'createSplitter', 'createTransformStream', 'init', 'CloudTrailError']) {
    assert.equal(typeof cjs[name], 'function', name);
    assert.equal(cjs[name], esm[name], `${name} is the same function`);
  }
  const out = cjs.transform('{"eventName":"ListDistributions2020_05_31","requestParameters":{"maxItems":"100"}}', { enrich: false });
  assert.deepEqual(out, { eventName: 'ListDistributions2020_05_31', 'requestParameters.maxItems': '100' });
  assert.throws(() => cjs.transform('[]'), (e) => e instanceof cjs.CloudTrailError && e.kind === 'record');
});

test('the package resolves through its exports map for require and import', async () => {
  const root = path.resolve(__dirname, '../..');
  // Self-reference by package name goes through package.json "exports".
  const viaName = require(require.resolve('cloudfront-trail', { paths: [root] }));
  assert.equal(typeof viaName.transformLog, 'function');
  assert.equal(require.resolve('cloudfront-trail', { paths: [root] }), path.join(root, 'js/node.cjs'));
  const pkg = require(path.join(root, 'package.json'));
  const dot = pkg.exports['.'];
  assert.deepEqual(Object.keys(dot), ['types', 'node', 'default'], 'types first, then node, then default');
  assert.equal(pkg.sideEffects, false);
  assert.equal(pkg.bin['cloudfront-trail'], 'js/cli.mjs');
});
