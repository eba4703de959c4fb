#!/usr/bin/env bash
# The README's video load table: Amaan then Janus's videoroom (two shared
# media threads, like Amaan's two forwarding threads), three runs each at 4,
# 8 and 20 sessions, and one run against Janus's default thread-per-handle.
# Needs `cargo build --release` and `apt-get install janus`; takes ~8 min.
set -euo pipefail
cd "$(dirname "$0")/.."
for n in 4 8 20; do
  for r in 1 2 3; do
    echo "=== sessions $n run $r $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
    AMAAN_LOG=error ./target/release/amaan bench video --server both --sessions "$n" --seconds 15 --janus-event-loops 2
  done
done
echo "=== sessions 8, Janus's default threads $(date +%T)"
AMAAN_LOG=error ./target/release/amaan bench video --server both --sessions 8 --seconds 15
