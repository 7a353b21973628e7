#!/bin/bash
# The bash completion offers exactly the options `reaper --help` lists, and
# the subcommands as first word.
#   completion_test.sh REAPER COMPLETION
set -euo pipefail
reaper="$1"
completion="$2"
complete_words() {  # COMP_WORDS... -> what the completion offers
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _reaper; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$completion" "$@" | sort -u
}
# --timeout belongs to stop and wait (checked below), --cmd to the legacy
# form's text; neither is a detach option.
"$reaper" --help | grep -oE -- '--[a-z][a-z-]*' | grep -vx -e --timeout -e --cmd | sort -u >help.txt
complete_words reaper --  | grep -E -- '^--[a-z]' >offered.txt || true
if ! diff -u help.txt offered.txt; then
  echo "options differ between reaper --help (-) and the completion (+)" >&2
  exit 1
fi
first=$(complete_words reaper "" | tr '\n' ' ')
[[ "$first" == "doctor signal status stop wait " ]] || { echo "first words offered: '$first'" >&2; exit 1; }
control=$(complete_words reaper stop -- | tr '\n' ' ')
[[ "$control" == "--pidfile --timeout " ]] || { echo "after stop: '$control'" >&2; exit 1; }
echo "completion OK: $(wc -l <help.txt) options, first words: $first"
