#!/usr/bin/env bash
# Tests the Fluent Bit filter build (docs/FLUENTBIT.md) in a Rust host built on wasmtime that
# calls it exactly as filter_wasm does: tests/fluentbit-host, its own cargo package (not part of
# the main crate's build) with its own target dir. The first build of wasmtime takes several
# minutes on two cores; later runs reuse it.
# FLUENTBIT_HOST_CALLS=1000000 raises the memory-flatness test from 100,000 calls.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"
log() { echo "fluentbit: $*" >&2; }

# Always (re)build the filter: cargo does nothing when it is up to date, and a stale module
# would be compared with the current core.
log "building the filter: scripts/build.d/fluentbit.sh"
scripts/build.d/fluentbit.sh

# The module's own unit tests, natively (the main `cargo test` builds without this feature);
# in the filter's target dir so the main build's fingerprints stay as they are.
cmd=(cargo test --features fluentbit --lib fluentbit::)
log "CARGO_TARGET_DIR=target/fluentbit ${cmd[*]}"
CARGO_TARGET_DIR=target/fluentbit "${cmd[@]}"

export CARGO_TARGET_DIR=target/fluentbit-host
export FLUENTBIT_WASM="$PWD/pkg/fluentbit/cloudtrail_filter.wasm"
cmd=(cargo test --release --manifest-path tests/fluentbit-host/Cargo.toml -- --test-threads=2)
log "CARGO_TARGET_DIR=$CARGO_TARGET_DIR FLUENTBIT_WASM=$FLUENTBIT_WASM ${cmd[*]}"
"${cmd[@]}"
