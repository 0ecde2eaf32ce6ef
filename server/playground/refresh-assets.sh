#!/usr/bin/env bash
# Re-vendors the playground's browser assets from the npm registry into
# assets/ (minified builds and LICENSE files only). Run it by hand after
# changing a version below, then update the versions in playground.go and
# assets/vendor/NOTICE.md (the asset directory names carry them, which keeps
# the long cache headers safe).
# It is deliberately not in scripts/deps/: those run on every `make test-deps`.
set -euo pipefail
cd "$(dirname "$0")"

GRAPHIQL=4.1.2   # the newest graphiql with a UMD build (5.x is ESM + Monaco, needs a bundler)
REACT=18.3.1     # React 19 ships no UMD builds; graphiql 4 supports React 18
GRAPHQL_WS=6.4.2 # subscriptions (graphql-transport-ws); its UMD build exposes the global graphqlWs

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" "graphql-ws@$GRAPHQL_WS" >/dev/null)
for p in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT" "graphql-ws-$GRAPHQL_WS"; do
	mkdir -p "$tmp/$p" && tar -xzf "$tmp/$p.tgz" -C "$tmp/$p"
done

rm -rf assets/vendor
mkdir -p "assets/vendor/graphiql-$GRAPHIQL" "assets/vendor/react-$REACT" "assets/vendor/react-dom-$REACT" \
	"assets/vendor/graphql-ws-$GRAPHQL_WS"
cp "$tmp/graphiql-$GRAPHIQL/package/graphiql.min.js" "$tmp/graphiql-$GRAPHIQL/package/graphiql.min.css" \
	"$tmp/graphiql-$GRAPHIQL/package/LICENSE" "assets/vendor/graphiql-$GRAPHIQL/"
cp "$tmp/react-$REACT/package/umd/react.production.min.js" "$tmp/react-$REACT/package/LICENSE" "assets/vendor/react-$REACT/"
cp "$tmp/react-dom-$REACT/package/umd/react-dom.production.min.js" "$tmp/react-dom-$REACT/package/LICENSE" "assets/vendor/react-dom-$REACT/"
cp "$tmp/graphql-ws-$GRAPHQL_WS/package/umd/graphql-ws.min.js" "assets/vendor/graphql-ws-$GRAPHQL_WS/"
# Its licence is LICENSE.md in the package; served as LICENSE, like the others.
cp "$tmp/graphql-ws-$GRAPHQL_WS/package/LICENSE.md" "assets/vendor/graphql-ws-$GRAPHQL_WS/LICENSE"
# The builds end with a sourceMappingURL comment for a map we do not vendor.
sed -i '/^\/\/# sourceMappingURL=/d' assets/vendor/*/*.min.js
echo "playground assets: graphiql $GRAPHIQL, react $REACT, graphql-ws $GRAPHQL_WS ($(du -sh assets/vendor | cut -f1))"
