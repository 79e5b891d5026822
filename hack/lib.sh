# shellcheck shell=bash
# Shared settings of hack/build-k8s.sh and hack/cluster.sh. Source it; it sets ROOT if unset.

ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"

# Binaries, keyed by version: .cache/bin/<component>-<version>/<component>.
BIN_CACHE="${BIN_CACHE:-$ROOT/.cache/bin}"

# Versions are pinned once, in the go.mod files; read them from there.
gomod_version() {
  # gomod_version <go.mod> <module path>
  awk -v m="$2" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1"
}
KUBE_VERSION="$(gomod_version "$ROOT/hack/k8s/go.mod" k8s.io/kubernetes)"
ETCD_VERSION="$(gomod_version "$ROOT/hack/k8s/go.mod" go.etcd.io/etcd/server/v3)"
KWOK_VERSION="$(gomod_version "$ROOT/hack/kwok/go.mod" sigs.k8s.io/kwok)"
# The real node's parts (hack/node.sh), built by hack/build-node.sh.
CONTAINERD_VERSION="$(gomod_version "$ROOT/hack/containerd/go.mod" github.com/containerd/containerd/v2)"
COREDNS_VERSION="$(gomod_version "$ROOT/hack/coredns/go.mod" github.com/coredns/coredns)"
METRICS_SERVER_VERSION="$(gomod_version "$ROOT/hack/metrics-server/go.mod" sigs.k8s.io/metrics-server)"
# The secret scanner of `make secret-scan` (hack/secret-scan.sh).
GITLEAKS_VERSION="$(gomod_version "$ROOT/hack/gitleaks/go.mod" github.com/zricethezav/gitleaks/v8)"
KUBE_MAJOR="${KUBE_VERSION#v}"
KUBE_MAJOR="${KUBE_MAJOR%%.*}"
KUBE_MINOR="${KUBE_VERSION#v*.}"
KUBE_MINOR="${KUBE_MINOR%%.*}"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

component_version() {
  case "$1" in
    etcd) echo "$ETCD_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    containerd | containerd-shim-runc-v2 | ctr) echo "$CONTAINERD_VERSION" ;;
    coredns) echo "$COREDNS_VERSION" ;;
    metrics-server) echo "$METRICS_SERVER_VERSION" ;;
    gitleaks) echo "$GITLEAKS_VERSION" ;;
    *) echo "$KUBE_VERSION" ;;
  esac
}

component_bin() {
  # containerd's shim and ctr share its folder: one module version, one build.
  case "$1" in
    containerd-shim-runc-v2 | ctr) echo "$BIN_CACHE/containerd-$CONTAINERD_VERSION/$1" ;;
    *) echo "$BIN_CACHE/$1-$(component_version "$1")/$1" ;;
  esac
}

need_go() {
  command -v go >/dev/null 2>&1 ||
    die "Go is not installed; the local control plane is built from source with Go >= 1.26 (https://go.dev/dl/)"
}

# kubectl: $KUBECTL if set, else the one on PATH, else the one built from the pinned kubernetes.
resolve_kubectl() {
  if [[ -n "${KUBECTL:-}" ]]; then
    echo "$KUBECTL"
  elif command -v kubectl >/dev/null 2>&1; then
    command -v kubectl
  else
    component_bin kubectl
  fi
}

build_lock() {
  # One Go build at a time (parallel `make` targets, two terminals, build-k8s.sh and build-node.sh):
  # wait for the other one. The lock is released when the calling script exits.
  mkdir -p "$BIN_CACHE"
  exec 9>"$BIN_CACHE/.build.lock"
  flock 9
}

build_go() {
  # build_go <module dir> <ldflags> <output dir> <package>...: static, reproducible, stripped.
  local moddir="$1" ldflags="$2" out="$3"
  shift 3
  (
    cd "$moddir" || exit 1
    CGO_ENABLED=0 go build -trimpath -buildvcs=false -mod=readonly \
      -ldflags="-s -w $ldflags" -o "$out/" "$@"
  )
}

unmount_below() {
  # unmount_below <path>: every mount at or below <path>, deepest first (lazily if busy). Never fails:
  # callers run under `set -e -o pipefail`, and no mount at all is the common case.
  local m
  findmnt -rn -o TARGET | awk -v p="${1%/}" '$0 == p || index($0, p "/") == 1' | sort -r |
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
}
