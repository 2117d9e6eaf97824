#!/usr/bin/env bash
# Builds the Fluent Bit filter_wasm module (docs/FLUENTBIT.md): the same core as the npm
# package, without the wasm-bindgen surface (`--no-default-features --features fluentbit`), for
# wasm32-unknown-unknown so that it imports nothing from the host. Its own target dir keeps it
# from fighting the wasm-pack and native builds over one.
# SigmaHQ's CloudTrail rules are built in for the `_sigma` functions (build.rs reads the file
# CLOUDFRONT_TRAIL_BUILTIN_RULES names): pkg/sigma/index.json when `npm run build` wrote it, else
# scripts/sigma-rules.mjs's own extraction into target/sigma; without a copy of SigmaHQ/sigma
# (exit 3) the filter is built without them, and its `_sigma` functions say so on every record.
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

if [ -f pkg/sigma/index.json ]; then
  rules=pkg/sigma/index.json
elif node scripts/sigma-rules.mjs --out target/sigma; then
  rules=target/sigma/index.json
else
  rc=$?
  [ "$rc" = 3 ] || { log "scripts/sigma-rules.mjs failed (exit $rc)"; exit 1; }
  rules=
fi
if [ -n "$rules" ]; then
  export CLOUDFRONT_TRAIL_BUILTIN_RULES="$PWD/$rules"
  log "built-in rules: $rules ($(node -p 'const i = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); `${i.rules.length} rules, SigmaHQ/sigma ${i.commit}`' "$rules"))"
else
  export CLOUDFRONT_TRAIL_BUILTIN_RULES=
  log "SigmaHQ's rules are not available (SIGMA_REPO): the filter's _sigma functions will say so on every record"
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
    for (const n of ["cloudtrail_filter", "cloudtrail_filter_sigma", "malloc", "free", "memory"])
      if (!exports.includes(n)) { console.error("fluentbit: missing export " + n); process.exit(1); }
  ' "$OUT"
fi

log "$OUT: $(wc -c <"$OUT") bytes (imports: none; exports: cloudtrail_filter[_ecs|_ocsf][_sigma], cloudtrail_filter_passthrough, malloc, free, memory)"
