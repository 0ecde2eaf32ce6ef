# npm_pinned NAME PACKAGE [CHECK]: installs the npm package folder test/NAME
# (its package.json and lock, exact pins) into .cache/NAME with `npm ci`, only
# when node_modules is missing or the lock changed since the last install (a
# stamp records the lock's checksum); also copies test/NAME/*.mjs beside
# node_modules every time. Prints one line saying what it did. PACKAGE is
# the dependency whose installed version is reported.
#
# CHECK, if given, is a shell function that npm_pinned calls with the install
# folder (.cache/NAME) to tell whether the install is complete beyond
# PACKAGE's package.json (e.g. that a file it ships is there). It returns 0
# and prints a short description for the summary line when it is, non-zero
# (printing why, if it likes) when not: an up-to-date install that fails
# CHECK is installed again, and a fresh install that fails it is an error.
#
# Without node and npm it installs nothing: it prints that NAME is not
# installed and returns 0 (the tests that need it skip), or 1 when CI=true
# (see dep_unavailable). No package may download a browser
# (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1): the tests use Debian's Chromium.
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"

npm_pinned() {
	local name="$1" pkg="$2" check="${3:-}"
	local root src dest stamp want log version detail=""
	root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
	src="$root/test/$name"
	dest="$root/.cache/$name"
	stamp="$dest/.shopgraph-lock.sha256"
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		dep_unavailable "$name" "needs node and npm, which are not on PATH" "the tests that use $pkg will skip"
		return
	fi
	want="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
	mkdir -p "$dest"
	if compgen -G "$src/*.mjs" >/dev/null; then cp "$src"/*.mjs "$dest/"; fi
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$dest/node_modules/$pkg/package.json" ] &&
		{ [ -z "$check" ] || detail="$("$check" "$dest")"; }; then
		version="$(_npm_pinned_version "$dest" "$pkg")"
		echo "$name: up to date ($pkg $version in .cache/$name${detail:+; $detail})"
		return 0
	fi
	log="$(mktemp)"
	rm -f "$stamp"
	cp "$src/package.json" "$src/package-lock.json" "$dest/"
	if ! (cd "$dest" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) </dev/null >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "$name: npm ci failed in $dest" >&2
		return 1
	fi
	rm -f "$log"
	if [ -n "$check" ] && ! detail="$("$check" "$dest")"; then
		echo "$name: installed, but incomplete after npm ci in $dest${detail:+: $detail}" >&2
		return 1
	fi
	echo "$want" >"$stamp"
	version="$(_npm_pinned_version "$dest" "$pkg")"
	echo "$name: installed $pkg $version in .cache/$name${detail:+; $detail}"
}

# _npm_pinned_version DEST PACKAGE prints PACKAGE's installed version.
_npm_pinned_version() {
	node -p 'require(process.argv[1]).version' "$1/node_modules/$2/package.json" 2>/dev/null || echo '(unknown version)'
}
