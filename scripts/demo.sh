#!/usr/bin/env bash
# The main job on a built-in lab: three real SSH hosts on this machine, then
# playbooks/site.yaml (PKI, hosting-node hardening, TLS etcd cluster) applied to them:
# a check run with diffs, the real run, a second run that changes nothing, and etcdctl
# from the bastion with the operator's client certificate (CN=root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
hf() { node dist/src/cli/main.js "$@"; }
export HOSTFORGE_PKI_DIR="${HOSTFORGE_PKI_DIR:-$PWD/.hostforge/pki}"
export HOSTFORGE_CA_PASSPHRASE="${HOSTFORGE_CA_PASSPHRASE:-demo-ca-passphrase}"
ETCD_ROOT_PASSWORD="${ETCD_ROOT_PASSWORD:-demo-etcd-root-password}"
client="$PWD/.hostforge/etcd-client"

hf lab up 3 --name demo
inv=/var/lib/hostforge/lab/demo/inventory.yaml
[ -f "$HOSTFORGE_PKI_DIR/ca.crt" ] || hf pki init --cn "hostforge demo CA"
[ -f "$client/root.crt" ] || hf pki issue root --usage client --out "$client"
run() { hf "$@" playbooks/site.yaml -i "$inv" -i playbooks/lab-groups.yaml -e "etcd_root_password=$ETCD_ROOT_PASSWORD"; }
# the lab has no route off this machine: local mirrors of the runbook's git repositories
hf apply playbooks/lab-sources.yaml -i "$inv" -i playbooks/lab-groups.yaml >/dev/null

echo; echo "== hostforge plan: what apply would change, with diffs =="
run plan
echo; echo "== hostforge apply =="
run apply
echo; echo "== hostforge apply again: nothing may change =="
run apply
echo; echo "== etcdctl from the bastion, as the operator (client certificate CN=root) =="
eps=$(awk '/ansible_host:/ {printf "%shttps://%s:2379", sep, $2; sep=","}' "$inv")
etcdctl --endpoints="$eps" --cacert="$HOSTFORGE_PKI_DIR/ca.crt" --cert="$client/root.crt" --key="$client/root.key" member list -w table
etcdctl --endpoints="$eps" --cacert="$HOSTFORGE_PKI_DIR/ca.crt" --cert="$client/root.crt" --key="$client/root.key" endpoint health
echo
echo "The lab is still running: hostforge lab status --name demo; ssh into a host with the"
echo "command 'hostforge lab up' printed; remove it all with: hostforge lab down --name demo"
