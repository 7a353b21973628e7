#!/bin/sh
# Every benchmark of the quick set once, as briefly as it goes: each must run
# and report no error. Then the latency mode of the peer programs that are
# built here (bench/report.sh runs them all).
set -eu
out="${TEST_TMPDIR:-/tmp}/smoke.csv"
"$1" --quick --benchmark_min_time=0.000001 --benchmark_format=csv >"$out" 2>"$out.err" || {
  cat "$out.err" >&2
  exit 1
}
cat "$out"
rows=$(grep -c '^"' "$out" || true)
if [ "$rows" -lt 45 ]; then
  echo "expected at least 45 benchmark rows, got $rows" >&2
  exit 1
fi
if grep '^"' "$out" | grep -q ',true,'; then
  echo "a benchmark reported an error" >&2
  exit 1
fi
shift
for peer in "$1" "$2 posix_spawn" "$2 double_fork" "python3 $3"; do
  for regime in loop isolated; do
    # shellcheck disable=SC2086  # a program and its fixed words
    n=$($peer --latency 1 "$regime" 0.01 /bin/true | awk '$1 > 0' | wc -l)
    if [ "$n" -lt 10 ]; then
      echo "$peer --latency ($regime) printed $n latencies, expected at least 10" >&2
      exit 1
    fi
  done
done
echo "peers: latency mode works"
