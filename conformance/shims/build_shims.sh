#!/bin/bash
# Builds the Go, GLib and Qt 5 shims (the Python and Node ones run from
# source) into DIR, for conformance/matrix.sh and bench/report.sh:
#   build_shims.sh SHIMS_SOURCE_DIR DIR [EXTRA_DEBIAN_PACKAGE...]
# Installs what they are built or run with when missing (Debian packages
# golang-go, libglib2.0-dev, qtbase5-dev, pkg-config, nodejs, and the extra
# ones), and says so on stderr before it does.
set -euo pipefail
src="$1" out="$2"
shift 2
packages=(golang-go libglib2.0-dev qtbase5-dev pkg-config "$@")
command -v node >/dev/null || packages+=(nodejs)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing Debian packages (apt-get, log in /tmp/shims-apt.log): ${missing[*]}" >&2
  sudo=()
  [[ "$(id -u)" == 0 ]] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/shims-apt.log 2>&1 ||
    { "${sudo[@]}" apt-get update -q >>/tmp/shims-apt.log 2>&1 &&
      "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/shims-apt.log 2>&1; } ||
    { echo "apt-get failed; see /tmp/shims-apt.log" >&2; exit 1; }
fi
echo "building the Go, GLib and Qt shims in $out" >&2
mkdir -p "$out"
(cd "$src" && GOCACHE="$out/gocache" GO111MODULE=off go build -o "$out/go_shim" go_shim.go)
gcc -O2 -Wall -o "$out/glib_shim" "$src/glib_shim.c" $(pkg-config --cflags --libs glib-2.0)
g++ -O2 -Wall -fPIC -o "$out/qt_shim" "$src/qt_shim.cc" $(pkg-config --cflags --libs Qt5Core)
