#!/usr/bin/env bash
# A private Docker engine, for machines where none runs (and for tests that must not touch the
# root namespace's firewall): Debian's dockerd with its own data root, exec root, socket and pid
# file, inside a network namespace of its own. Its bridge, NAT rules and published ports all live
# in that namespace; the root namespace is left as it was. Needs root and Debian's docker.io.
#
#   tools/images/engine.sh start [NAME]   starts it (no-op when running); prints `export DOCKER_HOST=...`
#   tools/images/engine.sh stop [NAME]    stops it and deletes its namespace (images stay in the data root)
#   tools/images/engine.sh env [NAME]     prints `export DOCKER_HOST=...` and `export MINIMESH_ENGINE_NETNS=...`
#   tools/images/engine.sh exec [NAME] -- CMD...   runs CMD inside the engine's namespace (its published ports)
#
# NAME defaults to `minimesh`. Data (images, volumes) is kept in .minimesh/engine/NAME/data (or
# MINIMESH_ENGINE_DATA) so base images are built once; `stop --purge` removes it too.
set -euo pipefail
cd "$(dirname "$0")/../.."

cmd=${1:-}
shift || true
name=minimesh
if [ $# -gt 0 ] && [ "$1" != "--" ] && [ "$1" != "--purge" ]; then name=$1; shift; fi
case "$name" in *[!a-z0-9-]* | "") echo "engine.sh: NAME is lower-case letters, digits and dashes" >&2; exit 2 ;; esac

netns=mm-engine-$name
data=${MINIMESH_ENGINE_DATA:-$PWD/.minimesh/engine/$name/data}
run=/run/minimesh-engine-$name
sock=$run/docker.sock

running() { [ -S "$sock" ] && DOCKER_HOST=unix://$sock docker version >/dev/null 2>&1; }
print_env() { echo "export DOCKER_HOST=unix://$sock"; echo "export MINIMESH_ENGINE_NETNS=$netns"; }

case "$cmd" in
  start)
    if running; then print_env; exit 0; fi
    command -v dockerd >/dev/null || { echo "engine.sh: needs dockerd (apt-get install docker.io)" >&2; exit 1; }
    mkdir -p "$data" "$run"
    ip netns list | grep -qw "$netns" || ip netns add "$netns"
    ip netns exec "$netns" ip link set lo up
    # dockerd forwards between its bridge and published ports inside the namespace only.
    ip netns exec "$netns" sysctl -q -w net.ipv4.ip_forward=1
    # nsenter, not `ip netns exec`: that remounts /sys, hiding the cgroup mounts dockerd needs.
    nsenter --net=/run/netns/"$netns" dockerd \
      --data-root "$data" --exec-root "$run/exec" --pidfile "$run/dockerd.pid" \
      -H "unix://$sock" --storage-driver overlay2 \
      --containerd-namespace "minimesh-$name" --containerd-plugins-namespace "minimesh-$name-plugins" \
      >"$run/dockerd.log" 2>&1 &
    for _ in $(seq 1 150); do running && break; sleep 0.2; done
    running || { tail -20 "$run/dockerd.log" >&2; echo "engine.sh: dockerd did not answer on $sock" >&2; exit 1; }
    print_env
    ;;
  stop)
    if [ -s "$run/dockerd.pid" ]; then
      pid=$(cat "$run/dockerd.pid")
      if kill -0 "$pid" 2>/dev/null; then
        DOCKER_HOST=unix://$sock docker ps -q 2>/dev/null | xargs -r env DOCKER_HOST=unix://$sock docker rm -f >/dev/null 2>&1 || true
        kill "$pid"
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
      fi
    fi
    # Mounts dockerd left behind (it cleans up on a normal exit; not after a kill -9).
    grep -o " $run/[^ ]*\| $data/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    ip netns list | grep -qw "$netns" && ip netns delete "$netns"
    rm -rf "$run"
    [ "${1:-}" = "--purge" ] && rm -rf "$data"
    true
    ;;
  env) print_env ;;
  exec)
    [ "${1:-}" = "--" ] && shift
    exec ip netns exec "$netns" "$@"
    ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
