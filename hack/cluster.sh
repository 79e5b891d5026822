#!/usr/bin/env bash
# Local control plane for tests and the demo: the real etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler, built from the pinned upstream Go modules, plus kwok
# for fake nodes (pods are scheduled onto them and reported Running and Ready; no containers run),
# and, where it can run, a real node (hack/node.sh: containerd, kubelet, kube-proxy, CoreDNS,
# metrics-server) on which pods really run; the kwok nodes are then tainted, so pods land on it.
# State, pid files and logs live in .testenv/.
#
#   hack/cluster.sh up                  build what is missing, start, wait until ready (idempotent)
#   hack/cluster.sh down                stop the processes `up` started (by pid), remove the state and
#                                       undo what the real node changed on the host
#   hack/cluster.sh check-clean         after down: fail if the real node left anything on the host
#   hack/cluster.sh load-image <tar>    load a docker-archive into the real node's containerd
#   hack/cluster.sh restart-apiserver [--kill]
#                                       stop (SIGTERM, or SIGKILL: a crash) and start only
#                                       kube-apiserver, wait until ready
#   hack/cluster.sh status              show which components run
#   hack/cluster.sh env                 print the export lines for this shell
#
# Ports (override by environment at `up`; later commands reuse what `up` chose):
#   APISERVER_PORT=16443 ETCD_CLIENT_PORT=12379 ETCD_PEER_PORT=12380
#   KCM_PORT=16257 SCHEDULER_PORT=16259 KWOK_PORT=16247
# Other knobs: KWOK_NODES=2, CLUSTER_TIMEOUT=120 (seconds to wait for readiness),
#   SHARED=../shared (for crds/prometheus-operator/), KUBECTL (kubectl binary to use),
#   REAL_NODE=auto|yes|no: with auto (the default) the real node starts when this machine can run it
#   (Linux, root, cgroups, overlayfs) and `up` says why not otherwise; yes fails instead; no keeps
#   the kwok nodes alone. hack/node.sh lists the real node's own settings (NODE_IP, ports).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=hack/lib.sh
source "$ROOT/hack/lib.sh"

TESTENV="${TESTENV:-$ROOT/.testenv}"
PKI="$TESTENV/pki"
PIDS="$TESTENV/pids"
LOGS="$TESTENV/logs"
KUBECONFIG_FILE="$TESTENV/kubeconfig"
PORTS_FILE="$TESTENV/ports.env"
SHARED="${SHARED:-$ROOT/../shared}"
CLUSTER_TIMEOUT="${CLUSTER_TIMEOUT:-120}"
KWOK_NODES="${KWOK_NODES:-2}"
# Order of start; stopped in reverse. load_ports adds the real node's (NODE_COMPONENTS) in that mode.
CONTROL_PLANE=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
COMPONENTS=("${CONTROL_PLANE[@]}")
SERVICE_CIDR="10.96.0.0/16"
SERVICE_IP="10.96.0.1"
# shellcheck source=hack/node.sh
source "$ROOT/hack/node.sh"

load_ports() {
  if [[ -f "$PORTS_FILE" ]]; then
    # shellcheck source=/dev/null
    source "$PORTS_FILE"
  fi
  APISERVER_PORT="${APISERVER_PORT:-16443}"
  ETCD_CLIENT_PORT="${ETCD_CLIENT_PORT:-12379}"
  ETCD_PEER_PORT="${ETCD_PEER_PORT:-12380}"
  KCM_PORT="${KCM_PORT:-16257}"
  SCHEDULER_PORT="${SCHEDULER_PORT:-16259}"
  KWOK_PORT="${KWOK_PORT:-16247}"
  CLUSTER_MODE="${CLUSTER_MODE:-kwok}"
  COMPONENTS=("${CONTROL_PLANE[@]}")
  if [[ "$CLUSTER_MODE" == real-node ]]; then
    COMPONENTS+=("${NODE_COMPONENTS[@]}")
    # Pods reach the apiserver through the `kubernetes` Service, whose endpoint is the advertised
    # address: the node's own, on its bridge, where the apiserver listens (and nowhere else).
    API_HOST="$NODE_IP"
    ADVERTISE_ADDRESS="$NODE_IP"
  else
    # The apiserver must advertise a non-loopback address (it publishes it in the `kubernetes`
    # Endpoints, which reject loopback). With kwok alone nothing dials it: clients use 127.0.0.1.
    # TEST-NET-1 (RFC 5737).
    API_HOST=127.0.0.1
    ADVERTISE_ADDRESS="${ADVERTISE_ADDRESS:-192.0.2.1}"
  fi
}

kctl() { "$KUBECTL_BIN" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# ---------------------------------------------------------------- processes

pid_of() {
  # Prints the pid of a component we started, if that process still runs that binary.
  local name="$1" pid
  [[ -f "$PIDS/$name.pid" ]] || return 1
  pid="$(<"$PIDS/$name.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid: the process must run the binary we started.
  local exe
  exe="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1)" || return 1
  [[ "$(basename "$exe")" == "$name" ]] || return 1
  echo "$pid"
}

start_proc() {
  # start_proc <name> <binary> <args...>: runs detached in its own session, so it outlives make
  # and a Ctrl-C in the terminal; the pid file gets the pid of the binary itself.
  local name="$1" bin="$2"
  shift 2
  mkdir -p "$PIDS" "$LOGS"
  rm -f "$PIDS/$name.pid"
  {
    printf '### %s started %s\n### %s' "$name" "$(date -Is)" "$bin"
    printf ' %q' "$@"
    printf '\n'
  } >>"$LOGS/$name.log"
  # shellcheck disable=SC2016 # $0/$@ belong to the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDS/$name.pid" "$bin" "$@" \
    >>"$LOGS/$name.log" 2>&1 </dev/null &
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s "$PIDS/$name.pid" ]] && return 0
    sleep 0.05
  done
  die "$name did not start; see $LOGS/$name.log"
}

alive() {
  # A process that exited but was not reaped yet (a zombie) counts as gone, but only once all its
  # threads are gone: a killed Go binary's leader thread turns zombie while the others still tear
  # down and hold its listening sockets.
  local state tasks
  state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$state" ]] || return 1
  [[ "$state" != Z ]] && return 0
  tasks=("/proc/$1/task/"*)
  ((${#tasks[@]} > 1))
}

stop_procs() {
  # stop_procs [--kill] <name>...: SIGTERM (or SIGKILL with --kill) to each running component,
  # then wait; what still runs after STOP_TIMEOUT seconds (default 10) gets SIGKILL.
  # kube-apiserver drains open watches for up to its --request-timeout (60 s) after SIGTERM.
  local sig=TERM name pid i deadline
  if [[ "${1:-}" == --kill ]]; then
    sig=KILL
    shift
  fi
  local -a names=() pids=()
  for name in "$@"; do
    if pid="$(pid_of "$name")"; then
      kill -"$sig" "$pid" 2>/dev/null || true
      if [[ $sig == KILL ]]; then log "sent SIGKILL to $name (pid $pid)"; fi
      names+=("$name")
      pids+=("$pid")
    fi
    rm -f "$PIDS/$name.pid"
  done
  for i in "${!pids[@]}"; do
    deadline=$((SECONDS + ${STOP_TIMEOUT:-10}))
    while alive "${pids[$i]}" && ((SECONDS < deadline)); do sleep 0.1; done
    if alive "${pids[$i]}"; then
      log "${names[$i]} (pid ${pids[$i]}) still running ${STOP_TIMEOUT:-10} s after SIGTERM; sending SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
      deadline=$((SECONDS + 10))
      while alive "${pids[$i]}" && ((SECONDS < deadline)); do sleep 0.1; done
    fi
    log "stopped ${names[$i]} (pid ${pids[$i]})"
  done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_free() { ! port_in_use "$1"; }

check_ports_free() {
  local var
  for var in ETCD_CLIENT_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT SCHEDULER_PORT KWOK_PORT; do
    if port_in_use "${!var}"; then
      die "port ${!var} on 127.0.0.1 is in use by another program; choose another with $var=<port> make cluster-up"
    fi
  done
}

wait_until() {
  # wait_until <what> <timeout s> <command...>
  local what="$1" timeout="$2" deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout} s waiting for $what"
      return 1
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------- certificates

gen_leaf() {
  # gen_leaf <file stem> <subject> <extendedKeyUsage> [subjectAltName]
  local stem="$1" subj="$2" eku="$3" san="${4:-}"
  local ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$eku"
  if [[ -n "$san" ]]; then ext+=$'\n'"subjectAltName=$san"; fi
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$PKI/$stem.key" -subj "$subj" -out "$PKI/$stem.csr" 2>/dev/null
  local ca="${CA:-ca}"
  openssl x509 -req -in "$PKI/$stem.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial \
    -days 365 -extfile <(printf '%s\n' "$ext") -out "$PKI/$stem.crt" 2>/dev/null
  rm -f "$PKI/$stem.csr"
}

gen_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$PKI/ca.key" -out "$PKI/ca.crt" -days 3650 -subj "/CN=sentiment-operator-local-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  gen_leaf apiserver "/CN=kube-apiserver" serverAuth \
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$SERVICE_IP,IP:$ADVERTISE_ADDRESS"
  gen_leaf admin "/O=system:masters/CN=kubernetes-admin" clientAuth
  gen_leaf kube-controller-manager "/CN=system:kube-controller-manager" clientAuth
  gen_leaf kube-scheduler "/CN=system:kube-scheduler" clientAuth
  # kwok plays every kubelet (node status, leases, pod status, pod deletion).
  gen_leaf kwok "/O=system:masters/CN=kwok-controller" clientAuth
  # Front proxy (aggregation layer): its own CA, and the client cert kube-apiserver presents to
  # aggregated API servers. Components with delegated authentication read this CA from the
  # kube-system/extension-apiserver-authentication ConfigMap.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$PKI/front-proxy-ca.key" -out "$PKI/front-proxy-ca.crt" -days 3650 -subj "/CN=front-proxy-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  CA=front-proxy-ca gen_leaf front-proxy-client "/CN=front-proxy-client" clientAuth
  # Service-account token signing key (kube-apiserver signs, kube-controller-manager too).
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
}

write_kubeconfig() {
  # write_kubeconfig <file> <cert stem>
  local file="$1" stem="$2"
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: sentiment-local
    cluster:
      server: https://$API_HOST:$APISERVER_PORT
      certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
  - name: $stem
    user:
      client-certificate-data: $(base64 -w0 <"$PKI/$stem.crt")
      client-key-data: $(base64 -w0 <"$PKI/$stem.key")
contexts:
  - name: sentiment-local
    context:
      cluster: sentiment-local
      user: $stem
current-context: sentiment-local
EOF
  chmod 600 "$file"
}

# ---------------------------------------------------------------- components

start_etcd() {
  start_proc etcd "$(component_bin etcd)" \
    --name=local \
    --data-dir="$TESTENV/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --advertise-client-urls="http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="local=http://127.0.0.1:$ETCD_PEER_PORT" \
    --auto-compaction-retention=1 \
    --unsafe-no-fsync \
    --quota-backend-bytes=$((2 * 1024 * 1024 * 1024)) \
    --log-level=warn
}

start_apiserver() {
  local -a node_flags=()
  # shellcheck disable=SC2054 # the commas belong to the flag values
  if [[ "$CLUSTER_MODE" == real-node ]]; then
    # logs, exec and port-forward dial the kubelet by its InternalIP (no DNS name for the node) with
    # a client certificate; the aggregator dials metrics-server's endpoint directly.
    node_flags=(--kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt"
      --kubelet-client-key="$PKI/apiserver-kubelet-client.key"
      --kubelet-certificate-authority="$PKI/ca.crt"
      --kubelet-preferred-address-types=InternalIP,Hostname
      --enable-aggregator-routing=true)
  fi
  start_proc kube-apiserver "$(component_bin kube-apiserver)" \
    --bind-address="$API_HOST" \
    --secure-port="$APISERVER_PORT" \
    --advertise-address="$ADVERTISE_ADDRESS" \
    --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" \
    --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
    --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --allow-privileged=true \
    --profiling=false \
    "${node_flags[@]}" \
    --v=1
}

start_controller_manager() {
  local kc="$TESTENV/kube-controller-manager.kubeconfig"
  # --controllers='*' runs every controller that is on by default, among them deployment,
  # replicaset, garbage-collector, horizontal-pod-autoscaler, endpoints, endpointslice,
  # namespace, serviceaccount and serviceaccount-token. Client limits of 200/400 instead of the
  # default 20/30 requests per second: at 20/s, creating the Deployments, ReplicaSets and pods of the
  # operator benchmark's 500 models (docs/benchmarks.md) would be throttled here, not in the operator.
  start_proc kube-controller-manager "$(component_bin kube-controller-manager)" \
    --kubeconfig="$kc" \
    --authentication-kubeconfig="$kc" \
    --authorization-kubeconfig="$kc" \
    --bind-address=127.0.0.1 \
    --secure-port="$KCM_PORT" \
    --controllers='*' \
    --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" \
    --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" \
    --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --leader-elect=false \
    --kube-api-qps=200 \
    --kube-api-burst=400 \
    --profiling=false \
    --v=1
}

start_scheduler() {
  local kc="$TESTENV/kube-scheduler.kubeconfig"
  start_proc kube-scheduler "$(component_bin kube-scheduler)" \
    --kubeconfig="$kc" \
    --authentication-kubeconfig="$kc" \
    --authorization-kubeconfig="$kc" \
    --bind-address=127.0.0.1 \
    --secure-port="$SCHEDULER_PORT" \
    --leader-elect=false \
    --profiling=false \
    --v=1
}

start_kwok() {
  # kwok's fake-kubelet server reuses the apiserver serving cert (127.0.0.1 is in its SANs).
  mkdir -p "$TESTENV/kwok"
  # KWOK_WORKDIR keeps kwok from reading a developer's ~/.kwok/kwok.yaml.
  KWOK_WORKDIR="$TESTENV/kwok" start_proc kwok "$(component_bin kwok)" \
    --kubeconfig="$TESTENV/kwok.kubeconfig" \
    --config="$(dirname "$(component_bin kwok)")/stages.yaml" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds=40 \
    --node-ip=192.0.2.2 \
    --server-address="127.0.0.1:$KWOK_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" \
    --tls-private-key-file="$PKI/apiserver.key"
}

kwok_taints() {
  # With a real node, pods belong there: the kwok nodes take only pods that tolerate this taint.
  if [[ "$CLUSTER_MODE" == real-node ]]; then
    echo '[{ key: kwok.x-k8s.io/node, value: fake, effect: NoSchedule }]'
  else
    echo '[]'
  fi
}

apply_nodes() {
  local i
  for ((i = 0; i < KWOK_NODES; i++)); do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
spec:
  taints: $(kwok_taints)
status:
  allocatable:
    cpu: "16"
    memory: 64Gi
    pods: "110"
  capacity:
    cpu: "16"
    memory: 64Gi
    pods: "110"
EOF
  done | kctl apply -f - >/dev/null
}

# ---------------------------------------------------------------- readiness

apiserver_ready() { [[ "$(kctl get --raw=/readyz 2>/dev/null)" == ok ]]; }

choose_mode() {
  # Sets CLUSTER_MODE from REAL_NODE (auto|yes|no) and says which cluster this is.
  local why
  case "${REAL_NODE:-auto}" in
    no | false | 0)
      CLUSTER_MODE=kwok
      log "kwok nodes only (REAL_NODE=${REAL_NODE}): pods are scheduled but no container runs"
      ;;
    yes | true | 1)
      why="$(node_why_not)"
      [[ -z "$why" ]] || die "REAL_NODE=$REAL_NODE, but the real node cannot run here: $why"
      CLUSTER_MODE=real-node
      ;;
    auto)
      why="$(node_why_not)"
      if [[ -z "$why" ]]; then
        CLUSTER_MODE=real-node
      else
        CLUSTER_MODE=kwok
        log "kwok nodes only: the real node cannot run here ($why); pods are scheduled but no container runs"
      fi
      ;;
    *) die "REAL_NODE must be auto, yes or no, not '$REAL_NODE'" ;;
  esac
  if [[ "$CLUSTER_MODE" == real-node ]]; then
    log "with a real node ($NODE_NAME, $NODE_IP): pods run in containerd; REAL_NODE=no for kwok nodes alone"
  fi
}

healthz_ok() {
  # The secure ports of kube-controller-manager and kube-scheduler allow /healthz anonymously.
  if command -v curl >/dev/null 2>&1; then
    [[ "$(curl -ksS --max-time 2 "https://127.0.0.1:$1/healthz" 2>/dev/null)" == ok ]]
  else
    port_in_use "$1"
  fi
}

running_count() {
  local n=0 c
  for c in "${COMPONENTS[@]}"; do
    if pid_of "$c" >/dev/null; then n=$((n + 1)); fi
  done
  echo "$n"
}

cluster_healthy() {
  [[ "$(running_count)" == "${#COMPONENTS[@]}" ]] && [[ -f "$KUBECONFIG_FILE" ]] && apiserver_ready
}

wait_ready() {
  local t="$CLUSTER_TIMEOUT"
  wait_until "kube-apiserver /readyz" "$t" apiserver_ready || return 1
  wait_until "kube-controller-manager /healthz" "$t" healthz_ok "$KCM_PORT" || return 1
  wait_until "kube-scheduler /healthz" "$t" healthz_ok "$SCHEDULER_PORT" || return 1
}

fail_up() {
  log "the local cluster did not come up: $*"
  local c
  for c in "${COMPONENTS[@]}"; do
    if [[ -s "$LOGS/$c.log" ]]; then
      log "last lines of $LOGS/$c.log:"
      tail -n 15 "$LOGS/$c.log" >&2
    fi
  done
  down
  exit 1
}

print_env() {
  echo "export KUBECONFIG=$KUBECONFIG_FILE"
  if [[ -x "$TESTENV/bin/kubectl" ]] && ! command -v kubectl >/dev/null 2>&1; then
    echo "export PATH=$TESTENV/bin:\$PATH"
  fi
}

# ---------------------------------------------------------------- commands

up() {
  local start=$SECONDS
  load_ports
  if [[ -d "$TESTENV" ]] && [[ -n "$(ls -A "$PIDS" 2>/dev/null)" ]]; then
    KUBECTL_BIN="$(resolve_kubectl)"
    if cluster_healthy; then
      log "local cluster already running (kube-apiserver https://127.0.0.1:$APISERVER_PORT)"
      print_env
      return 0
    fi
    log "found a stopped or partial cluster in $TESTENV; cleaning it up first"
    down
    load_ports
  fi
  command -v openssl >/dev/null 2>&1 || die "openssl is missing; run make system-deps"
  [[ -d "$SHARED/crds/prometheus-operator" ]] ||
    die "$SHARED/crds/prometheus-operator not found; set SHARED=<path to the shared folder>"

  choose_mode
  load_ports
  local images_pid=""
  if [[ "$CLUSTER_MODE" == real-node ]]; then
    node_install_packages || die "could not install the real node's packages"
    # The images (debootstrap, npm ci: mostly network and disk) build while Go compiles.
    NODE_VERSION="${NODE_VERSION:-24.19.0}" "$ROOT/hack/images.sh" &
    images_pid=$!
  fi
  "$ROOT/hack/build-k8s.sh"
  if [[ "$CLUSTER_MODE" == real-node ]]; then
    "$ROOT/hack/build-node.sh"
    wait "$images_pid" || die "building the images failed (hack/images.sh)"
  fi
  KUBECTL_BIN="$(resolve_kubectl)"
  [[ -x "$KUBECTL_BIN" ]] || die "kubectl not found at $KUBECTL_BIN"

  check_ports_free
  mkdir -p "$TESTENV" "$PIDS" "$LOGS" "$TESTENV/bin"
  if [[ "$CLUSTER_MODE" == real-node ]]; then
    node_record_host
    node_bridge_up
    log "starting containerd $CONTAINERD_VERSION and loading the images (beside the control plane's start)"
    node_start_containerd || fail_up "containerd did not start"
  fi
  local c
  for c in "${COMPONENTS[@]}"; do : >"$LOGS/$c.log"; done
  cat >"$PORTS_FILE" <<EOF
CLUSTER_MODE=$CLUSTER_MODE
NODE_NAME=$NODE_NAME
NODE_IP=$NODE_IP
APISERVER_PORT=$APISERVER_PORT
ETCD_CLIENT_PORT=$ETCD_CLIENT_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
KCM_PORT=$KCM_PORT
SCHEDULER_PORT=$SCHEDULER_PORT
KWOK_PORT=$KWOK_PORT
EOF
  ln -sfn "$KUBECTL_BIN" "$TESTENV/bin/kubectl"
  gen_pki
  write_kubeconfig "$KUBECONFIG_FILE" admin
  write_kubeconfig "$TESTENV/kube-controller-manager.kubeconfig" kube-controller-manager
  write_kubeconfig "$TESTENV/kube-scheduler.kubeconfig" kube-scheduler
  write_kubeconfig "$TESTENV/kwok.kubeconfig" kwok
  if [[ "$CLUSTER_MODE" == real-node ]]; then node_pki; fi

  log "starting etcd $ETCD_VERSION on 127.0.0.1:$ETCD_CLIENT_PORT"
  start_etcd
  wait_until "etcd on port $ETCD_CLIENT_PORT" "$CLUSTER_TIMEOUT" port_in_use "$ETCD_CLIENT_PORT" ||
    fail_up "etcd did not listen"
  log "starting kube-apiserver $KUBE_VERSION on https://127.0.0.1:$APISERVER_PORT"
  start_apiserver
  wait_until "kube-apiserver /readyz" "$CLUSTER_TIMEOUT" apiserver_ready || fail_up "kube-apiserver not ready"
  log "starting kube-controller-manager, kube-scheduler and kwok $KWOK_VERSION"
  start_controller_manager
  start_scheduler
  start_kwok

  log "installing the Prometheus Operator CRDs from $SHARED/crds/prometheus-operator"
  kctl apply --server-side --force-conflicts -f "$SHARED/crds/prometheus-operator/" >/dev/null ||
    fail_up "could not apply the Prometheus Operator CRDs"
  log "registering $KWOK_NODES kwok nodes"
  apply_nodes || fail_up "could not create the kwok nodes"

  wait_ready || fail_up "components not healthy"
  kctl wait --for=condition=Established crd --all --timeout="${CLUSTER_TIMEOUT}s" >/dev/null ||
    fail_up "CRDs not established"
  kctl wait --for=condition=Ready node --all --timeout="${CLUSTER_TIMEOUT}s" >/dev/null ||
    fail_up "kwok nodes not Ready"
  wait_until "the default service account" "$CLUSTER_TIMEOUT" kctl get serviceaccount default -n default ||
    fail_up "no default service account (kube-controller-manager)"
  if [[ "$CLUSTER_MODE" == real-node ]]; then
    node_up || fail_up "the real node did not become ready"
  fi

  log "local cluster ready in $((SECONDS - start)) s; logs in $LOGS"
  print_env
}

down() {
  load_ports
  KUBECTL_BIN="${KUBECTL_BIN:-$(resolve_kubectl)}"
  # Clients first (together); the real node next, while the apiserver can still tell its kubelet to
  # stop the pods; then kube-apiserver, then etcd.
  stop_procs kwok kube-scheduler kube-controller-manager
  node_down
  stop_procs kube-apiserver
  stop_procs etcd
  if [[ -d "$TESTENV" ]]; then
    # Keep the logs of the last run for post-mortems; `up` truncates them.
    find "$TESTENV" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
    log "local cluster stopped; state removed (logs kept in $LOGS)"
  fi
}

restart_apiserver() {
  # --kill: SIGKILL, a crash; default: SIGTERM, a graceful stop (SIGKILL after STOP_TIMEOUT s).
  local kill=()
  if [[ "${1:-}" == --kill ]]; then kill=(--kill); fi
  load_ports
  KUBECTL_BIN="$(resolve_kubectl)"
  [[ -f "$KUBECONFIG_FILE" ]] || die "no local cluster; run make cluster-up"
  pid_of etcd >/dev/null || die "etcd is not running; run make cluster-down cluster-up"
  stop_procs "${kill[@]}" kube-apiserver
  # alive() already waits for every thread; this guard turns a port still taken into a clear error
  wait_until "port $APISERVER_PORT to be released" 20 port_free "$APISERVER_PORT" ||
    die "port $APISERVER_PORT is still in use after kube-apiserver stopped"
  start_apiserver
  wait_until "kube-apiserver /readyz" "$CLUSTER_TIMEOUT" apiserver_ready ||
    die "kube-apiserver did not become ready again; see $LOGS/kube-apiserver.log"
  log "kube-apiserver restarted (pid $(pid_of kube-apiserver))"
}

check_clean() {
  # After down: everything the real node changed on the host is as `up` found it.
  load_ports
  local before="$LOGS/host-before-node.txt"
  if [[ ! -f "$before" ]]; then
    log "no real node ran (no $before); nothing to check"
    return 0
  fi
  if pid_of kube-apiserver >/dev/null || [[ -d "$NODE_DIR" ]]; then die "the cluster still runs; run down first"; fi
  local diff
  if diff="$(diff <(grep -v '^sysctl ' "$before"; grep '^sysctl ' "$before") \
    <(node_host_state | grep -v '^sysctl '; node_host_state | grep '^sysctl '))"; then
    log "host clean: no process, mount, iptables chain, cgroup, bridge, sysctl change or directory left"
  else
    log "the real node left this behind (< before up, > now):"
    echo "$diff" >&2
    return 1
  fi
}

status() {
  load_ports
  local c pid rc=0
  for c in "${COMPONENTS[@]}"; do
    if pid="$(pid_of "$c")"; then
      printf '%-24s running (pid %s)\n' "$c" "$pid"
    else
      printf '%-24s not running\n' "$c"
      rc=1
    fi
  done
  return "$rc"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  restart-apiserver) restart_apiserver "${2:-}" ;;
  status) status ;;
  check-clean) check_clean ;;
  load-image)
    load_ports
    node_load_image "${2:?usage: $0 load-image <docker-archive.tar>}"
    ;;
  env)
    load_ports
    print_env
    ;;
  *)
    echo "usage: $0 up|down|restart-apiserver [--kill]|status|check-clean|load-image <tar>|env" >&2
    exit 2
    ;;
esac
