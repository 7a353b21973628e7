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
echo "$out" | grep -Eq '^gone: pid [0-9]+: not running$'
out=$("$4")
echo "$out"
echo "$out" | grep -qx 'ready: listening on :8080'
# Without systemd's bus (pointed at nothing, so the same everywhere): the
# worker is killed and the error says so. docs/testing.md: a real systemd.
set +e
out=$(DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent "$5" 2>&1)
rc=$?
set -e
echo "$out"
[ "$rc" -eq 1 ]
echo "$out" | grep -Eq '^cannot start worker: scope: reap-[0-9]+\.scope: cannot reach the systemd '
