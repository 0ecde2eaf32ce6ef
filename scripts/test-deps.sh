#!/usr/bin/env bash
# Installs everything the tests need, idempotently: each scripts/deps/*.sh
# installs one thing and says in one line what it did.
set -euo pipefail
cd "$(dirname "$0")/.."
for s in scripts/deps/*.sh; do
	[ -e "$s" ] || continue
	bash "$s"
done
