#!/usr/bin/env bash
# Builds the pinned parts of the local cluster's real node with the machine's Go toolchain, through
# the Go module proxy, and caches them under .cache/bin/<component>-<version>/ like build-k8s.sh:
#   containerd, containerd-shim-runc-v2, ctr   hack/containerd/go.mod (one build)
#   coredns                                    hack/coredns/go.mod (main.go: the plugins it uses)
#   metrics-server                             hack/metrics-server/go.mod
# kubelet and kube-proxy come from hack/build-k8s.sh (same Kubernetes module as the control plane).
# A component already cached is not built again.
#
#   hack/build-node.sh            build what is missing
#   hack/build-node.sh --print    print "<component> <path>" for each (builds first)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=hack/lib.sh
source "$ROOT/hack/lib.sh"

build_component() {
  # build_component <name> <module dir> <ldflags> <package>...: builds into a temporary folder, then
  # moves every binary the packages produce into the component's cache folder.
  local name="$1" moddir="$2" ldflags="$3"
  shift 3
  local tmp start dest
  dest="$(dirname "$(component_bin "$name")")"
  tmp="$(mktemp -d "$BIN_CACHE/.tmp.XXXXXX")"
  start=$SECONDS
  log "building $name $(component_version "$name") with $(go env GOVERSION)"
  build_go "$moddir" "$ldflags" "$tmp" "$@"
  mkdir -p "$dest"
  mv "$tmp"/* "$dest/"
  rm -rf "$tmp"
  log "built $name in $((SECONDS - start)) s"
}

main() {
  local print=false
  if [[ "${1:-}" == "--print" ]]; then print=true; fi
  need_go
  build_lock

  local c="github.com/containerd/containerd/v2"
  if [[ ! -x "$(component_bin containerd)" || ! -x "$(component_bin containerd-shim-runc-v2)" ||
    ! -x "$(component_bin ctr)" ]]; then
    # The version is stamped as containerd's Makefile does; kubelet reads it through the CRI.
    build_component containerd "$ROOT/hack/containerd" \
      "-X $c/version.Version=$CONTAINERD_VERSION -X $c/version.Package=$c" \
      "$c/cmd/containerd" "$c/cmd/containerd-shim-runc-v2" "$c/cmd/ctr"
  fi
  if [[ ! -x "$(component_bin coredns)" ]]; then
    build_component coredns "$ROOT/hack/coredns" "" .
  fi
  if [[ ! -x "$(component_bin metrics-server)" ]]; then
    build_component metrics-server "$ROOT/hack/metrics-server" "" sigs.k8s.io/metrics-server/cmd/metrics-server
  fi

  if $print; then
    local name
    for name in containerd containerd-shim-runc-v2 ctr coredns metrics-server; do
      echo "$name $(component_bin "$name")"
    done
  fi
}

main "$@"
