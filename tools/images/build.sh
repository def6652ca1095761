#!/usr/bin/env bash
# Builds minimesh's images, one per app:
#
#   minimesh/apiserver  minimesh/endpoints-controller  minimesh/node-agent  minimesh/dns
#   minimesh/lb         minimesh/meshctl (a tool image)  minimesh/pod (the compose mesh's kubelet part)
#   minimesh/nats       (NATS with JetStream for the compose mesh: Debian's nats-server)
#
# each tagged with the version (package.json) and the commit (`-dirty` when the tree has changes).
#
#   tools/images/build.sh [APP...]     (default: every app; `nx run-many -t image` calls it per app)
#
# Two apps are built at a time (MINIMESH_IMAGE_JOBS; 1 builds one after the other).
#
# The build context of an app is staged in .minimesh/images/APP: its sources and those of the
# workspace libraries it imports (tests and benchmarks left out), package.json and package-lock.json,
# and node_modules with production dependencies only (`npm ci --omit=dev` of that workspace, run here,
# where the npm registry answers; better-sqlite3's compiled addon is taken from this checkout, built
# for the same Node ABI), and the app's bundle (dist/, tools/bundle/build.mjs) made from those
# sources. The Dockerfiles never reach a network, so builds work offline.
#
# Base image (build argument NODE_BASE): NODE_BASE from the environment, else minimesh/node-base:*
# when tools/images/base.sh made it, else the official node:20-bookworm-slim. The node agent and the
# lb speaker also need the kernel tools (NODE_BASE_NET, minimesh/node-base:20-bookworm-net); on the
# official image their Dockerfiles install them with apt.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

ALL_APPS=(apiserver endpoints-controller node-agent dns lb meshctl pod nats)
# app → workspace folder, and whether it programs the kernel (the -net base)
dir_of() { case "$1" in pod) echo tools/cluster ;; nats) echo tools/images/nats ;; *) echo "apps/$1" ;; esac; }
needs_net() { case "$1" in node-agent | lb) return 0 ;; *) return 1 ;; esac; }

apps=("$@")
[ ${#apps[@]} -eq 0 ] && apps=("${ALL_APPS[@]}")
for app in "${apps[@]}"; do
  [ -f "$(dir_of "$app")/Dockerfile" ] || { echo "build.sh: no image for \"$app\" (apps: ${ALL_APPS[*]})" >&2; exit 2; }
done
docker version >/dev/null 2>&1 || { echo "build.sh: no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}); tools/images/engine.sh start makes a private one" >&2; exit 1; }

version=$(node -p 'require("./package.json").version')
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain 2>/dev/null)" ] && commit="$commit-dirty"
local_image() { docker image inspect "$1" >/dev/null 2>&1; }
base=${NODE_BASE:-}
[ -z "$base" ] && { local_image minimesh/node-base:20-bookworm && base=minimesh/node-base:20-bookworm || base=node:20-bookworm-slim; }
base_net=${NODE_BASE_NET:-}
[ -z "$base_net" ] && { local_image minimesh/node-base:20-bookworm-net && base_net=minimesh/node-base:20-bookworm-net || base_net=$base; }

# The workspace folders an app needs: itself and, transitively, the workspaces in its dependencies.
closure() {
  node - "$1" <<'JS'
const fs = require('fs'), path = require('path');
const dirs = {};
for (const top of ['apps', 'libs', 'tools']) for (const d of fs.readdirSync(top)) {
  const f = path.join(top, d, 'package.json');
  if (fs.existsSync(f)) dirs[JSON.parse(fs.readFileSync(f, 'utf8')).name] = path.join(top, d);
}
const want = new Set(), queue = [process.argv[2]];
while (queue.length) {
  const dir = queue.pop();
  if (want.has(dir)) continue;
  want.add(dir);
  const deps = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies ?? {};
  for (const name of Object.keys(deps)) if (dirs[name]) queue.push(dirs[name]);
}
console.log([...want].sort().join('\n'));
JS
}

stage() {
  local app=$1 dir ctx
  dir=$(dir_of "$app")
  ctx=$ROOT/.minimesh/images/$app
  rm -rf "$ctx"
  mkdir -p "$ctx"
  if [ "$app" = nats ]; then
    mkdir -p "$ctx/bin"
    if command -v nats-server >/dev/null; then cp "$(command -v nats-server)" "$ctx/bin/"; fi
    cp "$dir/Dockerfile" "$ctx/Dockerfile"
    return
  fi
  cp package.json package-lock.json tsconfig.base.json "$ctx/"
  # npm ci checks every workspace of the lock file: their package.json files, nothing else.
  for f in apps/*/package.json libs/*/package.json tools/*/package.json; do install -D -m 0644 "$f" "$ctx/$f"; done
  local folders
  folders=$(closure "$dir")
  # Sources of the closure (tracked, or new and not ignored), without tests, benchmarks and e2e suites.
  git ls-files -z --cached --others --exclude-standard $folders | grep -zv -E '\.spec\.ts$|/bench/|/e2e/|/testdata/' | xargs -0 -I{} install -D -m 0644 {} "$ctx/{}"
  # The .proto files: gRPC reflection serves them (the apiserver).
  git ls-files -z proto | grep -z '\.proto$' | xargs -0 -I{} install -D -m 0644 {} "$ctx/{}"
  chmod 0755 "$ctx"/*/*/bin/* 2>/dev/null || true
  (cd "$ctx" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error -w "$(node -p "require('./$dir/package.json').name")" >/dev/null)
  # Links npm made to workspaces outside the closure (dev-only ones) point nowhere in the image.
  find "$ctx/node_modules/@minimesh" -maxdepth 1 -xtype l -delete
  if [ -d "$ctx/node_modules/better-sqlite3" ]; then
    mkdir -p "$ctx/node_modules/better-sqlite3/build/Release"
    cp node_modules/better-sqlite3/build/Release/better_sqlite3.node "$ctx/node_modules/better-sqlite3/build/Release/"
  fi
  # The node agent's netlink helper, as set-up built it here (a Debian bookworm binary, as the bases).
  if [ -x "$dir/native/build/minimesh-nft-batch" ]; then install -D -m 0755 "$dir/native/build/minimesh-nft-batch" "$ctx/$dir/native/build/minimesh-nft-batch"; fi
  # The program's bundle (dist/, as set-up makes it here), made from the staged sources: what the
  # image runs (its sources through tsx only if they differ).
  node tools/bundle/build.mjs "$ctx/$dir" >/dev/null || { echo "build.sh: could not bundle $app" >&2; exit 1; }
  cp "$dir/Dockerfile" "$ctx/Dockerfile"
  printf '%s\n' '**/*.spec.ts' >"$ctx/.dockerignore"
}

build() {
  local app=$1 started=$SECONDS b=$base
  stage "$app"
  needs_net "$app" && b=$base_net
  # The classic builder (Docker 20.10's default; BuildKit needs buildx, which Debian does not package).
  DOCKER_BUILDKIT=0 docker build -q \
    --build-arg NODE_BASE="$b" \
    --label org.opencontainers.image.version="$version" \
    --label org.opencontainers.image.revision="$commit" \
    -t "minimesh/$app:$version" -t "minimesh/$app:$commit" \
    "$ROOT/.minimesh/images/$app" >"$ROOT/.minimesh/images/$app.log" 2>&1 ||
    { grep -v -i 'deprecated\|buildx\|docs.docker.com' "$ROOT/.minimesh/images/$app.log" | tail -20 >&2; exit 1; }
  size=$(docker image inspect -f '{{.Size}}' "minimesh/$app:$version" | awk '{printf "%d MB", $1/1e6}')
  echo "build.sh: minimesh/$app:$version ($commit) from $b in $((SECONDS - started)) s, $size"
}

# MINIMESH_IMAGE_JOBS builds at a time (default 2): one app's staging (files, npm ci) overlaps
# another's docker build.
jobs=${MINIMESH_IMAGE_JOBS:-2}
case "$jobs" in '' | *[!0-9]* | 0) echo "build.sh: MINIMESH_IMAGE_JOBS is a number of builds at a time (1 or more), not \"$jobs\"" >&2; exit 2 ;; esac
# Ctrl-C stops the builds under way too (jobs.sh).
source tools/images/jobs.sh  # (the working directory is the repository root)
stop_jobs_on_signal
running=0
failed=0
for app in "${apps[@]}"; do
  if [ $running -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  build "$app" &
  running=$((running + 1))
done
while [ $running -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
exit $failed
