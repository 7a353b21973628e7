#!/bin/sh
set -e
json=$(reaper --json -- sleep 30)
pid=$(echo "$json" | sed 's/^{"pid":\([0-9]*\).*/\1/')
target=$(echo "$json" | sed 's/.*"target":"\([0-9:]*\)".*/\1/')
echo "$pid" "$target" # target: for reaper status/stop/wait
