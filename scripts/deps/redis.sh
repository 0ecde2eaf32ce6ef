#!/usr/bin/env bash
# Installs Debian's redis-server for the Redis fan-out tests (events/redis,
# through internal/redistest, which starts its own redis-server on a free
# loopback port in a temporary folder; Debian's service is never started).
# Idempotent: does nothing when redis-server is already on PATH. Never
# prompts: it installs as root or through passwordless sudo only. Without
# either (or without apt-get) it says so in one line and exits 0, so the Redis
# tests skip; with CI=true it exits 1 instead.
set -euo pipefail
source "$(dirname "$0")/../lib/deps.sh"

version() { redis-server --version 2>/dev/null | head -n1 || echo '(unknown version)'; }

if command -v redis-server >/dev/null 2>&1; then
	echo "redis: present ($(version))"
	exit 0
fi

status=0
apt_install redis "the Redis fan-out tests will skip" redis-server || status=$?
case $status in
0) ;;
2) exit 0 ;; # not installable here; apt_install said why
*) exit 1 ;;
esac
if ! command -v redis-server >/dev/null 2>&1; then
	echo "redis: apt-get installed redis-server, but redis-server is not on PATH" >&2
	exit 1
fi
echo "redis: installed $(version)"
