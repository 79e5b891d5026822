#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo need, when they are missing:
#   prometheus  the real Prometheus server, with promtool (rule and config checks)
#   openssl     certificates of the local control plane (hack/cluster.sh)
#   curl        health checks of the local control plane
#   ShellCheck  (command shellcheck) lints every shell script (operator/test/integration/static-checks.test.ts)
#   chromium    the headless browser the model server's playground test drives (model-server/test/browser)
# Quiet when everything is present; runs `apt-get update` only when something is missing.
# etcd is not among them: Debian 12's etcd-server is 3.4.23, out of upstream support and older than
# the etcd 3.6 that the pinned Kubernetes release is built and tested with, so hack/build-k8s.sh
# builds the etcd version kubernetes pins (hack/k8s/go.mod) instead.
# Needs root (or sudo) only when it has something to install.
set -euo pipefail

# package:command that proves it is installed
WANTED=(prometheus:prometheus prometheus:promtool openssl:openssl curl:curl shellcheck:shellcheck chromium:chromium)

missing=()
for entry in "${WANTED[@]}"; do
  pkg="${entry%%:*}" cmd="${entry#*:}"
  if ! command -v "$cmd" >/dev/null 2>&1 && [[ " ${missing[*]} " != *" $pkg "* ]]; then
    missing+=("$pkg")
  fi
done
((${#missing[@]} == 0)) && exit 0

echo "install-system-deps: installing ${missing[*]}" >&2
command -v apt-get >/dev/null 2>&1 ||
  { echo "install-system-deps: no apt-get here; install ${missing[*]} by hand" >&2 && exit 1; }
sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null 2>&1 ||
    { echo "install-system-deps: not root and no sudo; install ${missing[*]} by hand" >&2 && exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# --no-install-recommends: prometheus alone; its recommends pull in node exporters and more (and
# chromium's, fonts and desktop integration the headless browser does without).
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian package enables and starts a prometheus service on :9090 where systemd runs.
# Tests start their own Prometheus; stop the packaged one so it does not hold the port.
if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]] &&
  [[ " ${missing[*]} " == *" prometheus "* ]]; then
  "${sudo[@]}" systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
echo "install-system-deps: installed ${missing[*]}" >&2
