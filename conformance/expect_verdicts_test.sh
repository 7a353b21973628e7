#!/bin/sh
# Runs reaper-conformance on one description and checks the verdict of each
# property named after "--" as STATUS:PROPERTY (e.g. FAIL:no-zombies).
#   expect_verdicts_test.sh SUITE DESCRIPTION [SUITE_ARGS...] -- STATUS:PROPERTY...
set -u
suite="$1"
description="$2"
shift 2
args=""
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
  args="$args $1"
  shift
done
shift
# shellcheck disable=SC2086
"$suite" --rounds 3 $args "$description" >table.txt 2>progress.txt
echo "suite exit status $?"
cat table.txt
status=0
for want in "$@"; do
  verdict="${want%%:*}"
  property="${want#*:}"
  line=$(grep -E "^  $property +(PASS|FAIL|SKIP|INCONCLUSIVE) " table.txt)
  case "$line" in
    *" $verdict "*) echo "ok: $property $verdict" ;;
    *) echo "expected $property $verdict, got: ${line:-nothing}" >&2; status=1 ;;
  esac
done
exit $status
