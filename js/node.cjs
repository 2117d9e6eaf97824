// CommonJS entry: a thin wrapper over the ESM one (Node >= 20.19 loads ES modules with require()),
// so there is one copy of the code and one wasm instance for both module systems.
'use strict';
try {
  module.exports = require('./node.mjs');
} catch (e) {
  if (e && e.code === 'ERR_REQUIRE_ESM') {
    throw new Error(`cloudfront-trail: require() needs Node >= 20.19 (this is ${process.version}); use import instead`, { cause: e });
  }
  throw e;
}
