#!/usr/bin/env bash
# Benchmark: hostforge and ansible-playbook (Debian's ansible-core at its best: pipelining,
# ControlPersist, forks min(N,50)) on the same fresh lab hosts and the same work (bench/bench.yaml):
# --check on fresh hosts, converge, no-change; wall, controller CPU and peak RSS, target-host CPU;
# medians, ratios, the floor; writes bench/RESULTS.md. Needs root (the lab).
# Usage: scripts/bench.sh [--hosts 1,10,50,100,200] [--reps 3] [--ansible-hosts 1,10,50,100]
#                         [--playbook FILE] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
npm run build >/dev/null
exec node dist/bench/run.js "$@"
