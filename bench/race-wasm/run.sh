#!/usr/bin/env bash
# bash bench/race-wasm/run.sh [records.ndjson]: builds the race's wasm module (release, as the
# shipped wasm) and runs the three flat writers side by side in Node. Default corpus: the
# real-shaped one (node bench/real-corpus.mjs), else bench/corpus/records-50mb.ndjson.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PWD/../../node_modules/.bin:$HOME/.cargo/bin:$PATH"
corpus=${1:-}
if [ -z "$corpus" ]; then
  if node ../real-corpus.mjs >/dev/null; then corpus=../corpus/real-20mb.ndjson; else corpus=../corpus/records-50mb.ndjson; fi
fi
cargo build -q --release --target wasm32-unknown-unknown --target-dir ../../target/race-wasm
wasm-bindgen --target nodejs --out-dir pkg ../../target/race-wasm/wasm32-unknown-unknown/release/race_wasm.wasm
# CommonJS glue inside a "type": "module" package.
echo '{"type":"commonjs"}' > pkg/package.json
wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals pkg/race_wasm_bg.wasm -o pkg/race_wasm_bg.wasm
node --expose-gc run.mjs "$corpus"
