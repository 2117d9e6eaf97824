#!/usr/bin/env bash
# npm run demo: sets everything up, builds, and runs the CLI on the bundled CloudFront sample
# (examples/cloudfront-sample.json, gzipped at build time to show gzip detection), printing
# enriched NDJSON.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
echo >&2
echo "demo: node js/cli.mjs pkg/examples/cloudfront-sample.json.gz" >&2
node js/cli.mjs pkg/examples/cloudfront-sample.json.gz
