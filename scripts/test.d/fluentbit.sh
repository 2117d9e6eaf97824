#!/usr/bin/env bash
# Tests the Fluent Bit filter build (docs/FLUENTBIT.md): the module's own unit tests natively,
# then tests/fluentbit-host, a host on Node's WebAssembly engine that calls the filter exactly as
# filter_wasm does (node --test; FLUENTBIT_HOST_CALLS changes the 1,000,000 calls of the
# memory-flatness test). No wasm runtime to compile: the suite takes about a minute.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
log() { echo "fluentbit: $*" >&2; }

# Always (re)build the filter: cargo does nothing when it is up to date, and a stale module
# would be compared with the current core.
log "building the filter: scripts/build.d/fluentbit.sh"
scripts/build.d/fluentbit.sh

# The module's own unit tests, natively (the main `cargo test` builds without this feature). In
# the main target dir, so the dependencies `cargo test` already built are reused; the crate
# itself is built once more, with the feature.
cmd=(cargo test --features fluentbit --lib fluentbit::)
log "${cmd[*]}"
"${cmd[@]}"

[ -f pkg/node/cloudfront_trail_bg.wasm ] || { log "pkg/node is missing (the reference core): run 'npm run build'"; exit 1; }
export FLUENTBIT_WASM="$PWD/pkg/fluentbit/cloudtrail_filter.wasm"
cmd=(node --test --test-reporter=spec tests/fluentbit-host/)
log "FLUENTBIT_WASM=$FLUENTBIT_WASM ${cmd[*]}"
"${cmd[@]}"
