#!/bin/sh
# What runs between clone and exec (//reap:child_side) may not allocate or
# call into a sanitizer runtime: it shares the caller's memory and thread
# state. The build keeps it so (its own target, -fno-sanitize=all); this
# checks the object code: no reference to malloc, free, operator new or
# delete, or any __asan/__tsan/__ubsan/__msan symbol.
set -eu
archive="$1"
undefined=$(nm -u "$archive" | awk '$1 == "U" {print $2}' | sort -u)
[ -n "$undefined" ] || { echo "no undefined symbol in $archive: not the child side's code?" >&2; exit 1; }
bad=$(printf '%s\n' "$undefined" |
  grep -E '^(malloc|calloc|realloc|free|posix_memalign|aligned_alloc|_Znw|_Zna|_Zdl|_Zda|__asan|__tsan|__ubsan|__msan|__sanitizer)' || true)
if [ -n "$bad" ]; then
  echo "the child side references what it must not:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "child side OK: $(printf '%s\n' "$undefined" | wc -l) undefined symbols, none an allocator or a sanitizer"
printf '%s\n' "$undefined"
