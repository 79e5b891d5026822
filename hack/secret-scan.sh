#!/usr/bin/env bash
# Secret scan of the repository with gitleaks (`make secret-scan`, part of `make test`):
#   1. the git history: every commit reachable from any ref (`gitleaks git`);
#   2. the working tree as git sees it: tracked and untracked files that .gitignore does not exclude
#      (`gitleaks dir` on a copy of exactly those files, so node_modules/, dist/ and .cache/ are out).
# Rules: .gitleaks.toml (gitleaks' default rules plus this repository's allowlist).
# gitleaks is built from hack/gitleaks/go.mod with the machine's Go toolchain, once, into
# .cache/bin/gitleaks-<version>/ like the cluster's binaries (hack/build-node.sh).
# Exits non-zero on any finding, after printing its file, line, rule (and commit, for the history).
#
#   hack/secret-scan.sh           build gitleaks if missing, then scan
#   hack/secret-scan.sh --build   only build gitleaks if missing
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=hack/lib.sh
source "$ROOT/hack/lib.sh"

GITLEAKS="$(component_bin gitleaks)"
CONFIG="$ROOT/.gitleaks.toml"

build_gitleaks() {
  [[ -x "$GITLEAKS" ]] && return 0
  need_go
  build_lock
  # Another script may have built it while this one waited for the lock.
  [[ -x "$GITLEAKS" ]] && return 0
  local tmp start
  tmp="$(mktemp -d "$BIN_CACHE/.tmp.XXXXXX")"
  start=$SECONDS
  log "building gitleaks $GITLEAKS_VERSION with $(go env GOVERSION)"
  # The version is stamped as gitleaks' own Makefile does (`gitleaks version`).
  build_go "$ROOT/hack/gitleaks" "-X github.com/zricethezav/gitleaks/v8/version.Version=$GITLEAKS_VERSION" \
    "$tmp" github.com/zricethezav/gitleaks/v8
  mkdir -p "$(dirname "$GITLEAKS")"
  mv "$tmp/gitleaks" "$GITLEAKS"
  rm -rf "$tmp"
  log "built gitleaks in $((SECONDS - start)) s"
}

scan() {
  local rc=0 start=$SECONDS
  # --redact: a finding names its file, line, rule and commit, never the secret itself (CI logs).
  local common=(--config "$CONFIG" --no-banner --no-color --redact --verbose --exit-code 1)

  log "gitleaks $GITLEAKS_VERSION: git history ($(git -C "$ROOT" rev-list --all --count) commits)"
  "$GITLEAKS" git "${common[@]}" --log-opts=--all "$ROOT" || rc=1

  # The working tree: a copy of the files git would consider (tracked, or untracked and not ignored),
  # scanned from inside the copy so that findings name repository-relative paths.
  TREE="$(mktemp -d)"
  trap 'rm -rf "$TREE"' EXIT
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [[ -f "$f" && ! -L "$f" ]] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -xf - -C "$TREE"
  log "gitleaks $GITLEAKS_VERSION: working tree ($(find "$TREE" -type f | wc -l) files)"
  (cd "$TREE" && "$GITLEAKS" dir "${common[@]}" .) || rc=1

  if ((rc != 0)); then
    log "secret scan: findings above (File, Line, RuleID). Remove the secret (and rotate it), or, if it is" \
      "not a secret, allowlist it in .gitleaks.toml with a comment saying why."
    return 1
  fi
  log "secret scan: no leaks found in $((SECONDS - start)) s"
}

main() {
  build_gitleaks
  if [[ "${1:-}" == "--build" ]]; then return 0; fi
  scan
}

main "$@"
