#!/usr/bin/env bash
# Installs everything hostforge's demo and tests need on a fresh Debian 12 with Node 20,
# as root: Debian packages for the lab hosts and the end-to-end checks, the npm
# dependencies pinned by package-lock.json, and the TypeScript build.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=(openssh-server openssh-client tini iproute2 iptables sudo git openssl etcd-server etcd-client ansible-core ca-certificates cron dpkg-dev gnupg unzip zip tzdata zsh)
# roles/uwsgi_node's packages (uwsgi_node_packages, Debian 12 names), so that the role as
# shipped finds them present on lab hosts, which cannot download; dpkg-dev builds the
# package module's test .debs and a local apt repository (dpkg-scanpackages).
need_pkgs+=(make build-essential libpam0g-dev libcurl4-openssl-dev quota)
missing=()
for p in "${need_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian starts etcd and sshd from the package scripts where systemd runs; the lab
  # hosts start their own, so a policy-rc.d keeps the machine's own copies stopped.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi
mkdir -p /run/sshd

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
