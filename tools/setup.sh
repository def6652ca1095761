#!/usr/bin/env bash
# Installs what minimesh needs on this machine, only what is missing, quietly:
#   - Debian packages: nats-server (events), iproute2/iptables/nftables/conntrack (the local
#     cluster and the node agent), ipset and ipvsadm (IPVS mode), curl and dnsutils (tests and
#     walkthroughs), haproxy (the userspace proxy's benchmark compares against it), arping (the
#     load balancer's gratuitous ARP); docker.io, docker-compose and debootstrap (the images, the
#     compose mesh and the container suites: a private dockerd runs them, tools/images/engine.sh);
#     Compose v2 as a docker CLI plugin from Debian 13's package (tools/images/compose-v2.sh:
#     Debian 12 has only v1);
#     clang, libbpf-dev and bpftool (the node agent's ebpf mode: its programs are compiled here,
#     bpftool gives the kernel's types to its UDP sweep; clang also builds nftables mode's netlink
#     helper);
#   - npm packages from package-lock.json (npm ci), when node_modules is missing or stale;
#   - the programs' bundles (tools/bundle/build.mjs), which their bin files run.
# Safe to run again and again: the README's commands call it first.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
have nats-server || need_apt+=(nats-server)
have ip || need_apt+=(iproute2)
have iptables || need_apt+=(iptables)
have nft || need_apt+=(nftables)
have conntrack || need_apt+=(conntrack)
have ipset || need_apt+=(ipset)
have ipvsadm || need_apt+=(ipvsadm)
have haproxy || need_apt+=(haproxy)
have arping || need_apt+=(iputils-arping)
have curl || need_apt+=(curl)
have dig || need_apt+=(dnsutils)
have dockerd || need_apt+=(docker.io)
have docker-compose || need_apt+=(docker-compose)
have debootstrap || need_apt+=(debootstrap)
have clang || need_apt+=(clang)
[ -f /usr/include/bpf/libbpf.h ] || need_apt+=(libbpf-dev)
have bpftool || need_apt+=(bpftool)

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${need_apt[*]} (run as root, or: sudo apt-get install ${need_apt[*]})" >&2
  else
    echo "setup: installing ${need_apt[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  fi
fi

# Compose v2 (`docker compose`) beside v1, for the compose mesh and its container suite.
if have docker && [ "$(id -u)" -eq 0 ] && ! docker compose version >/dev/null 2>&1; then
  echo "setup: installing Compose v2 (Debian 13's docker-compose package, as a docker CLI plugin)" >&2
  bash tools/images/compose-v2.sh || echo "setup: could not install Compose v2 (the compose suite runs with docker-compose v1 only)" >&2
fi

# npm ci when node_modules does not match package-lock.json.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

# The ebpf mode's programs and helper (apps/node-agent/bpf/build/), when clang and libbpf are here.
if have clang && [ -f /usr/include/bpf/libbpf.h ]; then
  bash apps/node-agent/bpf/build.sh || echo "setup: could not build the ebpf mode's programs (the node agent falls back to nftables in ebpf mode)" >&2
fi

# nftables mode's netlink helper (apps/node-agent/native/build/), when a C compiler is here.
if have cc || have gcc || have clang; then
  bash apps/node-agent/native/build.sh || echo "setup: could not build minimesh-nft-batch (the node agent's nftables mode then sends every change through nft)" >&2
fi

# The programs' bundles (apps/*/dist, tools/cluster/dist): plain-Node ES modules built from the
# TypeScript sources, which the bin files run while they match the sources (otherwise the sources
# run through tsx). About 2 s; without them everything still runs, only heavier.
node tools/bundle/build.mjs >/dev/null || echo "setup: could not bundle the programs (they run from their TypeScript sources)" >&2
