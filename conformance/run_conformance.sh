#!/bin/sh
# Test runner used by reap_conformance_test: runs reaper-conformance and puts
# its JUnit report where Bazel collects test XML.
set -eu
bin="$1"
shift
if [ -n "${XML_OUTPUT_FILE:-}" ]; then
  exec "$bin" --junit "$XML_OUTPUT_FILE" "$@"
fi
exec "$bin" "$@"
