#!/usr/bin/env bash
# Installs the end-to-end scripts' npm packages (e2e/package.json and
# e2e/package-lock.json: playwright-core, pinned) into e2e/node_modules with
# `npm ci`, only when they are missing or the lock file changed since the last
# install (a stamp in e2e/node_modules records the lock's checksum).
# Never downloads a browser: the tests use Debian's /usr/bin/chromium
# (scripts/deps/chromium.sh).
set -euo pipefail
cd "$(dirname "$0")/../../e2e"

stamp=node_modules/.shopgraph-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f node_modules/playwright-core/package.json ]; then
	echo "e2e npm: up to date (playwright-core $(node -p 'require("./node_modules/playwright-core/package.json").version'))"
	exit 0
fi

command -v npm >/dev/null || { echo "e2e npm: npm is not installed" >&2; exit 1; }
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
	cat "$log" >&2
	echo "e2e npm: npm ci failed" >&2
	exit 1
fi
echo "$want" >"$stamp"
echo "e2e npm: installed (playwright-core $(node -p 'require("./node_modules/playwright-core/package.json").version'))"
