#!/usr/bin/env bash
# Installs aws-amplify (the real Amplify v6 client, pinned in test/amplify)
# and its driver test/amplify/query.mjs into .cache/amplify, idempotently.
# server/amplify_test.go runs the driver.
set -euo pipefail
source "$(dirname "$0")/../lib/npm-pinned.sh"
npm_pinned amplify aws-amplify
