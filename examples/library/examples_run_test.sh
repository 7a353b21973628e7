#!/bin/sh
# Both examples run and say what the doc says they say.
set -eu
out=$("$1")
echo "$out"
echo "$out" | grep -Eq '^worker pid [0-9]+, session [0-9]+$'
echo "$out" | grep -qx 'running'
echo "$out" | grep -qx 'worker exited'
out=$("$2")
echo "$out"
[ "$(echo "$out" | grep -c '^reaped [0-9]*$')" -eq 3 ]
out=$("$3")
echo "$out"
echo "$out" | grep -qx 'worker stopped'
echo "$out" | grep -Eq '^gone: pid [0-9]+ is not running$'
out=$("$4")
echo "$out"
echo "$out" | grep -qx 'ready: listening on :8080'
