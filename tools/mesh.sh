#!/usr/bin/env bash
# Runs the mesh on this machine, in the foreground; Ctrl-C stops it and removes what it made.
#
#  - As root on Linux: a local cluster out of network namespaces (tools/cluster): 2 nodes, the
#    control plane (NATS, apiserver, endpoints-controller) and a node agent in every node, plus the
#    three walkthrough pods (app=nginx-pod in namespace study) so Services have something to reach.
#  - Otherwise: the control plane alone on loopback (NATS, apiserver, endpoints-controller).
#
# MINIMESH_NODES (2) and MINIMESH_PROXY_MODE (the agent's default, iptables; or nftables, ipvs,
# userspace, ebpf) choose the cluster. Set-up (Debian and npm packages, the ebpf programs) happens
# first, only for what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh

if [ "$(id -u)" -eq 0 ] && ip netns list >/dev/null 2>&1; then
  NAME=${MINIMESH_CLUSTER:-minimesh}
  cleanup() {
    trap - EXIT INT TERM
    echo
    npx minimesh-cluster down --name "$NAME" || true
  }
  trap cleanup EXIT INT TERM
  npx minimesh-cluster down --name "$NAME" >/dev/null 2>&1 || true
  npx minimesh-cluster up --name "$NAME" --nodes "${MINIMESH_NODES:-2}" ${MINIMESH_PROXY_MODE:+--proxy-mode "$MINIMESH_PROXY_MODE"}
  npx minimesh-cluster pod add pod-1 --name "$NAME" --node node1 -n study --labels app=nginx-pod --port 80 >/dev/null
  npx minimesh-cluster pod add pod-2 --name "$NAME" --node node1 -n study --labels app=nginx-pod --port 80 >/dev/null
  npx minimesh-cluster pod add pod-3 --name "$NAME" --node node2 -n study --labels app=nginx-pod --port 80 >/dev/null
  npx minimesh-cluster status --name "$NAME"
  cat <<TXT

The mesh is up (cluster "$NAME"). In another terminal:
  eval \$(npx minimesh-cluster env --name $NAME)
  npx meshctl apply -f apps/meshctl/testdata/002-service-clusterip.yaml
  npx minimesh-cluster exec pod-1 -n study -- curl -s http://10.97.97.97/
  kubectl get svc,endpoints -n study          (the same env sets KUBECONFIG)
Ctrl-C here stops the mesh and removes the cluster.
TXT
  # wait (not a foreground sleep) so Ctrl-C or SIGTERM runs the cleanup at once
  while true; do sleep 3600 & wait $!; done
fi

state=.minimesh
mkdir -p "$state/nats" "$state/apiserver" "$state/logs" "$state/pki"
chmod 700 "$state/pki"
NATS_PORT=${MINIMESH_NATS_PORT:-4222}
API=${MINIMESH_SERVER:-127.0.0.1:6443}
REST=${MINIMESH_REST:-127.0.0.1:6445}

# Identities: a bearer token for the admin and one for the endpoints controller (kube-apiserver's
# token file format); the apiserver makes its CA and serving certificate in its data directory.
for who in admin endpoints-controller; do
  [ -s "$state/pki/$who.token" ] || (umask 077 && openssl rand -hex 24 >"$state/pki/$who.token")
done
(umask 077 && printf '%s,kubernetes-admin,,"system:masters"\n%s,system:minimesh:endpoints-controller,,\n' \
  "$(cat "$state/pki/admin.token")" "$(cat "$state/pki/endpoints-controller.token")" >"$state/pki/tokens.csv")
CA="$state/apiserver/pki/ca.crt"

pids=()
cleanup() {
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "minimesh stopped"
}
trap cleanup EXIT INT TERM

# NATS on loopback only, without users here: the apiserver publishes to it, and nothing reads
# from it (the endpoints controller follows the apiserver's gRPC watch, which checks its token).
nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$state/nats" >"$state/logs/nats.log" 2>&1 &
pids+=($!)

npx minimesh-apiserver --listen "$API" --rest-listen "$REST" --data-dir "$state/apiserver" --nats-url "nats://127.0.0.1:$NATS_PORT" \
  --token-auth-file "$state/pki/tokens.csv" 2> >(tee -a "$state/logs/apiserver.log" >&2) &
pids+=($!)

for _ in $(seq 1 100); do
  if [ -s "$CA" ] && npx meshctl --server "$API" --certificate-authority "$CA" --token-file "$state/pki/admin.token" get ns >/dev/null 2>&1; then break; fi
  sleep 0.2
done

npx minimesh-endpoints-controller --server "$API" --certificate-authority "$CA" --token-file "$state/pki/endpoints-controller.token" \
  --http-listen 127.0.0.1:0 2> >(tee -a "$state/logs/endpoints-controller.log" >&2) &
pids+=($!)

# A kubeconfig for kubectl: the REST API, the CA, the admin's token.
(umask 077 && cat >"$state/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: minimesh
  cluster:
    server: https://$REST
    certificate-authority: $PWD/$CA
users:
- name: minimesh-admin
  user:
    token: $(cat "$state/pki/admin.token")
contexts:
- name: minimesh
  context:
    cluster: minimesh
    user: minimesh-admin
current-context: minimesh
KC
)

cat <<TXT

minimesh's control plane is running (not root, so no local cluster): apiserver on $API (gRPC, TLS)
and https://$REST (Kubernetes REST), NATS on 127.0.0.1:$NATS_PORT, data in $state/. In another terminal:
  export MINIMESH_SERVER=$API MINIMESH_CERTIFICATE_AUTHORITY=$PWD/$CA MINIMESH_TOKEN_FILE=$PWD/$state/pki/admin.token
  npx meshctl get svc -A
  kubectl --kubeconfig $state/kubeconfig get svc -A
Ctrl-C stops it.
TXT
wait -n "${pids[@]}"
