#!/usr/bin/env bash
# Builds the Fluent Bit filter_wasm module (docs/FLUENTBIT.md): the same core as the npm
# package, without the wasm-bindgen surface (`--no-default-features --features fluentbit`), for
# wasm32-unknown-unknown so that it imports nothing from the host. Its own target dir keeps it
# from fighting the wasm-pack and native builds over one.
# Output: pkg/fluentbit/cloudtrail_filter.wasm (its size is printed).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

TARGET=wasm32-unknown-unknown
export CARGO_TARGET_DIR=target/fluentbit
OUT=pkg/fluentbit/cloudtrail_filter.wasm
log() { echo "fluentbit: $*" >&2; }

if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
  log "adding the $TARGET target"
  rustup target add "$TARGET"
fi

cmd=(cargo build --release --target "$TARGET" --no-default-features --features fluentbit --lib)
log "CARGO_TARGET_DIR=$CARGO_TARGET_DIR ${cmd[*]}"
"${cmd[@]}"

mkdir -p "$(dirname "$OUT")"
cp "$CARGO_TARGET_DIR/$TARGET/release/cloudfront_trail.wasm" "$OUT"

# A module that imports anything (wasm-bindgen's `__wbindgen_placeholder__` above all) cannot be
# loaded by filter_wasm; fail the build rather than ship it. (The Rust test host checks the same.)
if command -v node >/dev/null; then
  node -e '
    const m = new WebAssembly.Module(require("fs").readFileSync(process.argv[1]));
    const imports = WebAssembly.Module.imports(m).map(i => i.module + "::" + i.name);
    const exports = WebAssembly.Module.exports(m).map(e => e.name);
    if (imports.length) { console.error("fluentbit: the filter imports " + imports.join(", ")); process.exit(1); }
    for (const n of ["cloudtrail_filter", "malloc", "free", "memory"])
      if (!exports.includes(n)) { console.error("fluentbit: missing export " + n); process.exit(1); }
  ' "$OUT"
fi

log "$OUT: $(wc -c <"$OUT") bytes (imports: none; exports: cloudtrail_filter[_passthrough|_ecs|_ocsf], malloc, free, memory)"
