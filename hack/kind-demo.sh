#!/usr/bin/env bash
# The last step of `make kind-demo`, once the operator, kube-prometheus-stack and prometheus-adapter run
# on the Kind cluster and samples/autoscaling-requests.yaml is applied:
#   1. waits until the operator runs and the SentimentModel MODEL (default imdb-rps) is Ready;
#   2. starts a load generator pod (hack/kind-load.mjs in the model-server image) that sends LOAD_RPS
#      requests per second to the model's Service for DEMO_SECONDS;
#   3. prints the HorizontalPodAutoscaler every 15 s, as `kubectl get hpa -w` would: with the sample's
#      target of 50 requests/s per pod it scales from 1 replica towards 10;
#   4. deletes the load pod (also on Ctrl-C) and says where to look next.
# Environment: KUBECONFIG (the Kind cluster's), KUBECTL (default kubectl), SERVER_IMAGE, NAMESPACE
# (default), LOAD_RPS (450), DEMO_SECONDS (300).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL="${1:-imdb-rps}"
KUBECTL="${KUBECTL:-kubectl}"
SERVER_IMAGE="${SERVER_IMAGE:-ghcr.io/sentimentops/sentiment-model-server:0.1.0}"
NAMESPACE="${NAMESPACE:-default}"
LOAD_RPS="${LOAD_RPS:-450}"
DEMO_SECONDS="${DEMO_SECONDS:-300}"
LOAD_POD=sentiment-load
KUBECONFIG_SHOWN="${KUBECONFIG:-$HOME/.kube/config}"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
k() { "$KUBECTL" -n "$NAMESPACE" "$@"; }

log "waiting for the operator (deployment sentiment-operator in sentiment-operator-system)"
"$KUBECTL" -n sentiment-operator-system rollout status deployment/sentiment-operator --timeout=300s
log "waiting for SentimentModel $NAMESPACE/$MODEL to be Ready"
k wait "sentimentmodel/$MODEL" --for=condition=Ready --timeout=300s
k get sentimentmodel "$MODEL"

port="$(k get service "$MODEL" -o jsonpath='{.spec.ports[0].port}')"
url="http://$MODEL.$NAMESPACE.svc:$port/predict"
stop_load() { k delete pod "$LOAD_POD" --ignore-not-found --wait=false >/dev/null 2>&1 || true; }
trap stop_load EXIT
k delete pod "$LOAD_POD" --ignore-not-found --wait=true >/dev/null
log "starting pod $LOAD_POD: $LOAD_RPS requests/s to $url for ${DEMO_SECONDS}s"
k run "$LOAD_POD" --image="$SERVER_IMAGE" --image-pull-policy=IfNotPresent --restart=Never \
  --labels=app.kubernetes.io/name=sentiment-load \
  --env="TARGET_URL=$url" --env="RPS=$LOAD_RPS" --env="DURATION_SECONDS=$DEMO_SECONDS" \
  --command -- node --input-type=module -e "$(cat "$ROOT/hack/kind-load.mjs")"

log "the HPA reads sentiment_requests_per_second through prometheus-adapter: it shows <unknown> until"
log "Prometheus has scraped the new traffic twice (about a minute); target 50 per pod, 1 to 10 replicas"
end=$((SECONDS + DEMO_SECONDS))
header=1
while ((SECONDS < end)); do
  if ((header)); then
    k get hpa "$MODEL"
    header=0
  else
    k get hpa "$MODEL" --no-headers
  fi
  sleep 15
done

log "load finished; the HPA scales back down after the sample's 120 s stabilization window"
k logs "$LOAD_POD" --tail=3 || true
k get sentimentmodel "$MODEL"
cat <<EOF

Where to look next:
  export KUBECONFIG=$KUBECONFIG_SHOWN
  kubectl get sentimentmodels,hpa,pods -n $NAMESPACE
  kubectl -n monitoring port-forward svc/kube-prometheus-stack-grafana 3000:80     # http://localhost:3000 admin / prom-operator, dashboard "Sentiment model"
  kubectl -n monitoring port-forward svc/prometheus-operated 9090                   # http://localhost:9090
  make kind-down                                                                    # delete the cluster
EOF
