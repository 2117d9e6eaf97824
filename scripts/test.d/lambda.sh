#!/usr/bin/env bash
# The Lambda handler's suite (js/lambda.mjs, docs/LAMBDA.md): node --test tests/lambda/, against
# moto's S3 server, which each test file starts on 127.0.0.1 and a free port and stops at its end.
# Installs moto[server] (pinned, with its dependencies, in tests/lambda/moto-requirements.txt)
# into target/moto-venv once; a second run only compares the pins.
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { echo "lambda: $*" >&2; }

VENV=target/moto-venv
REQ=tests/lambda/moto-requirements.txt
command -v python3 >/dev/null || { log "needs python3 (with venv and pip) for moto's S3 server"; exit 1; }
# A venv's scripts name their interpreter by absolute path: a clone that was moved or copied
# keeps a moto_server whose `#!` points at nothing (spawn fails with ENOENT), so check it too.
venv_ok() {
  [ -x "$VENV/bin/moto_server" ] && [ -x "$(sed -n '1s/^#!//p' "$VENV/bin/moto_server")" ]
}
if ! cmp -s "$REQ" "$VENV/requirements.txt" || ! venv_ok; then
  log "installing moto's server into $VENV from $REQ"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || { log "python3 -m venv failed (on Debian: apt-get install python3-venv)"; exit 1; }
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$REQ"
  cp "$REQ" "$VENV/requirements.txt"
fi

[ -f pkg/node/cloudfront_trail_bg.wasm ] || { log "pkg/node is missing: run 'npm run build' first"; exit 1; }
[ -d node_modules/@aws-sdk/client-s3 ] && [ -d node_modules/@aws-sdk/lib-storage ] \
  || { log "the AWS SDK dev dependencies are missing: run 'npm ci'"; exit 1; }

log "tsc --noEmit -p tests/lambda/tsconfig.json (js/lambda.d.ts)"
node_modules/.bin/tsc --noEmit -p tests/lambda/tsconfig.json

export MOTO_SERVER="$PWD/$VENV/bin/moto_server"
# The SDK warns once per process that its releases from 2027 need Node 22; the pinned one runs on 20.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec node --test --test-reporter=spec tests/lambda/
