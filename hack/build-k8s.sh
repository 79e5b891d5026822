#!/usr/bin/env bash
# Builds the pinned upstream components of the local control plane with the machine's Go
# toolchain, through the Go module proxy, and caches them under .cache/bin/<component>-<version>/.
# A component whose binary is already cached is not built again.
#
#   hack/build-k8s.sh            build what is missing, print nothing else when all is cached
#   hack/build-k8s.sh --print    print "<component> <path>" for every component (builds first)
#
# Versions come from hack/k8s/go.mod (kubernetes, etcd) and hack/kwok/go.mod (kwok).
# kubectl is built too, but only when none is on PATH and KUBECTL is unset.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=hack/lib.sh
source "$ROOT/hack/lib.sh"

main() {
  local print=false
  if [[ "${1:-}" == "--print" ]]; then print=true; fi

  need_go
  build_lock

  local -a k8s_pkgs=() k8s_names=()
  local name
  # kubelet and kube-proxy run the real node (hack/node.sh); they share the one `go build` so the
  # packages they have in common with the control plane compile once.
  for name in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
    if [[ ! -x "$(component_bin "$name")" ]]; then
      k8s_pkgs+=("k8s.io/kubernetes/cmd/$name")
      k8s_names+=("$name")
    fi
  done
  if [[ ! -x "$(component_bin etcd)" ]]; then
    # go.etcd.io/etcd/server/v3 is etcd's main package; `go build` names it "server".
    k8s_pkgs+=("go.etcd.io/etcd/server/v3")
    k8s_names+=("etcd")
  fi
  if [[ -z "${KUBECTL:-}" ]] && ! command -v kubectl >/dev/null 2>&1 &&
    [[ ! -x "$(component_bin kubectl)" ]]; then
    k8s_pkgs+=("k8s.io/kubernetes/cmd/kubectl")
    k8s_names+=("kubectl")
  fi

  if ((${#k8s_pkgs[@]} > 0)); then
    local tmp start
    tmp="$(mktemp -d "$BIN_CACHE/.tmp.XXXXXX")"
    start=$SECONDS
    log "building ${k8s_names[*]} (kubernetes $KUBE_VERSION, etcd $ETCD_VERSION) with $(go env GOVERSION)" \
      "(cold: about 15 min on 2 cores; with a warm Go build cache it only links)"
    local v="k8s.io/component-base/version"
    build_go "$ROOT/hack/k8s" \
      "-X $v.gitVersion=$KUBE_VERSION -X $v.gitMajor=$KUBE_MAJOR -X $v.gitMinor=$KUBE_MINOR -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z" \
      "$tmp" "${k8s_pkgs[@]}"
    if [[ -e "$tmp/server" ]]; then mv "$tmp/server" "$tmp/etcd"; fi
    for name in "${k8s_names[@]}"; do
      mkdir -p "$(dirname "$(component_bin "$name")")"
      mv "$tmp/$name" "$(component_bin "$name")"
    done
    rm -rf "$tmp"
    log "built ${k8s_names[*]} in $((SECONDS - start)) s"
  fi

  if [[ ! -x "$(component_bin kwok)" ]]; then
    local tmp start kwok_src
    tmp="$(mktemp -d "$BIN_CACHE/.tmp.XXXXXX")"
    start=$SECONDS
    log "building kwok $KWOK_VERSION"
    build_go "$ROOT/hack/kwok" "" "$tmp" sigs.k8s.io/kwok/cmd/kwok
    # kwok simulates nodes and pods through Stage objects; take the upstream "fast" set
    # (what kwokctl uses) from the same module version: nodes become Ready and keep a lease,
    # pods become Running and Ready, deleted pods go away.
    kwok_src="$(cd "$ROOT/hack/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
    local f
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
      pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      printf -- '---\n'
      cat "$kwok_src/kustomize/stage/$f"
    done >"$tmp/stages.yaml"
    mkdir -p "$(dirname "$(component_bin kwok)")"
    mv "$tmp/stages.yaml" "$(dirname "$(component_bin kwok)")/stages.yaml"
    mv "$tmp/kwok" "$(component_bin kwok)"
    rm -rf "$tmp"
    log "built kwok in $((SECONDS - start)) s"
  fi

  if $print; then
    for name in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kwok; do
      echo "$name $(component_bin "$name")"
    done
    echo "kubectl $(resolve_kubectl)"
  fi
}

main "$@"
