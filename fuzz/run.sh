#!/bin/sh
# Runs one fuzz target gently (shared 2-core machine): ./run.sh <target> <seconds>
# AddressSanitizer by default: the core has a few `unsafe` blocks (SIMD loads in src/json.rs, the
# short copies of json::copy_small and flatten's emit_field, wasm's memcmp), and ASan is what
# catches an out-of-bounds read or write there. SAN=none runs several times faster (coverage only).
set -eu
cd "$(dirname "$0")"
t=$1
secs=${2:-600}
san=${SAN:-address}
mkdir -p corpus/$t
exec nice -n 19 cargo +nightly fuzz run -O -s "$san" "$t" "corpus/$t" -- \
  -jobs=1 -workers=1 -rss_limit_mb=4096 -max_len=65536 -timeout=10 -max_total_time="$secs" -print_final_stats=1
