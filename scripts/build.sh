#!/usr/bin/env bash
# npm run build: the wasm for Node (pkg/node, CommonJS glue loaded by js/node.mjs) and for the
# web (pkg/web, ES module glue loaded by js/web.mjs), optimised by wasm-opt from the npm
# `binaryen` package; then every scripts/build.d/*.sh (extra build steps other parts add); then
# prints what `npm pack` would put in the package. Artefacts stay out of git (/pkg in .gitignore).
#
# `--prepare` is package.json's `prepare` script, which npm runs for `npm pack`, `npm publish`, a
# plain `npm install` in a clone and an install from a git URL (there it needs the Rust toolchain;
# see README, "Installing"). It does nothing under `npm ci`, which scripts/setup.sh runs: the test
# run builds as a suite of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

log() { echo "build: $*" >&2; }
if [ "${1:-}" = --prepare ] && [ "${npm_command:-}" = ci ]; then
  log "npm ci: not building (npm run build does)"
  exit 0
fi
for tool in wasm-pack wasm-bindgen wasm-opt; do
  command -v "$tool" >/dev/null || {
    log "$tool not found: run 'npm run setup' (bash scripts/setup.sh) first"
    log "(installing from a git URL builds the WebAssembly and needs that toolchain; the registry package does not)"
    exit 1
  }
done

# Skip the wasm builds when both outputs are newer than every input (FORCE_BUILD=1 rebuilds).
fresh() {
  local w
  for w in pkg/node/cloudfront_trail_bg.wasm pkg/web/cloudfront_trail_bg.wasm pkg/node/package.json; do
    [ -f "$w" ] || return 1
    [ -z "$(find src build.rs Cargo.toml Cargo.lock scripts/build.sh -newer "$w" -print -quit)" ] || return 1
  done
}
TARGETS=(nodejs web)
if [ "${FORCE_BUILD:-}" != 1 ] && fresh; then
  log "pkg/node and pkg/web are up to date (FORCE_BUILD=1 to rebuild)"
  TARGETS=()
fi

# Both targets share one cargo build; wasm-pack only re-runs wasm-bindgen and wasm-opt.
# simd128: the string scanners of src/json.rs and src/flatten.rs take 16 bytes a step (10-15 %
# faster on the real-shaped corpora, and ~1 KB smaller). Node 20 and every current browser run it;
# the Fluent Bit build (scripts/build.d/fluentbit.sh) stays without it.
SIMD="-C target-feature=+simd128"
for target in "${TARGETS[@]}"; do
  dir=pkg/$([ "$target" = nodejs ] && echo node || echo web)
  log "wasm-pack build --release --target $target --out-dir $dir"
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$SIMD" wasm-pack --quiet build --release --no-pack --target "$target" --out-dir "$dir"
done
# The nodejs glue is CommonJS while the repository's package.json says "type": "module".
echo '{"type":"commonjs"}' > pkg/node/package.json
# wasm-pack writes a .gitignore holding `*` into each output folder, and npm pack honours it: the
# tarball would lose the glue and the .wasm. The root .gitignore already keeps /pkg out of git.
rm -f pkg/node/.gitignore pkg/web/.gitignore

# A gzipped copy of the bundled sample, for the demo and the tests of gzip input.
mkdir -p pkg/examples
gzip -9 -n -c examples/cloudfront-sample.json > pkg/examples/cloudfront-sample.json.gz

# SigmaHQ's CloudTrail rules for the package (pkg/sigma: rules, LICENSE, index.json; docs/DETECTIONS.md),
# from a local copy of SigmaHQ/sigma at the pinned commit. Without one the package builds without them.
SIGMA=1
node scripts/sigma-rules.mjs --out pkg/sigma || {
  rc=$?
  [ "$rc" = 3 ] || { log "scripts/sigma-rules.mjs failed (exit $rc)"; exit 1; }
  log "SigmaHQ's rules are not available (SIGMA_REPO): the package is built without them (sigmaRules() and --sigma will say so)"
  rm -rf pkg/sigma
  SIGMA=0
}

shopt -s nullglob
for step in scripts/build.d/*.sh; do
  log "running $step"
  bash "$step"
done

for w in pkg/node/*.wasm pkg/web/*.wasm; do
  log "$(printf '%-40s %8d bytes, %7d gzipped' "$w" "$(wc -c <"$w")" "$(gzip -9 -c "$w" | wc -c)")"
done

# What `npm pack` / `npm publish` would ship (files and sizes), checked for what the entries load.
# --ignore-scripts: the prepare script is this build.
# --loglevel=notice: under `npm run --silent build` (bench/run.sh) npm would pass `silent` down and
# the listing would be empty.
listing=$(npm pack --dry-run --ignore-scripts --loglevel=notice 2>&1) || { echo "$listing" >&2; log "npm pack --dry-run failed"; exit 1; }
echo "$listing" | sed -n 's/^npm notice //p' | grep -v '^$' >&2
shipped=(pkg/node/cloudfront_trail.js pkg/node/cloudfront_trail_bg.wasm pkg/web/cloudfront_trail.js pkg/web/cloudfront_trail_bg.wasm)
[ "$SIGMA" = 0 ] || shipped+=(pkg/sigma/index.json pkg/sigma/LICENSE)
for f in "${shipped[@]}"; do
  grep -q " $f\$" <<<"$listing" || { log "the package would lack $f (see the listing above)"; exit 1; }
done
