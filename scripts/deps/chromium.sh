#!/usr/bin/env bash
# Installs Debian's Chromium (/usr/bin/chromium) for the headless browser
# tests (internal/browsertest, e2e/). Idempotent: does nothing when it is
# already there. Never lets any tool download a browser of its own.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
	echo "chromium: present ($(/usr/bin/chromium --version 2>/dev/null | head -n1 || echo unknown version))"
	exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	SUDO=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq && "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "chromium: apt-get install failed" >&2
	exit 1
fi
echo "chromium: installed $(/usr/bin/chromium --version 2>/dev/null | head -n1 || echo '(unknown version)')"
