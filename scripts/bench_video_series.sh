#!/usr/bin/env bash
# The README's video load table: Amaan then Janus's videoroom (two shared
# media threads, like Amaan's two forwarding threads), RUNS runs each at
# every size in SESSIONS, then one run against Janus's default
# thread-per-handle at 8 sessions (skipped with DEFAULT_THREADS=0).
# Needs `cargo build --release` (both binaries: amaan-bench starts amaan),
# `apt-get install janus` and root (the bench makes its own network
# namespace). Issue 17's series: SESSIONS=20 RUNS=5 DEFAULT_THREADS=0;
# SERVER=all adds the str0m forwarder of the bench's own to each run.
set -euo pipefail
cd "$(dirname "$0")/.."
SESSIONS=${SESSIONS:-"4 8 20"}
RUNS=${RUNS:-3}
for n in $SESSIONS; do
  for r in $(seq 1 "$RUNS"); do
    echo "=== sessions $n run $r $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
    AMAAN_LOG=error ./target/release/amaan-bench video --server "${SERVER:-both}" --sessions "$n" --seconds 15 --janus-event-loops 2
  done
done
if [ "${DEFAULT_THREADS:-1}" != 0 ]; then
  echo "=== sessions 8, Janus's default threads $(date +%T)"
  AMAAN_LOG=error ./target/release/amaan-bench video --server both --sessions 8 --seconds 15
fi
