#!/usr/bin/env bash
# Installs cognito-local (a Cognito user pool emulator, pinned in
# test/cognito-local) into .cache/cognito-local, idempotently.
# auth/authtest.CognitoLocal starts it on loopback.
set -euo pipefail
source "$(dirname "$0")/../lib/npm-pinned.sh"
npm_pinned cognito-local cognito-local
