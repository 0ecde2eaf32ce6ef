#!/usr/bin/env bash
# Installs the headless-browser test scripts' npm packages (test/e2e: its
# package.json and lock pin playwright-core) into .cache/e2e with npm_pinned,
# idempotently. internal/browsertest runs test/e2e/playground.mjs with them.
# Never downloads a browser: the tests use Debian's /usr/bin/chromium
# (scripts/deps/chromium.sh).
set -euo pipefail
source "$(dirname "$0")/../lib/npm-pinned.sh"
npm_pinned e2e playwright-core
