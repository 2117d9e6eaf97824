#!/bin/sh
# Runs one fuzz target gently (shared 2-core machine): ./run.sh <target> <seconds>
# No sanitizer: the core has no unsafe code, and ASan made each run several times slower.
set -eu
cd "$(dirname "$0")"
t=$1
secs=${2:-600}
mkdir -p corpus/$t
exec nice -n 19 cargo +nightly fuzz run -O -s none "$t" "corpus/$t" -- \
  -jobs=1 -workers=1 -rss_limit_mb=2048 -max_len=65536 -timeout=10 -max_total_time="$secs" -print_final_stats=1
