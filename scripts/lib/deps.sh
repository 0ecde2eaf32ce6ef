# Shared helpers of scripts/deps/*.sh (source it). Each dependency script
# prints one line; none ever prompts.

# dep_unavailable NAME REASON CONSEQUENCE: NAME cannot be installed here.
# Prints "NAME: not installed (REASON); CONSEQUENCE" and returns 0, so the
# other dependencies still install and the tests that need NAME skip; when
# CI is "true" it prints the line to stderr and returns 1, so CI cannot pass
# without the dependency.
dep_unavailable() {
	local name="$1" reason="$2" consequence="$3"
	if [ "${CI:-}" = "true" ]; then
		echo "$name: not installed ($reason); failing, as CI=true" >&2
		return 1
	fi
	echo "$name: not installed ($reason); $consequence"
}

# apt_install NAME CONSEQUENCE PACKAGE...: installs Debian packages with
# apt-get, as root or through passwordless sudo (sudo -n: it never asks for
# a password). When neither is possible, or apt-get is missing, it reports NAME
# as unavailable (see dep_unavailable) and returns that status; it returns 2
# then, when not failing, so the caller can tell "installed" (0) from
# "skipped" (2). A failing apt-get prints its output and returns 1.
apt_install() {
	local name="$1" consequence="$2"
	shift 2
	local -a as_root=()
	if ! command -v apt-get >/dev/null 2>&1; then
		dep_unavailable "$name" "apt-get is missing; install $* yourself" "$consequence" || return 1
		return 2
	fi
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
			as_root=(sudo -n)
		else
			dep_unavailable "$name" "needs root or passwordless sudo for apt-get install $*" "$consequence" || return 1
			return 2
		fi
	fi
	local log
	log="$(mktemp)"
	if ! { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq &&
		"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@"; } </dev/null >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "$name: apt-get install $* failed" >&2
		return 1
	fi
	rm -f "$log"
}
