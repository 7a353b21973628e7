#!/bin/sh
# Every C++ source of the workspace is formatted as .clang-format says
# (clang-format --dry-run -Werror). Fix with: clang-format -i FILE...
set -eu
if ! command -v clang-format >/dev/null; then
  echo "format_test: clang-format is not installed (./bazelw installs it)" >&2
  exit 1
fi
config="$1"
shift
status=0
for f in "$@"; do
  clang-format --style="file:$config" --dry-run -Werror "$f" || status=1
done
[ "$status" -eq 0 ] && echo "format OK: $# files"
exit "$status"
