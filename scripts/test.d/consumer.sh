#!/usr/bin/env bash
# The consumer suite: packs the built repository, installs the tarball offline into a fresh
# temporary project and uses it there as a user would (Node ESM and CommonJS, the CLI through npx,
# TypeScript with and without @types/node, an esbuild bundle and the viewer in Chromium).
# See tests/consumer/consumer.test.mjs. Needs `npm run build` first (scripts/test.sh runs it).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node --test --test-reporter=spec tests/consumer/
