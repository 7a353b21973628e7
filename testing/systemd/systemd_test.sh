#!/bin/bash
# A real systemd 252, booted as PID 1 of private namespaces (inside.sh), runs
# services whose main process starts a worker with `reaper --scope` or plain
# `reaper`; then each service is stopped, restarted, or crashes (SIGKILL to
# its main process, Restart=always), with KillMode=control-group and mixed.
# A --scope worker must be alive after each, in its own scope; a plain one
# must be dead (so the test can fail).
# Then the conformance suite runs inside on `reaper --scope`: it must pass
# everything, survives-cgroup-kill included.
#   systemd_test.sh REAPER INSIDE_SH SUITE [DETACHER...]
# With REAP_SYSTEMD_MATRIX=FILE it only runs the suite on each DETACHER
# description (conformance/detachers/systemd) and writes their markdown
# verdict table to FILE (//testing/systemd:matrix).
# Skips (exit 0, saying why) where systemd, namespaces or a writable cgroup2
# are missing. Read ../shared/SYSTEMD-HARNESS.md before changing it.
set -euo pipefail
reaper=$(realpath "$1")
inside=$(realpath "$2")
suite=$(realpath "$3")
shift 3
detachers=()
for d in "$@"; do detachers+=("$(realpath "$d")"); done
matrix="${REAP_SYSTEMD_MATRIX:-}"
# How long the namespaces may live: the matrix runs the whole suite thrice.
lifetime=180
[[ -z "$matrix" ]] || lifetime=3000
skip() {
  echo "SKIP: $*"
  exit 0
}
fail() {
  echo "FAIL: $*" >&2
  status=1
}
status=0

[[ $(id -u) == 0 ]] || skip "needs root (namespaces, mounts, cgroups)"
for t in unshare nsenter setpriv timeout systemctl systemd-run dbus-daemon; do
  command -v "$t" >/dev/null || skip "$t is not installed"
done
[[ -x /lib/systemd/systemd ]] || skip "/lib/systemd/systemd is not installed"
[[ -e "$(dirname "$reaper")/reaper-scope" ]] || skip "reaper-scope is not beside $reaper"
cg=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i+1) == "cgroup2" && $6 ~ /^rw/) print $5; break } }' \
  /proc/self/mountinfo | head -n1)
[[ -n "$cg" && -w "$cg" ]] || skip "no writable cgroup2 mount"

# Not under /tmp, /run, /var/tmp or /var/log: those get tmpfs inside.
scratch=$(mktemp -d "${TEST_TMPDIR:-$PWD}/reap-systemd.XXXXXX")
marker=$(mktemp /tmp/reap-systemd-marker.XXXXXX)
leaf="$cg/reap-systemd-test.$$"
mkdir "$leaf"
sd_pid=""
runner=""

# Ends systemd (PID 1 of its namespace, so everything inside dies with it),
# by PID after checking it is ours; then removes the leaf, deepest first.
teardown() {
  if [[ -n "$sd_pid" && -d /proc/$sd_pid ]]; then
    local nspid incg
    nspid=$(awk '/^NSpid:/ {print $NF}' "/proc/$sd_pid/status" 2>/dev/null || true)
    incg=$(grep -c "^0::/reap-systemd-test.$$" "/proc/$sd_pid/cgroup" 2>/dev/null || true)
    if [[ "$nspid" == 1 && "$incg" -ge 1 ]]; then
      kill -KILL "$sd_pid" 2>/dev/null || true
    else
      echo "teardown: pid $sd_pid is not our systemd (NSpid $nspid): not killed" >&2
    fi
  fi
  if [[ -n "$runner" ]]; then
    for _ in $(seq 100); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
    wait "$runner" 2>/dev/null || true
  fi
  for _ in $(seq 50); do
    find "$leaf" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    [[ -d "$leaf" ]] || break
    sleep 0.1
  done
  [[ ! -d "$leaf" ]] || echo "teardown: $leaf is left (busy)" >&2
  # The host must be as it was.
  [[ -e "$marker" ]] || { echo "FAIL: the host's /tmp marker is gone" >&2; status=1; }
  changed=$(find /etc /var/lib/systemd -xdev -newer "$marker" 2>/dev/null | head -n 5)
  [[ -z "$changed" ]] || { echo "FAIL: the host changed: $changed" >&2; status=1; }
  rm -f "$marker"
  rm -rf "$scratch"
  exit "$status"
}
trap teardown EXIT

# The namespaces' first process runs in our leaf (cgroup namespace root).
env_ns=()
for ns in mnt pid net uts ipc cgroup; do env_ns+=("HOST_NS_$ns=$(readlink "/proc/self/ns/$ns")"); done
(
  echo "$BASHPID" >"$leaf/cgroup.procs"
  exec env "${env_ns[@]}" HOST_MARKER="$marker" REAP_CHECKOUT="$(dirname "$reaper")" \
    timeout -k 5 "$lifetime" unshare --pid --fork --kill-child --mount --uts --ipc --net --cgroup --mount-proc \
    --propagation private "$inside" "$scratch"
) >"$scratch/boot.log" 2>&1 &
runner=$!

# systemd's host PID: the process below us whose NSpid is 1.
for _ in $(seq 100); do
  for p in $(cat "$leaf/cgroup.procs" "$leaf"/*/cgroup.procs "$leaf"/*/*/cgroup.procs 2>/dev/null); do
    if [[ "$(awk '/^NSpid:/ {print $NF}' "/proc/$p/status" 2>/dev/null)" == 1 &&
      "$(cat "/proc/$p/comm" 2>/dev/null)" == systemd ]]; then
      sd_pid=$p
    fi
  done
  [[ -n "$sd_pid" ]] && break
  kill -0 "$runner" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "$sd_pid" ]]; then
  cat "$scratch/boot.log" >&2
  grep -q REFUSED "$scratch/boot.log" && { echo "FAIL: a guard refused to boot" >&2; exit 1; }
  skip "systemd did not start in the namespaces (see above)"
fi
[[ -e "$scratch/inside-ok" ]] || { echo "FAIL: the checks inside did not run" >&2; exit 1; }

in_ns() { timeout -k 2 20 nsenter -t "$sd_pid" -m -u -i -n -p -C "$@"; }
# Until the manager answers on its bus.
for _ in $(seq 100); do
  state=$(in_ns systemctl is-system-running 2>/dev/null || true)
  [[ "$state" == running || "$state" == degraded ]] && break
  sleep 0.2
done
[[ "$state" == running || "$state" == degraded ]] || {
  cat "$scratch/boot.log" >&2
  echo "FAIL: systemd is '$state'" >&2
  exit 1
}
echo "systemd $(in_ns systemctl --version | head -n1 | cut -d' ' -f2) up as pid $sd_pid (host), state $state"

# The suite inside: its files in the namespace's /tmp (the host's are read-only there).
conformance() {
  timeout -k 5 "$((lifetime - 30))" nsenter -t "$sd_pid" -m -u -i -n -p -C env TEST_TMPDIR=/tmp "$suite" \
    "$@" 2>"$scratch/suite.err"
}
if [[ -n "$matrix" ]]; then
  set +e
  conformance --rounds 20 --define reaper="$reaper" --markdown "$scratch/matrix.md" "${detachers[@]}"
  rc=$?
  set -e
  [[ -s "$scratch/matrix.md" ]] || { tail -n 5 "$scratch/suite.err" >&2; fail "no matrix (suite exit $rc)"; exit 1; }
  cp "$scratch/matrix.md" "$matrix"
  echo "wrote $matrix (suite exit status $rc)"
  exit $status
fi

# Runs one case; prints "alive" or "dead" for the worker after ACTION.
one_case() {
  local mode=$1 variant=$2 action=$3 unit="srv-$1-$2-$3"
  local file="/run/reap/worker.$unit" args=""
  [[ $variant == scope ]] && args="--scope"
  in_ns systemd-run --quiet --unit="$unit" -p DefaultDependencies=no -p KillMode="$mode" -p Restart=always \
    -p RestartSec=100ms /bin/sh -c "[ -s $file ] || $reaper $args -- /bin/sleep 300 >$file; exec /bin/sleep 1000"
  local pid=""
  for _ in $(seq 100); do
    pid=$(in_ns cat "$file" 2>/dev/null || true)
    [[ -n "$pid" ]] && break
    sleep 0.1
  done
  [[ -n "$pid" ]] || { echo "no-worker"; return; }
  local restarts
  case $action in
    stop) in_ns systemctl stop "$unit" ;;
    restart) in_ns systemctl restart "$unit" ;;
    crash)
      in_ns systemctl kill --kill-who=main -s SIGKILL "$unit"
      for _ in $(seq 100); do
        restarts=$(in_ns systemctl show -P NRestarts "$unit" 2>/dev/null || echo 0)
        [[ "$restarts" -ge 1 && "$(in_ns systemctl is-active "$unit" 2>/dev/null)" == active ]] && break
        sleep 0.1
      done
      ;;
  esac
  local stat cgroup
  stat=$(in_ns cat "/proc/$pid/stat" 2>/dev/null | sed 's/.*) //' | cut -d' ' -f1 || true)
  cgroup=$(in_ns cat "/proc/$pid/cgroup" 2>/dev/null | sed -n 's/^0:://p' || true)
  if [[ -n "$stat" && "$stat" != Z && "$stat" != X ]]; then echo "alive $cgroup"; else echo "dead"; fi
  in_ns systemctl stop "$unit" 2>/dev/null || true
  in_ns kill -KILL "$pid" 2>/dev/null || true
}

cases=0
for mode in control-group mixed; do
  for variant in scope plain; do
    for action in stop restart crash; do
      result=$(one_case "$mode" "$variant" "$action")
      cases=$((cases + 1))
      printf '%-14s %-6s %-8s %s\n' "$mode" "$variant" "$action" "$result"
      if [[ $variant == scope ]]; then
        [[ "$result" == "alive "*"/reap-"*".scope" ]] || fail "$mode $action: the --scope worker is not alive in its scope ($result)"
      else
        [[ "$result" == dead ]] || fail "$mode $action: the plain worker survived ($result): the test cannot tell"
      fi
    done
  done
done
echo "$cases cases run"
((cases == 12)) || fail "ran $cases cases, not 12"

# A --scope worker controlled by its unit name: status, stop, status.
unit_control() {
  local file=/run/reap/worker.control out unit pid
  in_ns systemd-run --quiet --unit=srv-control -p DefaultDependencies=no \
    /bin/sh -c "$reaper --json --scope -- /bin/sleep 300 >$file; exec /bin/sleep 1000"
  for _ in $(seq 100); do
    out=$(in_ns cat "$file" 2>/dev/null || true)
    [[ -n "$out" ]] && break
    sleep 0.1
  done
  unit=$(sed -n 's/.*"unit":"\([^"]*\)".*/\1/p' <<<"$out")
  pid=$(sed -n 's/^{"pid":\([0-9]*\).*/\1/p' <<<"$out")
  [[ -n "$unit" && -n "$pid" ]] || { fail "reaper --json --scope printed '$out'"; return; }
  local status stop after
  status=$(in_ns "$reaper" status "$unit" || true)
  stop=$(in_ns "$reaper" stop --timeout 5 "$unit" || true)
  after=$(in_ns "$reaper" status "$unit"; echo "exit $?")
  echo "unit control: $status / $stop / $(tr '\n' ' ' <<<"$after")"
  [[ "$status" == "running $unit (pid $pid)" ]] || fail "reaper status $unit said '$status'"
  [[ "$stop" == "stopped $unit (SIGTERM)" ]] || fail "reaper stop $unit said '$stop'"
  [[ "$after" == *"exit 3" ]] || fail "reaper status $unit after stop: '$after'"
  in_ns systemctl stop srv-control 2>/dev/null || true
}
set +e
unit_control
set -e

set +e
conformance --rounds 5 --trials 5 --name 'reaper --scope' --template "$reaper --scope -- {cmd}" >"$scratch/scope.txt"
rc=$?
set -e
cat "$scratch/scope.txt"
((rc == 0)) || fail "reaper --scope failed the conformance suite (exit $rc): $(tail -n 3 "$scratch/suite.err")"
grep -q '^  survives-cgroup-kill  PASS ' "$scratch/scope.txt" || fail "reaper --scope: survives-cgroup-kill did not pass"
exit $status
