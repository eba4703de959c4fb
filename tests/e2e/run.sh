#!/usr/bin/env bash
# The pages' end-to-end suite in headless Chromium. Installs what a fresh
# machine lacks (Debian's chromium, node and npm, the suite's npm packages),
# builds the server, and runs the suite.
#
#   tests/e2e/run.sh                 # run the suite
#   tests/e2e/run.sh --screenshots   # and rewrite docs/screenshots/*.png
#   tests/e2e/run.sh --install-only  # install, then leave the run to `cargo test`
#                                    # (tests/browser.rs runs this suite)
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$(cd ../.. && pwd)"

log() { printf '\n== %s\n' "$*"; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || true
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm ci only when the lock file changed since the last install.
stamp=node_modules/.amaan-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
    log "npm ci (playwright-core, axe-core)"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json "$stamp"
fi

if [ "${1:-}" = "--install-only" ]; then
    exit 0
fi

if [ -z "${AMAAN_BIN:-}" ]; then
    log "cargo build --bin amaan"
    (cd "$ROOT" && cargo build --quiet --bin amaan)
    export AMAAN_BIN="$ROOT/target/debug/amaan"
fi

if [ "${1:-}" = "--screenshots" ]; then
    export AMAAN_SCREENSHOTS=1
fi

log "end-to-end tests in $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
node --test --test-concurrency=1 --test-reporter=spec ./*.test.mjs
