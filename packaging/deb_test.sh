#!/bin/bash
# Builds the Debian package, extracts it into a temporary root (dpkg-deb -x)
# and uses everything in it from there.
#   deb_test.sh BUILD_DEB_SH BUILD_ARGS... EXPECTED_FILES
set -euo pipefail
build="$1"
shift
expected="${!#}"
set -- "${@:1:$(($# - 1))}"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

deb=$("$build" "$@" "$tmp/out")
echo "built $deb"
root="$tmp/root"
dpkg-deb -x "$deb" "$root"
version=$(dpkg-deb -f "$deb" Version)

# 1. The file list.
(cd "$root" && find . -mindepth 1 \( -type f -o -type l \) | LC_ALL=C sort) >"$tmp/files.txt"
diff -u "$expected" "$tmp/files.txt" || fail "the package's files differ from packaging/expected_files.txt"

# 2. reaper from the package: version, exit codes (nothing is detached here:
#    detaching is checked under the conformance suite's subreaper below).
reaper="$root/usr/bin/reaper"
[[ "$("$reaper" --version)" == "reaper $version" ]] || fail "reaper --version"
set +e
"$reaper" -- /nonexistent/program 2>"$tmp/err"; rc=$?
set -e
((rc == 127)) || fail "reaper -- /nonexistent/program exited $rc"
grep -q '^reaper: exec: /nonexistent/program: No such file or directory$' "$tmp/err" || fail "$(cat "$tmp/err")"
set +e
"$reaper" --no-such-option 2>/dev/null; rc=$?
set -e
((rc == 2)) || fail "usage error exited $rc"

# reaper --scope finds its helper in the package (systemd's bus pointed at
# nothing: the helper runs, cannot reach it, and reaper says so, exit 4).
set +e
DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent \
  "$reaper" --scope -- /bin/sleep 30 2>"$tmp/err"; rc=$?
set -e
((rc == 4)) || fail "reaper --scope without a bus exited $rc: $(cat "$tmp/err")"
grep -q '^reaper: scope: reap-[0-9]*\.scope: cannot reach the systemd' "$tmp/err" || fail "$(cat "$tmp/err")"

# 3. reaper-conformance from the package, against that reaper: it finds its
#    probe (built in) and detaches under its own subreaper.
suite="$root/usr/bin/reaper-conformance"
[[ "$("$suite" --version)" == "reaper-conformance $version" ]] || fail "reaper-conformance --version"
"$suite" --rounds 2 --trials 3 --name packaged --template "$reaper -- {cmd}" \
  --unclaimed survives-cgroup-kill >"$tmp/verdicts.txt" 2>/dev/null ||
  fail "conformance of the packaged reaper: $(cat "$tmp/verdicts.txt")"
grep -q '^OK: every claimed property holds$' "$tmp/verdicts.txt" || fail "no OK line"

# 4. Man pages render without warnings.
for page in reaper reaper-conformance; do
  warnings=$(zcat "$root/usr/share/man/man1/$page.1.gz" | groff -man -ww -z 2>&1)
  [[ -z "$warnings" ]] || fail "man $page: $warnings"
done

# The docs the manuals point to are in the package.
pointed=$(zcat "$root"/usr/share/man/man1/*.1.gz | sed 's/\\-/-/g' | grep -oE '[a-z-]+\.md\.gz' | sort -u)
[[ -n "$pointed" ]] || fail "the manuals point to no doc in /usr/share/doc/reap"
for d in $pointed; do
  [[ -s "$root/usr/share/doc/reap/$d" ]] || fail "a manual points to /usr/share/doc/reap/$d, which is not packaged"
done

# 5. Bash completion: registered, and "reaper --std" offers the stdio options.
completion="$root/usr/share/bash-completion/completions/reaper"
offered=$(bash -c 'source "$1" && complete -p reaper >/dev/null &&
  COMP_WORDS=(reaper --std) COMP_CWORD=1 COMP_LINE="reaper --std" COMP_POINT=12 && _reaper &&
  echo "${COMPREPLY[*]}"' _ "$completion")
[[ "$offered" == "--stdin --stdout --stderr" ]] || fail "completion of 'reaper --std': '$offered'"
after=$(bash -c 'source "$1" && COMP_WORDS=(reaper -- slee) COMP_CWORD=2 && _reaper && echo "${COMPREPLY[*]}"' _ "$completion")
[[ " $after " == *" sleep "* ]] || fail "completion after --: '$after'"

# 6. The library through pkg-config, from the extracted root.
cat >"$tmp/use_reap.cc" <<'CC'
#include <sys/wait.h>

#include <cstdio>

#include "reap/detach.h"
#include "reap/subreaper.h"
#include "reap/version.h"

int main() {
  // Own the adopted command: this program is its subreaper and reaps it.
  if (!reap::BecomeSubreaper().ok()) return 3;
  reap::Command cmd;
  cmd.program = "true";
  auto id = reap::Detach(cmd);
  if (!id.ok()) {
    std::fprintf(stderr, "%s\n", id.error().ToString().c_str());
    return 1;
  }
  int status = 0;
  if (waitpid(id->pid, &status, 0) != id->pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 2;
  std::printf("detached and reaped %d with reap %s\n", id->pid, reap::kVersion);
  return 0;
}
CC
flags=$(PKG_CONFIG_PATH="$root/usr/lib/x86_64-linux-gnu/pkgconfig" pkg-config \
  --define-variable=prefix="$root/usr" --cflags --libs reap)
[[ "$flags" == *"-I$root/usr/include"* && "$flags" == *"-L$root/usr/lib/x86_64-linux-gnu"* ]] ||
  fail "pkg-config flags: $flags"
# shellcheck disable=SC2086
g++ -std=c++17 -o "$tmp/use_reap" "$tmp/use_reap.cc" $flags || fail "compiling against the package"
# An older standard gets one clear line, not pages of template errors.
# shellcheck disable=SC2086
old_std=$(g++ -std=c++14 -fsyntax-only "$tmp/use_reap.cc" $flags 2>&1 || true)
[[ "$old_std" == *"reap needs C++17 or later"* ]] || fail "compiling with -std=c++14 said: ${old_std:0:300}"
"$tmp/use_reap" | grep -q "^detached and reaped [0-9]* with reap $version$" || fail "the program linked with libreap.a"

# 6b. The scope part: a program using reap/scope.h builds with
# `pkg-config reap-scope` (which pulls in libsystemd) and, with no systemd
# bus to ask, fails with a scope: error and leaves nothing running.
cat >"$tmp/use_scope.cc" <<'CC'
#include <cstdio>

#include "reap/scope.h"
#include "reap/subreaper.h"

int main() {
  if (!reap::BecomeSubreaper().ok()) return 3;
  reap::Command cmd;
  cmd.program = "sleep";
  cmd.args = {"30"};
  auto started = reap::DetachIntoScope(cmd, reap::Scope{});
  if (started.ok()) {
    std::printf("unit %s\n", started->unit.c_str());
    return 0;
  }
  std::printf("%s\n", started.error().ToString().c_str());
  return 1;
}
CC
scope_flags=$(PKG_CONFIG_PATH="$root/usr/lib/x86_64-linux-gnu/pkgconfig" pkg-config \
  --define-variable=prefix="$root/usr" --cflags --libs reap-scope) || fail "pkg-config reap-scope failed"
# shellcheck disable=SC2086
g++ -std=c++17 -o "$tmp/use_scope" "$tmp/use_scope.cc" $scope_flags || fail "compiling against reap-scope"
said=$(DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/no-bus" DBUS_SESSION_BUS_ADDRESS="unix:path=$tmp/no-bus" \
  XDG_RUNTIME_DIR="$tmp" "$tmp/use_scope" || true)
echo "reap-scope without a bus: $said"
[[ "$said" == scope:* ]] || fail "a scope with no bus to ask: '$said'"

# 7. lintian, where installed: no errors.
if command -v lintian >/dev/null; then
  lintian --tag-display-limit 0 "$deb" >"$tmp/lintian.txt" 2>&1 || true
  cat "$tmp/lintian.txt"
  ! grep -q '^E: ' "$tmp/lintian.txt" || fail "lintian reports errors"
else
  echo "lintian not installed: skipped (run it by hand, see README)"
fi
echo "package OK: $(wc -l <"$expected") files, version $version"
