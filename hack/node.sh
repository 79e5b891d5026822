# shellcheck shell=bash
# The local cluster's real node: containerd, kubelet, kube-proxy, a CNI bridge, CoreDNS and
# metrics-server, run as processes of this machine beside the control plane, so that the pods the
# operator creates really run (images from hack/images.sh). Sourced by hack/cluster.sh, which calls
# node_why_not, node_install_packages, node_record_host, node_bridge_up, node_pki, node_start_containerd,
# node_up, node_down and node_load_image; needs its PKI, kctl, start_proc,
# stop_procs and wait_until.
#
# What it changes on the host, and how `down` gives it back:
#   processes     started by pid (start_proc), stopped by pid; containers are stopped through the
#                 kubelet first, then whatever containerd still runs; leftover shims by their binary
#   bridge        $NODE_BRIDGE with the node's address $NODE_IP (no dummy interface on these kernels),
#                 and a route that keeps the Service range on it: deleted
#   iptables      chains that kube-proxy, the kubelet and the CNI plugins add (KUBE-*, CNI-*):
#                 `kube-proxy --cleanup`, then every rule and chain of those names that was not there before
#   mounts        below $NODE_DIR (kubelet, containerd, network namespaces): unmounted
#   cgroups       the kubepods hierarchy the kubelet creates in every controller: removed
#   sysctls       the kernel settings the kubelet and kube-proxy write: restored to what they were
#   directories   /var/lib/kubelet, /var/log/containers, /var/log/pods, /var/lib/cni, /run/containerd,
#                 /etc/cni, /opt/cni when `up` created them: removed
# node_host_state prints all of it; hack/cluster.sh records it before `up` and `check-clean`
# compares after `down`.

NODE_NAME="${NODE_NAME:-sentiment-node}"
NODE_BRIDGE="${NODE_BRIDGE:-sentiment0}"
NODE_POD_CIDR="${NODE_POD_CIDR:-10.244.0.0/24}"
NODE_IP="${NODE_IP:-10.244.0.1}"
# The kubelet's serving port on $NODE_IP (the apiserver and metrics-server dial it), the local ports
# of its and kube-proxy's health checks, and metrics-server's on $NODE_IP.
KUBELET_PORT="${KUBELET_PORT:-10250}"
KUBELET_HEALTHZ_PORT="${KUBELET_HEALTHZ_PORT:-16248}"
KUBE_PROXY_METRICS_PORT="${KUBE_PROXY_METRICS_PORT:-16249}"
KUBE_PROXY_HEALTHZ_PORT="${KUBE_PROXY_HEALTHZ_PORT:-16256}"
COREDNS_HEALTH_PORT="${COREDNS_HEALTH_PORT:-16280}"
COREDNS_READY_PORT="${COREDNS_READY_PORT:-16281}"
METRICS_SERVER_PORT="${METRICS_SERVER_PORT:-16450}"
NODE_DIR="$TESTENV/node"
CNI_BIN_DIR="${CNI_BIN_DIR:-/usr/lib/cni}"
# shellcheck disable=SC2034 # used by hack/cluster.sh, which sources this file
NODE_COMPONENTS=(containerd kubelet kube-proxy coredns metrics-server)
# Host paths the kubelet or containerd write whatever their root directories say.
NODE_HOST_DIRS=(/var/lib/kubelet /var/log/containers /var/log/pods /var/lib/cni /run/containerd /etc/cni /opt/cni /var/run/netns)
# Kernel settings the kubelet (kubelet's setupKernelTunables) and kube-proxy may write.
NODE_SYSCTLS=(kernel.panic kernel.panic_on_oops vm.overcommit_memory vm.panic_on_oom kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.ip_forward net.ipv4.conf.all.route_localnet net.ipv4.conf.all.forwarding
  net.ipv6.conf.all.forwarding net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established
  net.netfilter.nf_conntrack_tcp_timeout_close_wait net.netfilter.nf_conntrack_tcp_be_liberal)
# Debian packages that provide the node's commands (command:package).
NODE_PACKAGES=(runc:runc iptables:iptables conntrack:conntrack buildah:buildah debootstrap:debootstrap
  ip:iproute2 "$CNI_BIN_DIR/bridge:containernetworking-plugins" gcc:gcc)

node_why_not() {
  # Prints why the real node cannot run here, or nothing when it can (before installing anything).
  [[ "$(uname -s)" == Linux ]] || { echo "not Linux ($(uname -s))"; return; }
  ((EUID == 0)) || { echo "not root (containerd, the kubelet and iptables need root)"; return; }
  command -v apt-get >/dev/null 2>&1 || command -v runc >/dev/null 2>&1 ||
    { echo "no apt-get to install runc, iptables and the CNI plugins"; return; }
  [[ -d /sys/fs/cgroup ]] || { echo "no cgroup file system at /sys/fs/cgroup"; return; }
  grep -qw overlay /proc/filesystems 2>/dev/null || modprobe overlay 2>/dev/null ||
    { echo "the kernel has no overlay file system (containerd's snapshotter)"; return; }
  [[ -e /proc/sys/net/ipv4/ip_forward ]] || { echo "no IPv4 forwarding control in /proc/sys"; return; }
  # One real node per machine: its bridge, address and kubelet port are the machine's.
  if ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    echo "bridge $NODE_BRIDGE exists: another local cluster's real node runs here (make cluster-down stops it)"
    return
  fi
}

node_install_packages() {
  local entry cmd pkg missing=()
  for entry in "${NODE_PACKAGES[@]}"; do
    cmd="${entry%%:*}" pkg="${entry#*:}"
    if ! command -v "$cmd" >/dev/null 2>&1 && [[ ! -x "$cmd" ]] && [[ " ${missing[*]} " != *" $pkg "* ]]; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing the real node's Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ---------------------------------------------------------------- host state (what down restores)

node_iptables_chains() {
  # "<table> <chain>" for every chain of the names the node's components create.
  local t
  for t in filter nat mangle raw; do
    iptables-save -t "$t" 2>/dev/null | awk -v t="$t" '/^:(KUBE-|CNI-)/ { print t, substr($1, 2) }'
  done
}

node_host_state() {
  # What the real node may leave behind on the host, one item a line, sorted: compared before `up`
  # and after `down` by `hack/cluster.sh check-clean`.
  {
    local d k m
    for d in "${NODE_HOST_DIRS[@]}"; do [[ -e "$d" ]] && echo "dir $d"; done
    for k in "${NODE_SYSCTLS[@]}"; do
      if [[ -r "/proc/sys/${k//.//}" ]]; then echo "sysctl $k=$(tr '\t' ' ' <"/proc/sys/${k//.//}")"; fi
    done
    node_iptables_chains | sed 's/^/iptables /'
    ip -o link show 2>/dev/null | awk -F': ' '{ print $2 }' | sed 's/@.*//' |
      grep -E "^($NODE_BRIDGE|veth)" | sed 's/^/link /' || true
    for m in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods /sys/fs/cgroup/kubepods.slice; do
      [[ -d "$m" ]] && echo "cgroup $m"
    done
    findmnt -rn -o TARGET | grep -E "^($TESTENV|/var/lib/kubelet|/run/containerd|/var/run/netns|/run/netns)" |
      sed 's/^/mount /' || true
    ps -eo pid=,args= | awk '$2 ~ /(containerd|kubelet|kube-proxy|coredns|metrics-server|containerd-shim-runc-v2|pause)$/ { print "process", $2 }'
  } | sort
}

node_record_host() {
  mkdir -p "$LOGS"
  node_host_state >"$LOGS/host-before-node.txt"
  local k
  : >"$LOGS/sysctls-before-node.txt"
  for k in "${NODE_SYSCTLS[@]}"; do
    if [[ -w "/proc/sys/${k//.//}" ]]; then echo "$k=$(<"/proc/sys/${k//.//}")" >>"$LOGS/sysctls-before-node.txt"; fi
  done
}

# ---------------------------------------------------------------- certificates and configuration

node_pki() {
  # The node's identities, signed by the cluster CA: the kubelet (Node authorizer: system:node:<name>
  # in system:nodes) and its serving certificate for $NODE_IP; the apiserver's client for the kubelet
  # API (logs, exec, port-forward: system:kubelet-api-admin); kube-proxy (system:node-proxier);
  # CoreDNS and metrics-server (their RBAC below).
  gen_leaf kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  gen_leaf kubelet-serving "/CN=$NODE_NAME" serverAuth "DNS:$NODE_NAME,IP:$NODE_IP"
  gen_leaf apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client" clientAuth
  gen_leaf kube-proxy "/CN=system:kube-proxy" clientAuth
  gen_leaf coredns "/CN=system:coredns" clientAuth
  gen_leaf metrics-server "/CN=system:metrics-server" clientAuth
  gen_leaf metrics-server-serving "/CN=metrics-server" serverAuth \
    "DNS:metrics-server.kube-system.svc,IP:$NODE_IP"
  local c
  mkdir -p "$NODE_DIR"
  for c in kubelet kube-proxy coredns metrics-server; do write_kubeconfig "$NODE_DIR/$c.kubeconfig" "$c"; done
}

node_write_config() {
  mkdir -p "$NODE_DIR"/{containerd,kubelet,cni/net.d,cni/cache,cni/ipam,pod-logs}
  cat >"$NODE_DIR/containerd/config.toml" <<EOF
# containerd for the local cluster's real node (hack/node.sh). Every path is below $NODE_DIR.
version = 3
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$NODE_DIR/containerd/containerd.sock"

[ttrpc]
  address = "$NODE_DIR/containerd/containerd.sock.ttrpc"

[plugins]
  [plugins.'io.containerd.internal.v1.opt']
    path = "$NODE_DIR/containerd/opt"
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = "overlayfs"
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = "$("$ROOT/hack/images.sh" --names | awk '$1 == "pause" { print $2 }')"
  [plugins.'io.containerd.cri.v1.runtime']
    # This machine denies CAP_SYS_RESOURCE: runc cannot give the pause container the negative
    # oom_score_adj the kubelet asks for, and every sandbox would fail to start.
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    cdi_spec_dirs = []
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = "runc"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = "$(command -v runc)"
          Root = "$NODE_DIR/containerd/runc"
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ["$CNI_BIN_DIR"]
      conf_dir = "$NODE_DIR/cni/net.d"
      max_conf_num = 1
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
EOF
  cat >"$NODE_DIR/cni/net.d/10-sentiment.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "sentiment",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$NODE_DIR/cni/ipam",
        "ranges": [[{ "subnet": "$NODE_POD_CIDR", "gateway": "$NODE_IP" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "loopback" }
  ]
}
EOF
  cat >"$NODE_DIR/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $PKI/ca.crt }
authorization:
  mode: Webhook
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
containerRuntimeEndpoint: unix://$NODE_DIR/containerd/containerd.sock
cgroupDriver: cgroupfs
clusterDomain: cluster.local
clusterDNS: [$NODE_IP]
resolvConf: /etc/resolv.conf
podCIDR: $NODE_POD_CIDR
podLogsDir: $NODE_DIR/pod-logs
failSwapOn: false
# These machines run cgroup v1, which kubelet 1.36 refuses unless told otherwise.
failCgroupV1: false
maxPods: 60
serializeImagePulls: false
# Shared machines run with little free disk at times: evict only when it is really full, and never
# collect the images hack/images.sh loaded (there is no registry to pull them again from).
evictionHard: { memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2% }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
nodeStatusReportFrequency: 10s
# Pods stop fast in tests; the default 5 minutes would keep a NotReady node's pods bound too long.
shutdownGracePeriod: 0s
EOF
  cat >"$NODE_DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: { kubeconfig: $NODE_DIR/kube-proxy.kubeconfig }
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
clusterCIDR: $NODE_POD_CIDR
healthzBindAddress: 127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$KUBE_PROXY_METRICS_PORT
# Node ports on the node's own address only, never on the machine's other interfaces.
nodePortAddresses: [$NODE_IP/32]
# Pods on the one bridge reach each other through Services without br_netfilter: masquerading all
# Service traffic sends the replies back through the host, where conntrack undoes the DNAT.
iptables: { localhostNodePorts: false, masqueradeAll: true }
# 0: leave the machine's conntrack limits and timeouts as they are.
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
EOF
  cat >"$NODE_DIR/Corefile" <<EOF
.:53 {
    bind $NODE_IP
    errors
    health 127.0.0.1:$COREDNS_HEALTH_PORT
    ready 127.0.0.1:$COREDNS_READY_PORT
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $NODE_DIR/coredns.kubeconfig sentiment-local
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 30
    loadbalance
}
EOF
}

node_rbac() {
  # The identities of node_pki: roles the apiserver bootstraps (system:node-proxier,
  # system:kubelet-api-admin) and, for CoreDNS and metrics-server, the rules of their upstream manifests.
  kctl apply --server-side -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: sentiment-local:kube-proxy }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:node-proxier }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: system:kube-proxy }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: sentiment-local:apiserver-kubelet-client }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:kubelet-api-admin }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-apiserver-kubelet-client }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: system:coredns }
rules:
  - { apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch] }
  - { apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: system:coredns }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:coredns }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: system:coredns }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: system:metrics-server }
rules:
  - { apiGroups: [""], resources: [nodes/metrics], verbs: [get] }
  - { apiGroups: [""], resources: [pods, nodes], verbs: [get, list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: system:metrics-server }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:metrics-server }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: system:metrics-server }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "metrics-server:system:auth-delegator" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:auth-delegator }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: system:metrics-server }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: metrics-server-auth-reader, namespace: kube-system }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: system:metrics-server }]
EOF
}

node_metrics_api() {
  # metrics-server runs on this machine, not in a pod: a Service without a selector and its
  # EndpointSlice point the aggregator at it; the APIService trusts the cluster CA that signed it.
  kctl apply --server-side -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata: { name: metrics-server, namespace: kube-system, labels: { k8s-app: metrics-server } }
spec:
  ports: [{ name: https, port: 443, protocol: TCP, targetPort: $METRICS_SERVER_PORT }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: metrics-server-host
  namespace: kube-system
  labels: { kubernetes.io/service-name: metrics-server, endpointslice.kubernetes.io/managed-by: sentiment-local }
addressType: IPv4
ports: [{ name: https, port: $METRICS_SERVER_PORT, protocol: TCP }]
endpoints: [{ addresses: ["$NODE_IP"], conditions: { ready: true } }]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: { name: v1beta1.metrics.k8s.io, labels: { k8s-app: metrics-server } }
spec:
  group: metrics.k8s.io
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  service: { name: metrics-server, namespace: kube-system, port: 443 }
  caBundle: $(base64 -w0 <"$PKI/ca.crt")
EOF
}

# ---------------------------------------------------------------- start

node_bridge_up() {
  if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    ip link add "$NODE_BRIDGE" type bridge
  fi
  ip addr replace "$NODE_IP/${NODE_POD_CIDR#*/}" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  # Until kube-proxy has written its rules, a packet to a ClusterIP would follow the default route
  # off this machine; this route keeps it on the bridge, where nothing answers.
  ip route replace "$SERVICE_CIDR" dev "$NODE_BRIDGE"
}

NODE_IMPORTS=()

node_start_containerd() {
  # Starts containerd and, in the background, imports the images the pods run (not the base, which
  # only builds them); node_up waits for the imports. hack/cluster.sh calls this before it starts the
  # control plane, so the two overlap.
  node_write_config
  local dir
  dir="$(dirname "$(component_bin containerd)")"
  # containerd finds the runc shim on PATH.
  PATH="$dir:$PATH" start_proc containerd "$(component_bin containerd)" \
    --config "$NODE_DIR/containerd/config.toml" --log-level warn
  wait_until "containerd" "$CLUSTER_TIMEOUT" ctr_node version || return 1
  local name
  NODE_IMPORTS=()
  for name in pause server operator; do
    if [[ -f "$ROOT/.cache/images/$name.tar" ]]; then
      node_load_image "$ROOT/.cache/images/$name.tar" &
      NODE_IMPORTS+=($!)
    fi
  done
}

ctr_node() { "$(component_bin ctr)" --address "$NODE_DIR/containerd/containerd.sock" --namespace k8s.io "$@"; }

node_load_image() {
  # node_load_image <docker-archive>: into the node's containerd, when it runs.
  [[ -S "$NODE_DIR/containerd/containerd.sock" ]] || return 0
  ctr_node images import --no-unpack=false --snapshotter overlayfs "$1" >/dev/null ||
    die "could not load $1 into the node's containerd"
  log "loaded $(basename "$1") into the node's containerd"
}

node_start_kubelet() {
  start_proc kubelet "$(component_bin kubelet)" \
    --config="$NODE_DIR/kubelet/config.yaml" \
    --kubeconfig="$NODE_DIR/kubelet.kubeconfig" \
    --root-dir="$NODE_DIR/kubelet" \
    --cert-dir="$NODE_DIR/kubelet/pki" \
    --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP" \
    --node-labels="sentimentops.dev/node=real" \
    --v=1
}

node_start_kube_proxy() {
  start_proc kube-proxy "$(component_bin kube-proxy)" --config="$NODE_DIR/kube-proxy.yaml" --v=1
}

node_start_coredns() {
  start_proc coredns "$(component_bin coredns)" -conf "$NODE_DIR/Corefile"
}

node_start_metrics_server() {
  start_proc metrics-server "$(component_bin metrics-server)" \
    --kubeconfig="$NODE_DIR/metrics-server.kubeconfig" \
    --authentication-kubeconfig="$NODE_DIR/metrics-server.kubeconfig" \
    --authorization-kubeconfig="$NODE_DIR/metrics-server.kubeconfig" \
    --bind-address="$NODE_IP" \
    --secure-port="$METRICS_SERVER_PORT" \
    --tls-cert-file="$PKI/metrics-server-serving.crt" \
    --tls-private-key-file="$PKI/metrics-server-serving.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" \
    --kubelet-preferred-address-types=InternalIP \
    --kubelet-use-node-status-port \
    --node-selector=sentimentops.dev/node=real \
    --metric-resolution=15s
}

node_up() {
  # Called by `hack/cluster.sh up` after the control plane is ready (node_pki ran before it started:
  # the apiserver needs its kubelet client certificate).
  node_rbac || return 1
  local pid
  for pid in "${NODE_IMPORTS[@]}"; do wait "$pid" || return 1; done
  log "starting kubelet $KUBE_VERSION (node $NODE_NAME, $NODE_IP), kube-proxy, CoreDNS $COREDNS_VERSION and metrics-server $METRICS_SERVER_VERSION"
  node_start_kubelet
  node_start_kube_proxy
  node_start_coredns
  node_start_metrics_server
  node_metrics_api || return 1
  node_wait "node $NODE_NAME to be Ready" node_ready || return 1
  node_wait "CoreDNS /ready" healthz_http "$COREDNS_READY_PORT" /ready || return 1
  node_wait "kube-proxy /healthz" healthz_http "$KUBE_PROXY_HEALTHZ_PORT" /healthz || return 1
  node_wait "metrics.k8s.io" kctl get --raw /apis/metrics.k8s.io/v1beta1 || return 1
}

node_ready() {
  [[ "$(kctl get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

node_wait() {
  # node_wait <what> <command...>: like wait_until, but gives up at once when one of the node's
  # processes has exited (its log says why), instead of waiting out the timeout.
  local what="$1" deadline=$((SECONDS + CLUSTER_TIMEOUT)) c
  shift
  until "$@" >/dev/null 2>&1; do
    for c in "${NODE_COMPONENTS[@]}"; do
      pid_of "$c" >/dev/null || { log "$c exited while waiting for $what; see $LOGS/$c.log"; return 1; }
    done
    ((SECONDS < deadline)) || { log "timed out after $CLUSTER_TIMEOUT s waiting for $what"; return 1; }
    sleep 0.5
  done
}

healthz_http() { curl -fsS --max-time 2 "http://127.0.0.1:$1$2" >/dev/null 2>&1; }

# ---------------------------------------------------------------- stop and restore

node_stop_pods() {
  # Let the kubelet stop every pod (network teardown included) while it still can: no controller may
  # replace them (hack/cluster.sh stops the controllers first), so delete them all at once.
  pid_of kubelet >/dev/null || return 0
  [[ -f "$KUBECONFIG_FILE" ]] && apiserver_ready || return 0
  kctl delete pods --all-namespaces --field-selector "spec.nodeName=$NODE_NAME" --grace-period=1 \
    --wait=false >/dev/null 2>&1 || true
  local deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    [[ -z "$(ctr_node tasks list -q 2>/dev/null)" ]] &&
      [[ -z "$(kctl get pods -A --field-selector "spec.nodeName=$NODE_NAME" -o name 2>/dev/null)" ]] && return 0
    sleep 0.5
  done
  log "pods on $NODE_NAME still running after 60 s; stopping them through containerd"
}

node_kill_tasks() {
  # What the kubelet did not stop: kill every task, remove every container (containerd still runs).
  [[ -S "$NODE_DIR/containerd/containerd.sock" ]] || return 0
  local id
  for id in $(ctr_node tasks list -q 2>/dev/null); do
    ctr_node tasks kill --signal SIGKILL "$id" >/dev/null 2>&1 || true
  done
  sleep 0.5
  for id in $(ctr_node tasks list -q 2>/dev/null); do ctr_node tasks delete --force "$id" >/dev/null 2>&1 || true; done
  for id in $(ctr_node containers list -q 2>/dev/null); do ctr_node containers delete "$id" >/dev/null 2>&1 || true; done
}

node_kill_shims() {
  # A shim outlives containerd by design; ours are the processes running our shim binary.
  local shim pid
  shim="$(component_bin containerd-shim-runc-v2)"
  for pid in $(pgrep -f "^$shim" 2>/dev/null || true); do
    [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$shim" ]] && kill -KILL "$pid" 2>/dev/null
  done
  return 0
}

node_iptables_cleanup() {
  # kube-proxy removes its own rules; then every remaining rule that jumps to a KUBE-/CNI- chain
  # added since `up`, and those chains, go too. Chains that were there before `up` are left alone.
  local kp
  kp="$(component_bin kube-proxy)"
  if [[ -x "$kp" ]]; then "$kp" --cleanup >/dev/null 2>&1 || true; fi
  local before="$LOGS/host-before-node.txt" t chain rule
  while read -r t chain; do
    grep -qx "iptables $t $chain" "$before" 2>/dev/null && continue
    # Rules in any chain of the table that jump to it, then the chain itself.
    iptables-save -t "$t" | awk -v c="$chain" '$1 == "-A" && / -j / { for (i = 1; i < NF; i++) if ($i == "-j" && $(i + 1) == c) { $1 = "-D"; print; next } }' |
      while read -r rule; do
        # shellcheck disable=SC2086 # a rule is a list of words
        iptables -t "$t" $rule 2>/dev/null || true
      done
    iptables -t "$t" -F "$chain" 2>/dev/null || true
  done < <(node_iptables_chains)
  while read -r t chain; do
    grep -qx "iptables $t $chain" "$before" 2>/dev/null && continue
    iptables -t "$t" -X "$chain" 2>/dev/null || true
  done < <(node_iptables_chains)
}

node_remove_cgroups() {
  # The kubelet's QoS hierarchy (kubepods, kubepods/burstable, …) in every cgroup v1 controller and
  # in the unified tree: deepest first; a cgroup with no process left is removed by rmdir.
  local top
  for top in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d "$top" ]] || continue
    grep -qx "cgroup $top" "$LOGS/host-before-node.txt" 2>/dev/null && continue
    find "$top" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

node_restore_sysctls() {
  local line key value
  [[ -f "$LOGS/sysctls-before-node.txt" ]] || return 0
  while IFS= read -r line; do
    key="${line%%=*}" value="${line#*=}"
    if [[ "$(<"/proc/sys/${key//.//}")" != "$value" ]]; then
      printf '%s' "$value" >"/proc/sys/${key//.//}" 2>/dev/null || log "could not restore $key"
    fi
  done <"$LOGS/sysctls-before-node.txt"
}

node_remove_dirs() {
  local d
  for d in "${NODE_HOST_DIRS[@]}"; do
    [[ -e "$d" ]] || continue
    grep -qx "dir $d" "$LOGS/host-before-node.txt" 2>/dev/null && continue
    unmount_below "$d"
    rm -rf --one-file-system "$d"
  done
}

node_down() {
  # Called by `hack/cluster.sh down` after the controllers stopped and before the apiserver stops.
  [[ -f "$LOGS/host-before-node.txt" ]] || [[ -d "$NODE_DIR" ]] || return 0
  node_stop_pods
  stop_procs metrics-server coredns kube-proxy kubelet
  node_kill_tasks
  stop_procs containerd
  node_kill_shims
  # Mounts below the node's folder (the kubelet's root dir, containerd's snapshots and network
  # namespaces), deepest first.
  unmount_below "$NODE_DIR"
  node_iptables_cleanup
  if ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then ip link delete "$NODE_BRIDGE"; fi
  local veth
  for veth in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{ print $2 }' | sed 's/@.*//' | grep '^veth' || true); do
    grep -qx "link $veth" "$LOGS/host-before-node.txt" 2>/dev/null || ip link delete "$veth" 2>/dev/null || true
  done
  node_remove_cgroups
  node_restore_sysctls
  node_remove_dirs
  if [[ -d "$NODE_DIR" ]]; then rm -rf --one-file-system "$NODE_DIR"; fi
}
