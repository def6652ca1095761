#!/usr/bin/env bash
# Builds minimesh's Node base images locally, for machines where no image registry answers
# (where one does, the Dockerfiles' default `node:20-bookworm-slim` is pulled instead):
#
#   minimesh/node-base:20-bookworm       Debian bookworm (debootstrap --variant=minbase from Debian's
#                                        mirror) + openssl and ca-certificates + this machine's Node
#                                        binary + a `node` user (uid/gid 1000), as in the official image
#   minimesh/node-base:20-bookworm-net   the same + iproute2, iptables, nftables, ipset, conntrack,
#                                        ipvsadm, iputils-arping, curl, dnsutils (the node agent and
#                                        the lb speaker program the kernel with them)
#
# Usage: tools/images/base.sh [--force | --if-no-registry]   (DOCKER_HOST picks the engine; MIRROR the mirror)
# Skips an image that already exists unless --force. With --if-no-registry it does nothing when the
# official node:20-bookworm-slim is there or can be pulled. Needs root (debootstrap) and a Docker engine.
set -euo pipefail
cd "$(dirname "$0")/../.."

MIRROR=${MIRROR:-http://deb.debian.org/debian}
BASE=minimesh/node-base:20-bookworm
NET=minimesh/node-base:20-bookworm-net
NET_PACKAGES=iproute2,iptables,nftables,ipset,conntrack,ipvsadm,iputils-arping,curl,dnsutils
BASE_PACKAGES=openssl,ca-certificates
force=false
[ "${1:-}" = "--force" ] && force=true
if [ "${1:-}" = "--if-no-registry" ] && docker version >/dev/null 2>&1; then
  if docker image inspect node:20-bookworm-slim >/dev/null 2>&1 || timeout 120 docker pull -q node:20-bookworm-slim >/dev/null 2>&1; then
    echo "base.sh: node:20-bookworm-slim is available; no local base images needed"
    exit 0
  fi
fi

node_bin=$(command -v node)
node_version=$("$node_bin" -p 'process.versions.node')
case "$node_version" in
  20.*) ;;
  *) echo "base.sh: the machine's Node is $node_version; the base images are Node 20 (set PATH to a Node 20)" >&2; exit 1 ;;
esac
command -v debootstrap >/dev/null || { echo "base.sh: needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
docker version >/dev/null 2>&1 || { echo "base.sh: no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset})" >&2; exit 1; }

exists() { docker image inspect "$1" >/dev/null 2>&1; }

# build TAG [extra packages]: debootstrap into a temporary root, add Node and the node user, import.
build() {
  local tag=$1 include=${2:-}
  if ! $force && exists "$tag"; then echo "base.sh: $tag exists"; return; fi
  local root
  root=$(mktemp -d /tmp/minimesh-rootfs.XXXXXX)
  trap 'rm -rf "$root"' RETURN
  local started=$SECONDS
  debootstrap --variant=minbase ${include:+--include="$include"} bookworm "$root" "$MIRROR" >"$root.log" 2>&1 ||
    { tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
  rm -f "$root.log"
  install -m 0755 "$node_bin" "$root/usr/local/bin/node"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # What the image does not need: apt's lists and caches, documentation.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
  tar -C "$root" -c . | docker import \
    --change 'ENV NODE_VERSION='"$node_version" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' \
    - "$tag" >/dev/null
  echo "base.sh: $tag built in $((SECONDS - started)) s ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%d MB", $1/1e6}'))"
}

# Both at once: each is mostly waiting for the mirror and for dpkg. Ctrl-C stops both (jobs.sh).
source tools/images/jobs.sh  # (the working directory is the repository root)
stop_jobs_on_signal
build "$BASE" "$BASE_PACKAGES" &
base_job=$!
build "$NET" "$BASE_PACKAGES,$NET_PACKAGES" &
net_job=$!
status=0
wait $base_job || status=1
wait $net_job || status=1
exit $status
