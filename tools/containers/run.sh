#!/usr/bin/env bash
# The container suites' test command (`npm test` runs it through Nx). The engine they use:
#   - the one at DOCKER_HOST, when it answers;
#   - else, as root with Debian's docker.io installed, a private dockerd (tools/images/engine.sh) in a
#     network namespace made for this run, stopped and removed afterwards; the suites run inside that
#     namespace (nsenter), where the containers' published ports are, so the root namespace's network
#     and firewall are never touched. Its data root (.minimesh/engine/test) keeps images between runs.
#   - else none: the suites skip, and this says why in one line.
# With an engine, the images are built first (tools/images/base.sh where no registry answers, then
# tools/images/build.sh); a failed build fails the image suite instead of skipping. Then the
# informer suites of tools/integration (built on its shared test cluster) run once
# more with their control plane, NATS and the apiserver, as containers from those images
# (MINIMESH_CONTROL_PLANE=containers, tools/integration/src/testing/control-plane.ts); their report
# is integration-in-containers.json beside the others. That second run is left out when run.sh is
# given arguments (the files or options of one vitest run).
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
export TESTCONTAINERS_RYUK_DISABLED=true
vitest() { npx vitest run --config ../../vitest.shared.ts "$@"; }
IN_CONTAINERS=(src/informer)

# The integration suites against the control plane in containers (run by `$1`: env, or nsenter into the engine's namespace).
integration_in_containers() {
  if [ "${MINIMESH_IMAGES_BUILT:-0}" != 1 ]; then
    echo "containers: the informer suites with their control plane in containers need the images, which did not build: not run" >&2
    return 1
  fi
  local report=()
  [ -z "${MINIMESH_TEST_RESULTS:-}" ] || report=("--outputFile.json=$MINIMESH_TEST_RESULTS/integration-in-containers.json")
  echo "containers: the informer suites with NATS and the apiserver as containers"
  (cd ../integration && MINIMESH_CONTROL_PLANE=containers "$@" npx vitest run --config ../../vitest.shared.ts "${report[@]}" "${IN_CONTAINERS[@]}")
}

build_images() {
  local log=$ROOT/.minimesh/images-build.log
  mkdir -p "$ROOT/.minimesh"
  if { bash ../images/base.sh --if-no-registry && bash ../images/build.sh; } >"$log" 2>&1; then
    export MINIMESH_IMAGES_BUILT=1
    grep '^build.sh:\|^base.sh:' "$log" | sed 's/^/containers: /'
  else
    export MINIMESH_IMAGES_BUILT=0
    echo "containers: building the images failed (the image suite will fail):" >&2
    tail -15 "$log" >&2
  fi
}

# What earlier runs of the compose suite left behind (a killed run, a failed `down`): containers,
# networks and volumes of projects named mmtest<pid>. A leftover network holds the compose subnet
# and fails the next `up` ("Pool overlaps with other one on this address space").
remove_leftovers() {
  local ids
  ids=$(docker ps -aq --filter name=mmtest)
  [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1
  ids=$(docker network ls -q --filter name=mmtest)
  [ -z "$ids" ] || docker network rm $ids >/dev/null 2>&1
  ids=$(docker volume ls -q --filter name=mmtest)
  [ -z "$ids" ] || docker volume rm $ids >/dev/null 2>&1
  # The integration suites' control plane in containers (labelled), and testcontainers' networks
  # nothing uses any more (a network in use is never pruned).
  ids=$(docker ps -aq --filter label=minimesh.test=control-plane)
  [ -z "$ids" ] || docker rm -f -v $ids >/dev/null 2>&1
  docker network prune -f --filter label=org.testcontainers=true >/dev/null 2>&1
  return 0
}

if [ -n "${DOCKER_HOST:-}" ] && docker version >/dev/null 2>&1; then
  echo "containers: using the Docker engine at $DOCKER_HOST"
  remove_leftovers
  build_images
  vitest "$@"
  status=$?
  [ $# -gt 0 ] || integration_in_containers env || status=1
  exit $status
fi

if [ "$(id -u)" -eq 0 ] && command -v dockerd >/dev/null && command -v nsenter >/dev/null; then
  name=test-$$
  export MINIMESH_ENGINE_DATA=$ROOT/.minimesh/engine/test/data
  # One engine at a time on that data root (a second run waits for the first).
  mkdir -p "$ROOT/.minimesh/engine"
  exec 9>"$ROOT/.minimesh/engine/test.lock"
  flock 9
  stop() { bash ../images/engine.sh stop "$name" >/dev/null 2>&1 || true; }
  trap stop EXIT INT TERM
  if env_lines=$(bash ../images/engine.sh start "$name" 2>"$ROOT/.minimesh/engine/test-start.log"); then
    eval "$env_lines"
    echo "containers: started a private Docker engine (netns $MINIMESH_ENGINE_NETNS)"
    # The suites run in the engine's namespace, where published ports are on loopback. (testcontainers
    # would take the bridge's gateway instead wherever /.dockerenv exists, as on machines that are
    # containers themselves; ports published on 127.0.0.1 are not there.)
    export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
    remove_leftovers
    build_images
    nsenter --net=/run/netns/"$MINIMESH_ENGINE_NETNS" npx vitest run --config ../../vitest.shared.ts "$@"
    status=$?
    [ $# -gt 0 ] || integration_in_containers nsenter --net=/run/netns/"$MINIMESH_ENGINE_NETNS" env || status=1
    stop
    exit $status
  fi
  echo "containers: the private Docker engine did not start: $(tail -1 "$ROOT/.minimesh/engine/test-start.log")" >&2
fi

unset DOCKER_HOST
echo "containers: no Docker engine (DOCKER_HOST does not answer, and no dockerd to start as root): container suites skipped"
vitest "$@"
