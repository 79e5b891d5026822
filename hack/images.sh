#!/usr/bin/env bash
# Builds the images the local cluster's real node runs, with buildah and no registry, and loads them
# into the node's containerd when it runs (hack/node.sh loads them at start otherwise):
#   pause     the pod sandbox (hack/images/pause.c, static) in a scratch image
#   node      the base: Debian bookworm (debootstrap --variant=minbase) with the project's Node.js
#             (hack/install-node.sh) and the `node` user (uid 1000), as the official node image has
#   server    model-server/Dockerfile, with NODE_IMAGE=<the base>
#   operator  operator/Dockerfile, with NODE_IMAGE=<the base>
# Each image is exported to .cache/images/<name>.tar (docker-archive, tagged with its name). buildah's
# storage lives in .cache/buildah/, never in the host's /var/lib/containers, and keeps the layer cache:
# a second run rebuilds only what changed. The base is built once per Debian suite and Node version.
#
#   hack/images.sh [pause|node|server|operator ...]    default: all four, in that order
#   hack/images.sh --names                             print "<name> <image reference>" for each
#
# Environment: NODE_VERSION (24.19.0), SERVER_IMAGE and OPERATOR_IMAGE (what config/ and
# operator/src/config.ts name), DEBIAN_MIRROR (the host's first apt source, else deb.debian.org).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=hack/lib.sh
source "$ROOT/hack/lib.sh"

NODE_VERSION="${NODE_VERSION:-24.19.0}"
SUITE=bookworm
PAUSE_IMAGE="${PAUSE_IMAGE:-localhost/sentiment-operator/pause:local}"
BASE_IMAGE="${BASE_IMAGE:-localhost/sentiment-operator/node:$NODE_VERSION-$SUITE}"
SERVER_IMAGE="${SERVER_IMAGE:-ghcr.io/sentimentops/sentiment-model-server:0.1.0}"
OPERATOR_IMAGE="${OPERATOR_IMAGE:-ghcr.io/sentimentops/sentiment-operator:0.1.0}"
IMAGES_DIR="$ROOT/.cache/images"
BUILDAH_DIR="$ROOT/.cache/buildah"
BUILDAH=(buildah --root "$BUILDAH_DIR/storage" --runroot "$BUILDAH_DIR/run" --storage-driver overlay)

ref_of() {
  case "$1" in
    pause) echo "$PAUSE_IMAGE" ;;
    node) echo "$BASE_IMAGE" ;;
    server) echo "$SERVER_IMAGE" ;;
    operator) echo "$OPERATOR_IMAGE" ;;
    *) die "unknown image $1 (pause, node, server, operator)" ;;
  esac
}

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is missing; install it with: apt-get install $2 (make system-deps does)"
}

export_image() {
  # export_image <name>: .cache/images/<name>.tar, then into the node's containerd if it runs; nothing
  # when the image is the one exported last time (its ID is kept beside the archive).
  local name="$1" ref id
  ref="$(ref_of "$name")"
  mkdir -p "$IMAGES_DIR"
  id="$("${BUILDAH[@]}" inspect --type image --format '{{.FromImageID}}' "$ref")"
  if [[ -f "$IMAGES_DIR/$name.tar" && "$(cat "$IMAGES_DIR/$name.id" 2>/dev/null)" == "$id" ]]; then
    return 0
  fi
  rm -f "$IMAGES_DIR/$name.tar.tmp"
  "${BUILDAH[@]}" push --quiet "$ref" "docker-archive:$IMAGES_DIR/$name.tar.tmp:$ref" >/dev/null
  mv "$IMAGES_DIR/$name.tar.tmp" "$IMAGES_DIR/$name.tar"
  echo "$id" >"$IMAGES_DIR/$name.id"
  if [[ "$name" != node ]]; then "$ROOT/hack/cluster.sh" load-image "$IMAGES_DIR/$name.tar"; fi
}

build_pause() {
  need gcc gcc
  local tmp ctr
  tmp="$(mktemp -d)"
  gcc -static -Os -Wall -Werror -o "$tmp/pause" "$ROOT/hack/images/pause.c"
  strip "$tmp/pause"
  ctr="$("${BUILDAH[@]}" from scratch)"
  "${BUILDAH[@]}" copy --quiet --chmod 0755 "$ctr" "$tmp/pause" /pause >/dev/null
  "${BUILDAH[@]}" config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
  "${BUILDAH[@]}" commit --quiet --rm "$ctr" "$PAUSE_IMAGE" >/dev/null
  rm -rf "$tmp"
}

remove_tree() {
  unmount_below "$1"
  rm -rf --one-file-system "$1"
}

debian_mirror() {
  if [[ -n "${DEBIAN_MIRROR:-}" ]]; then
    echo "$DEBIAN_MIRROR"
    return
  fi
  local uri
  uri="$(grep -hoE '^(URIs:|deb) +[^ ]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    awk '{ print $2 }' | grep -v security | head -n 1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

build_node() {
  need debootstrap debootstrap
  local bindir nodedir tmp ctr mnt
  bindir="$("$ROOT/hack/install-node.sh" --cache "$NODE_VERSION")"
  nodedir="$(dirname "$bindir")"
  tmp="$(mktemp -d "$ROOT/.cache/.rootfs.XXXXXX")"
  # debootstrap mounts /proc (and may bind /dev) inside the tree while it runs: unmount whatever is
  # still mounted below the folder before removing it, and never cross into another file system.
  # shellcheck disable=SC2064 # expand now: the folder of this call
  trap "remove_tree '$tmp'" RETURN
  log "debootstrap $SUITE (minbase) from $(debian_mirror)"
  debootstrap --variant=minbase "$SUITE" "$tmp/rootfs" "$(debian_mirror)" >"$tmp/debootstrap.log" 2>&1 ||
    { tail -n 20 "$tmp/debootstrap.log" >&2; die "debootstrap failed"; }
  # Trim what a runtime image never uses: apt's lists and caches, docs, man pages.
  rm -rf "$tmp"/rootfs/var/cache/apt/* "$tmp"/rootfs/var/lib/apt/lists/* "$tmp"/rootfs/usr/share/{doc,man,info}/*
  install -m 0755 "$nodedir/bin/node" "$tmp/rootfs/usr/local/bin/node"
  mkdir -p "$tmp/rootfs/usr/local/lib/node_modules"
  cp -a "$nodedir/lib/node_modules/npm" "$tmp/rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$tmp/rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$tmp/rootfs/usr/local/bin/npx"
  # The official node image's user and group: uid and gid 1000, home /home/node.
  echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$tmp/rootfs/etc/passwd"
  echo 'node:x:1000:' >>"$tmp/rootfs/etc/group"
  echo 'node:*:20000:0:99999:7:::' >>"$tmp/rootfs/etc/shadow"
  install -d -o 1000 -g 1000 "$tmp/rootfs/home/node"
  ctr="$("${BUILDAH[@]}" from scratch)"
  mnt="$("${BUILDAH[@]}" mount "$ctr")"
  cp -a "$tmp/rootfs/." "$mnt/"
  "${BUILDAH[@]}" umount "$ctr" >/dev/null
  "${BUILDAH[@]}" config --env "NODE_VERSION=$NODE_VERSION" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node "$ctr"
  "${BUILDAH[@]}" commit --quiet --rm "$ctr" "$BASE_IMAGE" >/dev/null
}

build_dockerfile() {
  # build_dockerfile <name> <Dockerfile>: the project's own Dockerfile on the local base. npm ci in
  # the build reaches the registry through the host's network and must trust what the host trusts:
  # the host's CA bundle and an npmrc naming it are mounted read-only (no secret is copied into a layer).
  local name="$1" file="$2" ref ca npmrc
  ref="$(ref_of "$name")"
  ca="${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}"
  [[ -f "$ca" ]] || ca=/etc/ssl/certs/ca-certificates.crt
  npmrc="$BUILDAH_DIR/npmrc"
  mkdir -p "$BUILDAH_DIR"
  {
    echo "cafile=$ca"
    local registry
    registry="$(npm config get registry 2>/dev/null || true)"
    if [[ -n "$registry" ]]; then echo "registry=$registry"; fi
  } >"$npmrc"
  local -a mounts=(--volume "$npmrc:/usr/local/etc/npmrc:ro")
  if [[ -f "$ca" ]]; then mounts+=(--volume "$ca:$ca:ro"); fi
  "${BUILDAH[@]}" bud --quiet --layers --force-rm --isolation chroot --network host --pull=never \
    --build-arg "NODE_IMAGE=$BASE_IMAGE" "${mounts[@]}" -f "$file" -t "$ref" "$ROOT" >/dev/null
}

build() {
  local name="$1" start=$SECONDS
  case "$name" in
    pause) build_pause ;;
    node)
      if "${BUILDAH[@]}" inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
        log "base image $BASE_IMAGE is cached"
        [[ -f "$IMAGES_DIR/node.tar" ]] || export_image node
        return 0
      fi
      build_node
      ;;
    server) build_dockerfile server "$ROOT/model-server/Dockerfile" ;;
    operator) build_dockerfile operator "$ROOT/operator/Dockerfile" ;;
    *) die "unknown image $name (pause, node, server, operator)" ;;
  esac
  export_image "$name"
  log "built $name image $(ref_of "$name") in $((SECONDS - start)) s"
}

cleanup() {
  # buildah leaves its storage's home bind-mounted (overlay driver) and, after a failed step, a working
  # container; and containers/image keeps a blob-info cache in /var/lib/containers whatever --root says.
  # None of it may outlive the build on the host.
  "${BUILDAH[@]}" rm --all >/dev/null 2>&1 || true
  unmount_below "$BUILDAH_DIR"
  if [[ "$HAD_CONTAINERS_DIR" == no ]]; then rm -rf /var/lib/containers; fi
  if [[ "$HAD_CONTAINERS_RUN" == no ]]; then rm -rf /run/containers; fi
}

main() {
  if [[ "${1:-}" == --names ]]; then
    local n
    for n in pause node server operator; do echo "$n $(ref_of "$n")"; done
    return 0
  fi
  ((EUID == 0)) || die "building images with buildah needs root here (no rootless setup)"
  need buildah buildah
  HAD_CONTAINERS_DIR=no HAD_CONTAINERS_RUN=no
  if [[ -e /var/lib/containers ]]; then HAD_CONTAINERS_DIR=yes; fi
  if [[ -e /run/containers ]]; then HAD_CONTAINERS_RUN=yes; fi
  trap cleanup EXIT
  local -a names=("$@")
  ((${#names[@]} > 0)) || names=(pause node server operator)
  # The base must exist before the Dockerfiles that start FROM it.
  if [[ " ${names[*]} " == *" server "* || " ${names[*]} " == *" operator "* ]] &&
    [[ " ${names[*]} " != *" node "* ]]; then
    names=(node "${names[@]}")
  fi
  local n
  for n in "${names[@]}"; do build "$n"; done
}

main "$@"
