#!/usr/bin/env bash
# npm run demo: sets everything up, builds, and runs the CLI on the bundled CloudFront sample
# (examples/cloudfront-sample.json, gzipped at build time to show gzip detection): a one-screen
# summary of what it found on stdout, the full enriched NDJSON in pkg/demo/ (a build artefact,
# out of git), and where to go next.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh

input=pkg/examples/cloudfront-sample.json.gz
out=pkg/demo/cloudfront-sample.ndjson
mkdir -p "$(dirname "$out")"
echo >&2
echo "demo: node js/cli.mjs --summary -o $out $input" >&2
echo >&2
node js/cli.mjs --summary -o "$out" "$input"
cat <<EOF

Next:
  Every record, flat and enriched, one JSON object per line: $out
    the first one, pretty-printed:
      head -n 1 $out | node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(0, "utf8")), null, 2))'
  The same log in the browser viewer (filters, charts, each record's fields):
      npm run viewer    then open the URL it prints and drop examples/cloudfront-sample.json
                        (or $input) on the page
  NDJSON on stdout, for pipes:
      node js/cli.mjs $input | head -n 2
  Every option: node js/cli.mjs --help
EOF
