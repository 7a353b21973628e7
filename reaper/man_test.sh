#!/bin/sh
# The man page renders without warnings and documents exactly the options
# `PROGRAM --help` shows (reaper, reaper-conformance).
set -eu
reaper="$1"
page="$2"
warnings=$(groff -man -ww -z "$page" 2>&1)
if [ -n "$warnings" ]; then
  echo "groff warnings in $page:" >&2
  echo "$warnings" >&2
  exit 1
fi
# How it reads: no option split from its value across lines ("stop
# [--timeout" above "SECONDS] TARGET"), no line stretched into wide gaps
# (a long unbreakable word in filled text). Header and footer excepted.
rendered=$(groff -man -Tascii "$page" 2>/dev/null | col -bx | sed '1d;$d')
broken=$(printf '%s\n' "$rendered" | grep -nE '\[--?[a-z-]*$|^.{14,}[^ ] {5,}[^ ]' || true)
if [ -n "$broken" ]; then
  echo "badly rendered lines in $page (an option split from its value, or wide gaps):" >&2
  echo "$broken" >&2
  exit 1
fi
opts() { grep -oE -- '--[a-z][a-z-]*' | sort -u; }
"$reaper" --help | opts >help.txt  # any program with --help
# In the man page dashes are escaped: \-\-stdout.
sed 's/\\-/-/g' "$page" | opts >man.txt
if ! diff -u help.txt man.txt; then
  echo "options differ between $reaper --help (-) and $page (+)" >&2
  exit 1
fi
echo "man page OK: $(wc -l <help.txt) options"
