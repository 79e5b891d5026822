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
    *) echo "$KUBE_VERSION" ;;
  esac
}

component_bin() { echo "$BIN_CACHE/$1-$(component_version "$1")/$1"; }

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
