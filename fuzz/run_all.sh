#!/usr/bin/env bash
# Builds every libFuzzer target with clang (ASan + UBSan) and runs each for
# SECONDS (default 600), two at a time. Prints execs/s and corpus size per
# target; a crashing input is copied into fuzz/corpus/TARGET/ so the replay
# test keeps it as a regression case.
#   fuzz/run_all.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-600}"
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(split_words_fuzzer cli_args_fuzzer proc_stat_fuzzer pidfile_fuzzer env_entry_fuzzer description_fuzzer)
fi
ob="${REAP_FUZZ_OUTPUT_BASE:-/tmp/reap-fuzz-output-base}"
./bazelw --output_base="$ob" build --config=fuzz "${targets[@]/#///fuzz:}" >/dev/null
bin="$(./bazelw --output_base="$ob" info --config=fuzz bazel-bin 2>/dev/null)/fuzz"
work="$(mktemp -d /tmp/reap-fuzz.XXXXXX)"
run() {
  local t="$1"
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  "$bin/$t" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" \
    "$work/$t/corpus" "fuzz/corpus/$t" >"$work/$t/log" 2>&1 || true
  local execs runs
  execs=$(grep -o 'exec/s: [0-9]*' "$work/$t/log" | tail -1 | awk '{print $2}')
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/$t/log" | awk '{print $2}')
  local crashes
  crashes=$(ls "$work/$t/artifacts" | wc -l)
  for c in "$work/$t/artifacts"/*; do
    [ -e "$c" ] && cp "$c" "fuzz/corpus/$t/regression-$(basename "$c")"
  done
  printf '%-22s %6ss  %10s runs  %7s exec/s  corpus %5s files  crashes %s\n' "$t" "$secs" "${runs:-?}" \
    "${execs:-?}" "$(ls "$work/$t/corpus" | wc -l)" "$crashes"
}
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  run "${targets[i]}" &
  if ((i + 1 < ${#targets[@]})); then run "${targets[i + 1]}" & fi
  wait
done
echo "logs and corpora: $work" >&2
