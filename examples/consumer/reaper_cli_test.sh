#!/bin/sh
# reaper reports a missing program the documented way.
set -u
out=$("$1" -- /nonexistent 2>err.txt)
rc=$?
[ "$rc" -eq 127 ] || { echo "exit $rc, want 127" >&2; exit 1; }
[ -z "$out" ] || { echo "stdout not empty: $out" >&2; exit 1; }
grep -qx 'reaper: exec: /nonexistent: No such file or directory' err.txt || { cat err.txt >&2; exit 1; }
"$1" --version | grep -q '^reaper ' || exit 1
echo OK
