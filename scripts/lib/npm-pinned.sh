# npm_pinned NAME PACKAGE: installs the npm package folder test/NAME (its
# package.json and lock, exact pins) into .cache/NAME with `npm ci`, only
# when node_modules is missing or the lock changed since the last install (a
# stamp records the lock's checksum); also copies test/NAME/*.mjs beside
# node_modules every time. Prints one line saying what it did. PACKAGE is
# the dependency whose installed version is reported.
npm_pinned() {
	local name="$1" pkg="$2"
	local root src dest stamp want log
	root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
	src="$root/test/$name"
	dest="$root/.cache/$name"
	stamp="$dest/.shopgraph-lock.sha256"
	want="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
	mkdir -p "$dest"
	if compgen -G "$src/*.mjs" >/dev/null; then cp "$src"/*.mjs "$dest/"; fi
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$dest/node_modules/$pkg/package.json" ]; then
		echo "$name: up to date ($pkg in .cache/$name)"
		return 0
	fi
	command -v npm >/dev/null 2>&1 || { echo "$name: npm is not installed" >&2; return 1; }
	log="$(mktemp)"
	rm -f "$stamp"
	cp "$src/package.json" "$src/package-lock.json" "$dest/"
	if ! (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "$name: npm ci failed in $dest" >&2
		return 1
	fi
	rm -f "$log"
	echo "$want" >"$stamp"
	echo "$name: installed $pkg $(node -p "require('$dest/node_modules/$pkg/package.json').version")"
}
