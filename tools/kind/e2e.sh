#!/usr/bin/env bash
# minimesh on a real Kubernetes cluster (kind): creates the cluster of cluster.yaml (no kube-proxy,
# no endpoint controllers in kube-controller-manager), loads the images, deploys manifests/ (the
# node agent, the endpoints controller, cluster DNS in CoreDNS's place, the lb), runs the
# walkthrough with kubectl, and deletes the cluster.
#
#   tools/kind/e2e.sh            (KIND_KEEP=1 keeps the cluster; MINIMESH_SKIP_BUILD=1 uses built images)
#
# Needs kind, kubectl and a Docker engine whose containers can pull kind's node image (a registry):
# these are not on minimesh's development machines, where the manifests are checked by
# tools/containers (they parse, every image and flag exists, the images start with those flags).
set -euo pipefail
cd "$(dirname "$0")/../.."
NAME=minimesh
TAG=$(node -p 'require("./package.json").version')
KUBECTL="kubectl --context kind-$NAME"
for tool in kind kubectl docker; do command -v $tool >/dev/null || { echo "e2e.sh: needs $tool" >&2; exit 1; }; done

step() { echo "== $*"; }
fail() { echo "e2e.sh: FAILED: $*" >&2; $KUBECTL get pods -A -o wide >&2 || true; exit 1; }
# until SECONDS CMD...: retries CMD every second until it succeeds.
until_ok() { local t=$1; shift; for _ in $(seq 1 "$t"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done; "$@"; }

created=0
# Deletes the cluster only when this run created it (an existing one is used and left alone).
cleanup() { [ "$created" = 1 ] && [ "${KIND_KEEP:-}" != 1 ] && kind delete cluster --name "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT

[ "${MINIMESH_SKIP_BUILD:-}" = 1 ] || { step "images"; npm run images; }
step "cluster"
if ! kind get clusters 2>/dev/null | grep -qx "$NAME"; then
  created=1
  kind create cluster --config tools/kind/cluster.yaml --name "$NAME" --wait 120s
fi
for img in node-agent endpoints-controller dns lb pod; do kind load docker-image "minimesh/$img:$TAG" --name "$NAME"; done

step "deploy"
cp_ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$NAME-control-plane")
# One file at a time (each is its own YAML stream), with this build's tag and the control plane's address.
for f in tools/kind/manifests/*.yaml; do
  sed -e "s/:0\.1\.0$/:$TAG/" -e "s/KUBERNETES_SERVICE_HOST: minimesh-control-plane/KUBERNETES_SERVICE_HOST: \"$cp_ip\"/" "$f" | $KUBECTL apply -f -
done
$KUBECTL -n kube-system scale deployment coredns --replicas=0
$KUBECTL -n minimesh-system rollout status daemonset/node-agent --timeout=180s
$KUBECTL -n minimesh-system rollout status deployment/endpoints-controller --timeout=180s
$KUBECTL -n kube-system rollout status deployment/minimesh-dns --timeout=180s
$KUBECTL -n minimesh-system rollout status deployment/lb-controller --timeout=180s

step "walkthrough"
$KUBECTL apply -f apps/meshctl/testdata/002-namespace.yaml
sed "s/:0\.1\.0$/:$TAG/" tools/kind/walkthrough/echo-pods.yaml | $KUBECTL apply -f -
$KUBECTL -n study rollout status deployment/nginx-pod --timeout=180s
$KUBECTL apply -f apps/meshctl/testdata/002-service-clusterip.yaml -f apps/meshctl/testdata/002-service-nodeport.yaml -f apps/meshctl/testdata/002-service-headless.yaml
endpoints() { $KUBECTL -n study get endpoints service-clusterip -o jsonpath='{.subsets[*].addresses[*].ip}' | wc -w; }
has_three() { [ "$(endpoints)" -eq 3 ]; }
until_ok 60 has_three || fail "service-clusterip has $(endpoints) endpoints, not 3"
$KUBECTL get svc,endpoints -n study

# From a worker's node agent pod (the node's network namespace): the ClusterIP reaches every pod.
agent=$($KUBECTL -n minimesh-system get pods -l app.kubernetes.io/name=minimesh-node-agent --field-selector spec.nodeName=$NAME-worker -o name | head -1)
reach() { # reach URL: every pod answers within 60 requests
  local seen
  seen=$(for _ in $(seq 1 60); do $KUBECTL -n minimesh-system exec "$agent" -- curl -s -m 2 "$1" | head -1; done | awk '{print $3}' | sort -u | wc -l)
  [ "$seen" -eq 3 ]
}
until_ok 30 reach http://10.97.97.97/ || fail "the ClusterIP 10.97.97.97 did not reach all three pods"
echo "ClusterIP 10.97.97.97 reaches all three pods"
worker2=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$NAME-worker2")
until_ok 30 reach "http://$worker2:30002/" || fail "NodePort 30002 on $NAME-worker2 did not reach all three pods"
echo "NodePort $worker2:30002 reaches all three pods"

# Cluster DNS (minimesh-dns behind kube-dns 10.96.0.10, reached through the node agent's rules).
a=$($KUBECTL -n minimesh-system exec "$agent" -- dig +short @10.96.0.10 service-clusterip.study.svc.cluster.local)
[ "$a" = 10.97.97.97 ] || fail "DNS answered \"$a\" for service-clusterip.study.svc.cluster.local"
headless=$($KUBECTL -n minimesh-system exec "$agent" -- dig +short @10.96.0.10 service-headliness.study.svc.cluster.local | wc -l)
[ "$headless" -eq 3 ] || fail "DNS answered $headless addresses for the headless Service, not 3"
echo "cluster DNS answers (ClusterIP and headless)"
step "passed"
