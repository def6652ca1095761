#!/usr/bin/env bash
# Runs the minimesh control plane on this machine, in the foreground: nats-server (JetStream)
# and the apiserver, with their data under .minimesh/. Ctrl-C stops everything.
# Set-up (apt and npm packages) happens first, only for what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh

state=.minimesh
mkdir -p "$state/nats" "$state/apiserver" "$state/logs"
NATS_PORT=${MINIMESH_NATS_PORT:-4222}
API=${MINIMESH_SERVER:-127.0.0.1:6443}

pids=()
cleanup() {
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "minimesh stopped"
}
trap cleanup EXIT INT TERM

nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$state/nats" >"$state/logs/nats.log" 2>&1 &
pids+=($!)

npx minimesh-apiserver --listen "$API" --data-dir "$state/apiserver" --nats-url "nats://127.0.0.1:$NATS_PORT" \
  2> >(tee -a "$state/logs/apiserver.log" >&2) &
pids+=($!)

for _ in $(seq 1 100); do
  if npx meshctl --server "$API" get ns >/dev/null 2>&1; then break; fi
  sleep 0.2
done
cat <<TXT

minimesh is running: apiserver on $API, NATS on 127.0.0.1:$NATS_PORT, data in $state/.
In another terminal:
  export MINIMESH_SERVER=$API
  npx meshctl get svc -A
Ctrl-C stops it.
TXT
wait -n "${pids[@]}"
