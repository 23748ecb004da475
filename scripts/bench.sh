#!/usr/bin/env bash
# Benchmark: the same 20-task playbook (bench/bench.yaml) applied by hostforge and by
# ansible-playbook (Debian's ansible-core) to fresh lab hosts: a converging run, then a
# run with nothing to change. Prints wall times and ratios. Usage: scripts/bench.sh [HOSTS]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-5}"
bash scripts/setup.sh >/dev/null
hf() { node dist/src/cli/main.js "$@"; }
inv=/var/lib/hostforge/lab/bench/inventory.yaml
now() { date +%s.%N; }
run() { local t0; t0=$(now); "$@" >/tmp/hostforge-bench.log 2>&1 || { cat /tmp/hostforge-bench.log; exit 1; }; awk -v a="$(now)" -v b="$t0" 'BEGIN{printf "%.3f", a-b}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", a/b}'; }

hf lab up "$n" --name bench >/dev/null
hf_first=$(run hf apply bench/bench.yaml -i "$inv" --forks 50)
hf_second=$(run hf apply bench/bench.yaml -i "$inv" --forks 50)
hf lab up "$n" --name bench >/dev/null   # fresh hosts for ansible
export ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_PIPELINING=True ANSIBLE_FORKS=50 ANSIBLE_NOCOLOR=1 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
an_first=$(run ansible-playbook -i "$inv" bench/bench.yaml)
an_second=$(run ansible-playbook -i "$inv" bench/bench.yaml)
hf lab down --name bench >/dev/null
printf '%-28s %10s %10s %8s\n' "run ($n hosts, 20 tasks)" hostforge ansible ratio
printf '%-28s %9.2fs %9.2fs %7.1fx\n' "converge (fresh hosts)" "$hf_first" "$an_first" "$(ratio "$an_first" "$hf_first")"
printf '%-28s %9.2fs %9.2fs %7.1fx\n' "no change (second run)" "$hf_second" "$an_second" "$(ratio "$an_second" "$hf_second")"
