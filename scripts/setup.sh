#!/usr/bin/env bash
# Set-up for a fresh Debian machine (idempotent): the testbed's Debian packages where missing,
# Node.js 24 where the machine's Node is older, and the npm dependencies.
#   --engine   also build (or find) the Pulumi engine: the tests and `.ci/run` ask for it; the demo does
#              not need it, so a newcomer's first command does not wait for a Go build
#              (`npm run pulumi` builds it on first use too).
set -euo pipefail
cd "$(dirname "$0")/.."
with_engine=0
for arg in "$@"; do
  case "$arg" in
    --engine) with_engine=1 ;;
    *) echo "setup.sh: unknown option $arg (known: --engine)" >&2; exit 3 ;;
  esac
done

APT_PACKAGES=(samba samba-ad-dc samba-ad-provision winbind ldb-tools slapd ldap-utils snmpd snmp snmpsim
  openssh-server openssh-client openssl postgresql freeradius freeradius-ldap eapoltest nftables iputils-ping iproute2 chromium poppler-utils python3-librouteros
  unbound squid-openssl dnsmasq-base faketime gcc libc6-dev)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # No daemon may start on 0.0.0.0 as a side effect of installing it.
  [ -x /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d; }
  echo "installing Debian packages: ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 24 ] && [ ! -x "$HOME/.node24/bin/node" ]; then
  echo "installing Node.js 24 into ~/.node24 (the machine has $(node --version 2>/dev/null || echo none))"
  npm i -g --prefix "$HOME/.node24" node@24 >/dev/null
fi
export PATH="$HOME/.node24/bin:$PATH"

# A worktree whose node_modules links to a shared install is left alone: `npm ci` would empty the
# shared folder through the link.
if [ -L node_modules ]; then
  echo "node_modules links to $(readlink node_modules): not reinstalled here"
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The Pulumi engine at the version package.json pins: an installed `pulumi` of that version, else built
# from the Go module proxy into ~/.cache/schoolnet/pulumi/<version>/ (scripts/pulumi/engine.sh; the first
# build takes minutes, later runs return at once, a new pinned version builds again). The Node.js
# language host is refused by the proxy: scripts/pulumi/language-host.ts stands in (see that file).
if [ "$with_engine" -eq 0 ]; then
  echo "Pulumi engine: not needed for the demo; built on first use (npm run pulumi, npm test) or with setup.sh --engine"
elif engine_dir=$(bash scripts/pulumi/engine.sh --ensure); then
  echo "pulumi $("$engine_dir/pulumi" version) in $engine_dir"
else
  echo "setup: the Pulumi engine could not be had (above); install Pulumi the normal way or Go 1.25+ (docs/pulumi.md)" >&2
  exit 1
fi
