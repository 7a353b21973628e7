#!/bin/bash
# Builds reap_VERSION_amd64.deb from the Bazel outputs with Debian's own
# tools (dpkg-deb). Run through Bazel:
#   ./bazelw run -c opt //packaging:deb -- OUTDIR
# Inputs (given by packaging/BUILD): REAPER SUITE LIBREAP VERSION_H MAN1...
# COMPLETION CONTROL_IN COPYRIGHT CHANGELOG PC_IN LINTIAN_OVERRIDES
# SCOPE_HELPER LIBREAP_SCOPE SCOPE_PC_IN SCOPE_H -- HEADERS... -- DOCS... -- OUTDIR
set -euo pipefail
reaper="$1" suite="$2" lib="$3" version_h="$4" man_reaper="$5" man_suite="$6"
completion="$7" control_in="$8" copyright="$9" changelog="${10}" pc_in="${11}" overrides="${12}"
scope_helper="${13}" lib_scope="${14}" scope_pc_in="${15}" scope_h="${16}"
shift 16
[[ "$1" == -- ]] || { echo "build_deb: expected -- before the headers" >&2; exit 2; }
shift
headers=()
while (($#)) && [[ "$1" != -- ]]; do
  headers+=("$1")
  shift
done
shift || true
docs=()
while (($#)) && [[ "$1" != -- ]]; do
  docs+=("$1")
  shift
done
shift || true
if (($# != 1)); then
  echo "usage: ./bazelw run //packaging:deb -- OUTDIR" >&2
  exit 2
fi
outdir="$1"
[[ "$outdir" == /* ]] || outdir="${BUILD_WORKING_DIRECTORY:-$PWD}/$outdir"
mkdir -p "$outdir"
version=$(sed -n 's/.*kVersion\[\] = "\([0-9.]*\)".*/\1/p' "$version_h")
[[ -n "$version" ]] || { echo "build_deb: no version in $version_h" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
multiarch=x86_64-linux-gnu
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/libexec/reap" "$root/usr/include/reap" "$root/usr/lib/$multiarch/pkgconfig" \
  "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" "$root/usr/share/doc/reap" \
  "$root/usr/share/lintian/overrides"
install -m 0755 "$reaper" "$root/usr/bin/reaper"
install -m 0755 "$suite" "$root/usr/bin/reaper-conformance"
# reaper --scope's sd-bus part: reaper looks for it in ../libexec/reap/.
install -m 0755 "$scope_helper" "$root/usr/libexec/reap/reaper-scope"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/reaper" \
  "$root/usr/bin/reaper-conformance" "$root/usr/libexec/reap/reaper-scope"
install -m 0644 "$lib" "$root/usr/lib/$multiarch/libreap.a"
strip --strip-debug --remove-section=.comment "$root/usr/lib/$multiarch/libreap.a"
sed "s/@VERSION@/$version/" "$pc_in" >"$root/usr/lib/$multiarch/pkgconfig/reap.pc"
chmod 0644 "$root/usr/lib/$multiarch/pkgconfig/reap.pc"
# The scope part: its own archive and .pc, so that only its users link libsystemd.
install -m 0644 "$lib_scope" "$root/usr/lib/$multiarch/libreap-scope.a"
strip --strip-debug --remove-section=.comment "$root/usr/lib/$multiarch/libreap-scope.a"
sed "s/@VERSION@/$version/g" "$scope_pc_in" >"$root/usr/lib/$multiarch/pkgconfig/reap-scope.pc"
chmod 0644 "$root/usr/lib/$multiarch/pkgconfig/reap-scope.pc"
install -m 0644 "$scope_h" "$root/usr/include/reap/scope.h"
for h in "${headers[@]}"; do install -m 0644 "$h" "$root/usr/include/reap/$(basename "$h")"; done
gzip -9n <"$man_reaper" >"$root/usr/share/man/man1/reaper.1.gz"
gzip -9n <"$man_suite" >"$root/usr/share/man/man1/reaper-conformance.1.gz"
install -m 0644 "$completion" "$root/usr/share/bash-completion/completions/reaper"
install -m 0644 "$copyright" "$root/usr/share/doc/reap/copyright"
install -m 0644 "$overrides" "$root/usr/share/lintian/overrides/reap"
gzip -9n <"$changelog" >"$root/usr/share/doc/reap/changelog.gz"
# The user docs (design, library, conformance suite and verdicts), which
# the manuals point to; compressed, as Debian policy asks of docs.
for d in "${docs[@]}"; do gzip -9n <"$d" >"$root/usr/share/doc/reap/$(basename "$d").gz"; done
chmod 0644 "$root"/usr/share/man/man1/*.gz "$root"/usr/share/doc/reap/*.gz
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" "$control_in" >"$root/DEBIAN/control"
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
deb="$outdir/reap_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
