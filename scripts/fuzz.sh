#!/usr/bin/env bash
# Bounded fuzzing: property tests of request parsing (against the real
# server) and of the domain policies, with many more cases than `cargo test`
# runs. Stops by itself after FUZZ_SECONDS (default 300).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_BUDGET="${FUZZ_SECONDS:-300}"
export AMAAN_FUZZ_CASES="${AMAAN_FUZZ_CASES:-5000}"
export PROPTEST_CASES="${PROPTEST_CASES:-20000}"
timeout --signal=INT "$SECONDS_BUDGET" cargo test --release -- --nocapture fuzz properties || {
    code=$?
    if [ "$code" -eq 124 ] || [ "$code" -eq 130 ]; then
        echo "fuzz: time budget of ${SECONDS_BUDGET}s reached without a failure"
        exit 0
    fi
    exit "$code"
}
