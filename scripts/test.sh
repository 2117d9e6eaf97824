#!/usr/bin/env bash
# npm test: sets everything up, then runs every suite and closes with one line
# "N passed, N failed[, N skipped]" summed over all of them; exits non-zero on any failure.
#   cargo test (native core) → npm run build → wasm-pack test --node and --headless --chrome
#   (at the root; tests/wasm.rs is the wasm suite) → tsc on the public types → node --test tests/js tests/e2e
#   → every scripts/test.d/*.sh (suites other parts add; each may print its own closing line).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
PASSED=0
FAILED=0
SKIPPED=0
FAILED_SUITES=()

# Counts from a log: cargo/wasm-bindgen-test "test result:" lines, node's spec reporter
# summary, or a plain "N passed, N failed[, N skipped]" line. Prints "pass fail skip found".
count() {
  awk '
    /test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed/ {
      for (i = 1; i <= NF; i++) {
        if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i
      }
      found = 1; next
    }
    /^(ℹ|#) (pass|fail|skipped|todo|cancelled) [0-9]+$/ {
      if ($2 == "pass") p += $3; else if ($2 == "fail" || $2 == "cancelled") f += $3; else s += $3
      found = 1; next
    }
    /^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ {
      line = $0; sub(/^[A-Za-z-]+: /, "", line); n = split(line, w, /[ ,]+/)
      p += w[1]; f += w[3]; if (n >= 5) s += w[5]; found = 1
    }
    END { printf "%d %d %d %d\n", p, f, s, found }
  ' "$1"
}

# suite NAME CMD...: runs CMD, shows its output, adds its counts. A suite that exits non-zero
# without reporting a failed test (a build error, a crash) counts as one failure; one that
# reports no tests at all counts as one test, passed or failed by its exit status.
suite() {
  local name=$1
  shift
  echo
  echo "=== $name: $*"
  local t0=$SECONDS
  "$@" </dev/null 2>&1 | tee "$LOG"
  local rc=${PIPESTATUS[0]}
  local p f s found
  read -r p f s found < <(count "$LOG")
  if [ "$found" = 0 ]; then
    if [ "$rc" = 0 ]; then p=1; else f=1; fi
  elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
    f=1
  fi
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  SKIPPED=$((SKIPPED + s))
  if [ "$rc" != 0 ]; then FAILED_SUITES+=("$name"); fi
  echo "=== $name: exit $rc; $p passed, $f failed, $s skipped ($((SECONDS - t0)) s)"
}

summary() {
  echo
  if [ ${#FAILED_SUITES[@]} -gt 0 ]; then echo "failed suites: ${FAILED_SUITES[*]}"; fi
  if [ "$SKIPPED" -gt 0 ]; then
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
  else
    echo "$PASSED passed, $FAILED failed"
  fi
  [ "$FAILED" = 0 ] && [ ${#FAILED_SUITES[@]} = 0 ]
}

if ! bash scripts/setup.sh; then
  FAILED_SUITES+=(setup)
  FAILED=$((FAILED + 1))
  summary
  exit 1
fi

suite "cargo test" cargo test --quiet --no-fail-fast
suite "build" bash scripts/build.sh

# At the root, as a wasm-bindgen user runs them (the native-only test files build empty for
# wasm32). wasm-pack builds the tests with the dev profile, then runs `cargo test` with the test
# profile: making the test profile's opt-level the dev one's (0) lets the second step reuse the
# first's build instead of compiling everything again. Both runs share that one build.
WASM_ENV=(env CARGO_PROFILE_TEST_OPT_LEVEL=0 WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/webdriver.json")
suite "wasm-pack test --node" "${WASM_ENV[@]}" wasm-pack test --node
suite "wasm-pack test --headless --chrome" "${WASM_ENV[@]}" WASM_BINDGEN_USE_BROWSER=1 \
  wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver || echo /usr/bin/chromedriver)"

suite "tsc (public types)" tsc --noEmit -p tests/js/tsconfig.json

NODE_TESTS=()
for d in tests/js tests/e2e; do [ -d "$d" ] && NODE_TESTS+=("$d/"); done
suite "node --test" node --test --test-reporter=spec "${NODE_TESTS[@]}"

shopt -s nullglob
for t in scripts/test.d/*.sh; do
  suite "$t" bash "$t"
done

summary
