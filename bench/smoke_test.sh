#!/bin/sh
# One iteration of every benchmark: each must run and report no error.
set -eu
out="${TEST_TMPDIR:-/tmp}/smoke.csv"
"$1" --benchmark_min_time=0.000001 --benchmark_format=csv >"$out" 2>"$out.err" || {
  cat "$out.err" >&2
  exit 1
}
cat "$out"
rows=$(grep -c '^"' "$out" || true)
if [ "$rows" -lt 42 ]; then
  echo "expected at least 42 benchmark rows, got $rows" >&2
  exit 1
fi
if grep '^"' "$out" | grep -q ',true,'; then
  echo "a benchmark reported an error" >&2
  exit 1
fi
