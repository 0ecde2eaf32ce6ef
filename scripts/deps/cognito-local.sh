#!/usr/bin/env bash
# Installs cognito-local (a Cognito user pool emulator, pinned in
# test/cognito-local/package.json and its lock file) into .cache/cognito-local.
# Idempotent and quiet: `npm ci` runs only when node_modules is missing or the
# lock changed. Prints one line. auth/cognito_test.go starts it on loopback.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
src="$root/test/cognito-local"
dest="$root/.cache/cognito-local"
stamp="$dest/.shopgraph-lock.sha256"
want="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
bin="$dest/node_modules/.bin/cognito-local"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$bin" ]; then
	echo "cognito-local: up to date ($bin)"
	exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "cognito-local: npm is not installed" >&2; exit 1; }
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
mkdir -p "$dest"
rm -f "$stamp"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
if ! (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
	cat "$log" >&2
	echo "cognito-local: npm ci failed in $dest" >&2
	exit 1
fi
echo "$want" >"$stamp"
echo "cognito-local: installed $(node -p "require('$dest/node_modules/cognito-local/package.json').version")"
