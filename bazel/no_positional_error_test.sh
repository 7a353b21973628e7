#!/bin/sh
# Errors are made by StageError and OpError only (reap/error.h): an
# Error{...} by position would silently change meaning if the struct's
# fields were reordered. Error{} (empty) is fine.
set -eu
found=$(grep -n 'Error{[^}.]' "$@" || true)
if [ -n "$found" ]; then
  echo "Error{...} by position (use StageError or OpError):" >&2
  echo "$found" >&2
  exit 1
fi
echo "no positional Error{...} in $# files"
