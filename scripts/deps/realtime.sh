#!/usr/bin/env bash
# Installs the real-time clients pinned in test/realtime (aws-amplify v6;
# Apollo Client 4 with aws-appsync-auth-link and aws-appsync-subscription-link
# 4.0.3, and 4.0.0 under the alias aws-appsync-subscription-link-4.0.0 for the
# older query-parameter handshake; graphql-ws with ws) and their drivers
# test/realtime/*.mjs into .cache/realtime, idempotently.
# server/realtime_clients_test.go runs the drivers.
set -euo pipefail
source "$(dirname "$0")/../lib/npm-pinned.sh"

# every client must be there, not only the one npm_pinned reports
realtime_check() {
	local p v out=()
	for p in @apollo/client aws-appsync-auth-link aws-appsync-subscription-link aws-appsync-subscription-link-4.0.0 graphql-ws ws; do
		[ -f "$1/node_modules/$p/package.json" ] || { echo "$p is missing"; return 1; }
		v="$(node -p 'require(process.argv[1]).version' "$1/node_modules/$p/package.json")"
		out+=("$p $v")
	done
	local IFS=,
	echo "${out[*]}" | sed 's/,/, /g'
}
npm_pinned realtime aws-amplify realtime_check
