#!/bin/sh
# Fills fuzz/corpus/<target>/ (gitignored) from tests/fixtures/** and, when present,
# ../shared/samples (see /work/shared/samples/README.md; samples never go into the repo).
# transform and unflatten take two option bytes first; splitter_chunks takes one control byte.
set -eu
cd "$(dirname "$0")"
root=..
samples=$root/../shared/samples
mkdir -p corpus/transform_log corpus/splitter_chunks corpus/transform corpus/unflatten corpus/salvage

# (An `[ -d ] && find` as the last command made the substitution fail without ../shared, and
# `set -e` ended the script silently with nothing seeded.)
if [ -d "$samples" ]; then
  files=$(find "$root/tests/fixtures" -type f; find "$samples" -type f \( -name '*.json' -o -name '*.log' -o -name '*.txt' -o -name '*.ndjson' -o -name '*.gz' \))
else
  echo "seed.sh: $samples not found: seeding from tests/fixtures only" >&2
  files=$(find "$root/tests/fixtures" -type f)
fi
n=0
for f in $files; do
  n=$((n + 1))
  cp "$f" "corpus/transform_log/file$n"
  { printf '\000'; cat "$f"; } > "corpus/splitter_chunks/file$n"
  { printf '\207'; cat "$f"; } > "corpus/splitter_chunks/file${n}gz"
  { printf '\000'; cat "$f"; } > "corpus/salvage/file$n"
  # Single (damaged) records, one a line, for salvage.
  grep '^{"eventVersion"' "$f" 2>/dev/null | sed 's/,$//' | while IFS= read -r rec; do
    h=$(printf '%s' "$rec" | md5sum | cut -c1-12)
    printf '\000%s' "$rec" > "corpus/salvage/$h"
  done
  # Single records, for transform; flattened records, for unflatten.
  if command -v jq >/dev/null 2>&1; then
    jq -c '(.Records? // .detail? // .) | if type == "array" then .[] else . end | objects' "$f" 2>/dev/null | head -20 | while IFS= read -r rec; do
      h=$(printf '%s' "$rec" | md5sum | cut -c1-12)
      printf '\000\000%s' "$rec" > "corpus/transform/$h"
      printf '\003\000%s' "$rec" > "corpus/transform/${h}e"
      printf '%s' "$rec" | jq -c '[paths(scalars) as $p | {key: ($p | map(tostring) | join(".")), value: getpath($p)}] | from_entries' 2>/dev/null \
        | sed 's/^/\x00\x00/' > "corpus/unflatten/$h" || true
    done
  fi
done
# Hand-written shapes the fixtures may not have.
printf '\000\000{"a.b":1,"a~1c":{"x.y":[1,{"z":2}]},"~overflow":"{\\"q\\":{\\"r\\":3}}","__proto__.p":1}' > corpus/unflatten/hand1
printf '\001\000{"a.0":1,"a.1":{"b":2},"c.0.d":3}' > corpus/unflatten/hand2
printf '{"Records":[{"eventName":"A"},{"eventName":' > corpus/transform_log/truncated
printf '[{"eventName":"A"},{bad},{"eventName":"B","x":[1,{"y":2}]}]' > corpus/transform_log/broken-array
printf '{"eventName":"A"}\n{"eventName": NaN}\n\357\273\277{"eventName":"C"}\n' > corpus/transform_log/ndjson-bad
echo "seeded: $(ls corpus/transform_log | wc -l) transform_log, $(ls corpus/transform | wc -l) transform, $(ls corpus/unflatten | wc -l) unflatten"
