#!/usr/bin/env bash
# Runs before `npm test`: installs the Debian packages the real-component tests need (when root
# and missing), compiles the CLI, and builds the Kubernetes assets once (reused from the cache
# afterwards; `npm run kube-assets` alone does the same).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cloud-init kubectl openssl ca-certificates systemd curl coreutils iproute2 util-linux
  containerd runc containernetworking-plugins iptables conntrack)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "pretest: missing Debian packages: ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "pretest: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "pretest: the Kubernetes assets are built with Go (1.26): install it" >&2; exit 1; }
npm run build
node dist/sandbox/kube-assets/main.js
