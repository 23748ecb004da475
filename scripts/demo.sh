#!/usr/bin/env bash
# The main job on a built-in lab: three real SSH hosts on this machine, then
# playbooks/site.yaml (PKI, hosting-node hardening, TLS etcd cluster) applied to them:
# a check run, the real run, and a second run that must change nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
hf() { node dist/src/cli/main.js "$@"; }
export HOSTFORGE_PKI_DIR="${HOSTFORGE_PKI_DIR:-$PWD/.hostforge/pki}"
export HOSTFORGE_CA_PASSPHRASE="${HOSTFORGE_CA_PASSPHRASE:-demo-passphrase-change-me}"
hf lab down --name demo >/dev/null 2>&1 || true
hf lab up 3 --name demo
inv=/var/lib/hostforge/lab/demo/inventory.yaml
[ -f "$HOSTFORGE_PKI_DIR/ca.crt" ] || hf pki init --cn "hostforge demo CA"
echo; echo "== plan (check mode, diffs) =="
hf plan playbooks/site.yaml -i "$inv" -i playbooks/lab-groups.yaml
echo; echo "== apply =="
hf apply playbooks/site.yaml -i "$inv" -i playbooks/lab-groups.yaml
echo; echo "== apply again: nothing may change =="
hf apply playbooks/site.yaml -i "$inv" -i playbooks/lab-groups.yaml
echo
echo "The lab is still running: hostforge lab status --name demo; remove it with: hostforge lab down --name demo"
