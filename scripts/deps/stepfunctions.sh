#!/usr/bin/env bash
# Installs asl-validator (checks every ASL definition shopgraph ships) and
# aws-local-stepfunctions (the local Step Functions benchmark's comparison
# engine), pinned in test/stepfunctions, with the drivers test/stepfunctions/*.mjs,
# into .cache/stepfunctions, idempotently. internal/asltest runs them.
set -euo pipefail
source "$(dirname "$0")/../lib/npm-pinned.sh"

# both packages must be there, not only the one npm_pinned reports
stepfunctions_check() {
	[ -f "$1/node_modules/aws-local-stepfunctions/package.json" ] || { echo "aws-local-stepfunctions is missing"; return 1; }
	echo "aws-local-stepfunctions $(node -p 'require(process.argv[1]).version' "$1/node_modules/aws-local-stepfunctions/package.json")"
}
npm_pinned stepfunctions asl-validator stepfunctions_check
