#!/usr/bin/env bash
# Installs everything `npm run demo`, `npm test` and `npm run bench` need, idempotently:
# a second run only checks versions. Pinned versions live here and nowhere else.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_PACK_VERSION=0.15.1
# Must equal the wasm-bindgen crate version pinned in Cargo.toml (wasm-pack refuses a mismatch
# and would try to download one, which fails offline).
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "setup: cannot read the wasm-bindgen pin from Cargo.toml" >&2; exit 1; }
# wasm-pack test runs with wasm-bindgen-cli's runner, which matches wasm-bindgen-test 0.3.N only
# for wasm-bindgen 0.2.(N + 50): Cargo.toml's two pins must pair up.
WASM_BINDGEN_TEST_VERSION=$(sed -n 's/^wasm-bindgen-test = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
[ "0.3.$((${WASM_BINDGEN_VERSION##*.} - 50))" = "$WASM_BINDGEN_TEST_VERSION" ] \
  || { echo "setup: Cargo.toml pins wasm-bindgen-test \"=${WASM_BINDGEN_TEST_VERSION:-?}\"; wasm-bindgen $WASM_BINDGEN_VERSION needs 0.3.$((${WASM_BINDGEN_VERSION##*.} - 50))" >&2; exit 1; }

log() { echo "setup: $*" >&2; }
die() { log "$*"; exit 1; }
export PATH="$HOME/.cargo/bin:$PATH"

command -v cargo >/dev/null && command -v rustup >/dev/null || die "needs Rust via rustup (https://rustup.rs)"
command -v node >/dev/null && command -v npm >/dev/null || die "needs Node.js 20.19 or later with npm"
# js/node.cjs loads the ES module entry with require(), unflagged since Node 20.19.
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "needs Node.js 20.19 or later (found $(node --version))"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! wasm-pack --version 2>/dev/null | grep -q " $WASM_PACK_VERSION\$"; then
  log "installing wasm-pack $WASM_PACK_VERSION"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # No --locked: its lock file names a dependency version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# Chromium + chromedriver for wasm-pack's browser tests and the viewer's end-to-end test.
if [ "${SKIP_BROWSER:-}" != 1 ] && { ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; }; then
  log "installing Debian chromium and chromium-driver"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# npm dev dependencies (binaryen's wasm-opt, playwright-core, baselines for the bench).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dev dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
