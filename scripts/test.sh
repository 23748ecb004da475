#!/usr/bin/env bash
# The whole test suite: unit tests and end-to-end tests on lab hosts (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Labs left behind by an interrupted earlier run would hold lab slots.
node dist/src/cli/main.js lab down --all >/dev/null 2>&1 || true
status=0
npx ava "$@" || status=$?
node dist/src/cli/main.js lab down --all >/dev/null 2>&1 || true
exit $status
