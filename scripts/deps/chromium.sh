#!/usr/bin/env bash
# Installs Debian's Chromium (/usr/bin/chromium) for the headless browser
# tests (internal/browsertest, test/e2e). Idempotent: does nothing when it is
# already there. Never lets any tool download a browser of its own, and never
# prompts: it installs as root or through passwordless sudo only. Without
# either (or without apt-get) it says so in one line and exits 0, so the
# browser tests skip; with CI=true it exits 1 instead.
set -euo pipefail
source "$(dirname "$0")/../lib/deps.sh"

version() { /usr/bin/chromium --version 2>/dev/null | head -n1 || echo '(unknown version)'; }

if [ -x /usr/bin/chromium ]; then
	echo "chromium: present ($(version))"
	exit 0
fi

status=0
apt_install chromium "the browser tests will skip" chromium || status=$?
case $status in
0) ;;
2) exit 0 ;; # not installable here; apt_install said why
*) exit 1 ;;
esac
if [ ! -x /usr/bin/chromium ]; then
	echo "chromium: apt-get installed chromium, but /usr/bin/chromium is missing" >&2
	exit 1
fi
echo "chromium: installed $(version)"
