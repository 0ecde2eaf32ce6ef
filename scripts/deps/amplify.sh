#!/usr/bin/env bash
# Installs aws-amplify (the real Amplify v6 client, pinned in
# test/amplify/package.json and its lock file) into .cache/amplify.
# Idempotent and quiet: `npm ci` runs only when node_modules is missing or the
# lock changed. Prints one line. server/amplify_test.go runs test/amplify/query.mjs with it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
src="$root/test/amplify"
dest="$root/.cache/amplify"
stamp="$dest/.shopgraph-lock.sha256"
want="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
bin="$dest/node_modules/aws-amplify/package.json"
mkdir -p "$dest"
cp "$src"/*.mjs "$dest/" # the driver runs beside node_modules; always current
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$bin" ]; then
	echo "amplify: up to date ($bin)"
	exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "amplify: npm is not installed" >&2; exit 1; }
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
mkdir -p "$dest"
rm -f "$stamp"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
if ! (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
	cat "$log" >&2
	echo "amplify: npm ci failed in $dest" >&2
	exit 1
fi
echo "$want" >"$stamp"
echo "amplify: installed $(node -p "require('$dest/node_modules/aws-amplify/package.json').version")"
