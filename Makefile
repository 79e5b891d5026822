# sentiment-operator developer entry points. `make help` lists them.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Read-only data shared with CI; override to point elsewhere.
SHARED ?= ../shared
DATA_DIR ?= $(SHARED)/datasets/imdb
REVIEWS_DIR ?= $(SHARED)/datasets/reviews
# The sample model's training and test sets (docs/model.md): IMDB and the reviews of other domains.
TRAIN_FILES ?= $(DATA_DIR)/train.jsonl,$(REVIEWS_DIR)/train.jsonl
TEST_FILES ?= $(DATA_DIR)/test.jsonl,$(REVIEWS_DIR)/test.jsonl
MODEL ?= samples/models/imdb.onnx
DATA ?= $(DATA_DIR)/test.jsonl

MS := model-server/dist/src

# Node.js 24 LTS for every target. Where the machine's node is another major version (these build
# machines ship 20), hack/install-node.sh brings the pinned one from PyPI into .cache/node/ once;
# its bin directory goes first on PATH for every recipe, so `node`, `npm` and `npx` below are it.
NODE_VERSION ?= 24.19.0
export PATH := $(CURDIR)/.cache/node/v$(NODE_VERSION)/bin:$(PATH)
# npm ci again when the lock file or the Node version changes.
NPM_STAMP := node_modules/.deps-stamp-node$(NODE_VERSION)

##@ General

.PHONY: help
help: ## Show every target with its one-line description
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z0-9_.-]+:.*?##/ { printf "  \033[36m%-28s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Demo

.PHONY: demo
demo: system-deps build ## The whole story on the local control plane: operator, model servers, Prometheus, Healthy then Drifted
	SHARED=$(SHARED) hack/cluster.sh up
	node hack/tools/dist/src/demo/run-demo.js

.PHONY: demo-down
demo-down: ## Stop everything make demo started, the local control plane included
	@if [[ -f hack/tools/dist/src/demo/run-demo.js ]]; then node hack/tools/dist/src/demo/run-demo.js --down; fi
	hack/cluster.sh down

##@ Build

.PHONY: node
node: ## Install the pinned Node.js 24 into .cache/node/ unless the system's node is already 24
	@hack/install-node.sh $(NODE_VERSION) >/dev/null

.PHONY: deps
deps: node $(NPM_STAMP) ## Install npm dependencies (npm ci) when package-lock.json or the Node version changed

$(NPM_STAMP): package-lock.json | node
	npm ci --no-audit --no-fund
	@rm -f node_modules/.deps-stamp*
	@touch $@

.PHONY: build
build: deps ## Compile every TypeScript workspace (tsc -b, incremental)
	npx tsc -b

.PHONY: lint
lint: deps ## ESLint and Prettier check
	npx eslint .
	npx prettier --check .

.PHONY: secret-scan
secret-scan: ## gitleaks (built once from hack/gitleaks/go.mod into .cache/bin) on the git history and working tree; fails on a finding
	hack/secret-scan.sh

# CycloneDX SBOMs of the npm packages each image installs (`npm ci --omit=dev --workspace <pkg>` in its
# Dockerfile), from package-lock.json and node_modules. SBOM_CHECK fails unless the file is CycloneDX and
# lists the package its image cannot run without.
SBOM_DIR ?= .cache/sbom
SBOM_CHECK := const [f, need] = process.argv.slice(1), b = JSON.parse(require("fs").readFileSync(f, "utf8")), names = []; \
  const walk = (cs) => (cs || []).forEach((c) => { names.push((c.group ? c.group + "/" : "") + c.name); walk(c.components); }); walk(b.components); \
  if (b.bomFormat !== "CycloneDX" || !names.includes(need)) { console.error(f + ": not a CycloneDX SBOM that lists " + need); process.exit(1); } \
  console.log(f + ": CycloneDX " + b.specVersion + ", " + names.length + " components, " + need + " included");

.PHONY: sbom
sbom: deps ## CycloneDX SBOM of each image's production npm dependencies into .cache/sbom/<image>.cdx.json
	@mkdir -p $(SBOM_DIR)
	@for pair in model-server:onnxruntime-node operator:@kubernetes/client-node; do \
	  ws="$${pair%%:*}" need="$${pair#*:}"; out="$(SBOM_DIR)/$$ws.cdx.json"; \
	  npx cyclonedx-npm --workspace "$$ws" --omit dev --output-reproducible --validate \
	    --output-format JSON --output-file "$$out" 2> >(grep -v 'npm warn Unknown' >&2); \
	  node -e '$(SBOM_CHECK)' "$$out" "$$need"; \
	done

.PHONY: format
format: deps ## Rewrite files with Prettier
	npx prettier --write .

.PHONY: clean
clean: ## Remove build output (keeps caches)
	rm -rf model-server/dist operator/dist

##@ Test

.PHONY: test
test: system-deps build lint secret-scan test-unit test-browser test-integration test-e2e ## Install, build, lint and run every test suite (what CI runs)

.PHONY: test-unit
test-unit: build ## Fast unit tests of every workspace
	npm run test --workspaces

.PHONY: test-browser
test-browser: build ## The model server's playground page in Debian's headless Chromium (playwright-core), against the real server; screenshots in model-server/test-output/browser/
	cd model-server && npx mocha --config .mocharc.browser.json

##@ Model

.PHONY: model
model: build ## Train on TRAIN_FILES (IMDB and reviews train), measure on TEST_FILES, write $(MODEL)
	node $(MS)/training/cli.js train --data $(TRAIN_FILES) --test $(TEST_FILES) --out $(MODEL)

# Without DATA on the command line, eval measures the sample model's test sets (TEST_FILES).
EVAL_DATA = $(if $(filter command line,$(origin DATA)),$(DATA),$(TEST_FILES))

.PHONY: eval
eval: build ## Evaluate MODEL on DATA=a.jsonl[,b.jsonl] (default TEST_FILES) through onnxruntime, per domain and on short texts
	node $(MS)/training/cli.js eval --model $(MODEL) --data $(EVAL_DATA)

##@ Model server

PORT ?= 8080

.PHONY: serve
serve: build ## Serve MODEL (default samples/models/imdb.onnx) on PORT (default 8080); Ctrl-C stops it
	PORT=$(PORT) node $(MS)/main.js serve --model $(MODEL)

##@ Operator

.PHONY: manifests
manifests: build ## Regenerate crds/, config/crd/bases/, docs/crd-reference.md (api/schema.ts), config/prometheus/ alert rules (alerts/rules.ts) and the config/grafana/ dashboard ConfigMap
	node operator/dist/src/cli/gen-manifests.js

# The cluster targets act on the cluster of $KUBECONFIG. KUBECTL: the one `make cluster-up` linked, else PATH's.
KUBECTL ?= $(if $(wildcard .testenv/bin/kubectl),.testenv/bin/kubectl,kubectl)

# --force-conflicts: these targets own what they apply, even fields another field manager set before.
.PHONY: install
install: ## Apply the CRDs (config/crd) to the cluster of $KUBECONFIG and wait until they are Established
	$(KUBECTL) apply --server-side --force-conflicts -k config/crd
	$(KUBECTL) kustomize config/crd | $(KUBECTL) wait --for=condition=Established --timeout=60s -f -

.PHONY: uninstall
uninstall: ## Delete the CRDs from the cluster of $KUBECONFIG, and with them every SentimentModel
	$(KUBECTL) delete -k config/crd --ignore-not-found

.PHONY: run
run: build ## Run the operator in the foreground against the cluster of $KUBECONFIG, no leader election; Ctrl-C stops it
	node operator/dist/src/main.js --leader-elect=false

.PHONY: deploy
deploy: ## Apply CRDs, RBAC and the operator Deployment (config/default) to the cluster of $KUBECONFIG
	$(KUBECTL) apply --server-side --force-conflicts -k config/default

.PHONY: undeploy
undeploy: ## Delete what deploy applied, the CRDs (so every SentimentModel) and the namespace included
	$(KUBECTL) delete -k config/default --ignore-not-found

##@ Kind (needs Docker)

# A three-node Kind cluster with kube-prometheus-stack and prometheus-adapter, for machines with Docker
# (docs/kind.md). Its kubeconfig is kept apart, in KIND_KUBECONFIG, so that these targets never change
# the contexts of $KUBECONFIG; `export KUBECONFIG=$(KIND_KUBECONFIG)` points kubectl and `make deploy` at it.
KIND_CLUSTER ?= sentiment
KIND_KUBECONFIG ?= $(CURDIR)/.kind/kubeconfig
KIND_VERSION ?= v0.33.0
HELM_VERSION ?= v3.22.0
# kind and helm: the ones on PATH, else the ones `make kind-tools` built into .cache/bin.
KIND ?= $(or $(shell command -v kind 2>/dev/null),$(wildcard .cache/bin/kind-$(KIND_VERSION)/kind),kind)
HELM ?= $(or $(shell command -v helm 2>/dev/null),$(wildcard .cache/bin/helm-$(HELM_VERSION)/helm),helm)
DOCKER ?= docker
# The images config/manager and operator/src/config.ts (defaultImage) name.
OPERATOR_IMAGE ?= ghcr.io/sentimentops/sentiment-operator:0.1.0
SERVER_IMAGE ?= ghcr.io/sentimentops/sentiment-model-server:0.1.0
# Chart versions, pinned. kube-prometheus-stack 88.x ships Prometheus Operator v0.93.0, whose CRDs the
# local control plane installs for the tests.
KUBE_PROMETHEUS_STACK_VERSION ?= 88.6.4
PROMETHEUS_ADAPTER_VERSION ?= 5.3.0
PROMETHEUS_COMMUNITY_CHARTS ?= https://prometheus-community.github.io/helm-charts
KIND_INSTALL_URL := https://kind.sigs.k8s.io/docs/user/quick-start/\#installation
HELM_INSTALL_URL := https://helm.sh/docs/intro/install/
DOCKER_INSTALL_URL := https://docs.docker.com/get-docker/

# $(call require,TOOL,INSTALL_URL): a recipe line that stops the target with a message naming TOOL and
# where to get it, when TOOL is not on PATH.
require = @command -v $(1) >/dev/null 2>&1 || { echo "error: make $@ needs $(1), which is not installed (not found on PATH); install it: $(2)" >&2; exit 1; }
# A recipe line that stops the target when no Docker engine answers: the docker client alone is not enough.
require-docker-engine = @$(DOCKER) info >/dev/null 2>&1 || { echo "error: make $@ needs a running Docker engine, and '$(DOCKER) info' failed; start Docker ($(DOCKER_INSTALL_URL))" >&2; exit 1; }

.PHONY: kind-tools
kind-tools: ## Build the pinned kind and helm into .cache/bin with Go, for machines that have Docker and Go but not them
	$(call require,go,https://go.dev/dl/)
	GOBIN=$(CURDIR)/.cache/bin/kind-$(KIND_VERSION) go install sigs.k8s.io/kind@$(KIND_VERSION)
	GOBIN=$(CURDIR)/.cache/bin/helm-$(HELM_VERSION) go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

.PHONY: kind-up
kind-up: ## Create the Kind cluster (config/kind/cluster.yaml: 1 control plane, 2 workers); idempotent
	$(call require,$(KIND),$(KIND_INSTALL_URL))
	$(call require,$(DOCKER),$(DOCKER_INSTALL_URL))
	$(require-docker-engine)
	@mkdir -p $(dir $(KIND_KUBECONFIG))
	@if $(KIND) get clusters 2>/dev/null | grep -qx '$(KIND_CLUSTER)'; then \
	  echo "kind cluster $(KIND_CLUSTER) is running"; \
	  $(KIND) export kubeconfig --name $(KIND_CLUSTER) --kubeconfig $(KIND_KUBECONFIG); \
	else \
	  $(KIND) create cluster --name $(KIND_CLUSTER) --config config/kind/cluster.yaml --kubeconfig $(KIND_KUBECONFIG) --wait 180s; \
	fi
	@echo "export KUBECONFIG=$(KIND_KUBECONFIG)"

.PHONY: docker-build
docker-build: ## Build the operator and model-server images (operator/Dockerfile, model-server/Dockerfile)
	$(call require,$(DOCKER),$(DOCKER_INSTALL_URL))
	$(require-docker-engine)
	$(DOCKER) build -f operator/Dockerfile -t $(OPERATOR_IMAGE) .
	$(DOCKER) build -f model-server/Dockerfile -t $(SERVER_IMAGE) .

.PHONY: kind-load
kind-load: ## Load both images into the Kind cluster's nodes (no registry needed)
	$(call require,$(KIND),$(KIND_INSTALL_URL))
	$(call require,$(DOCKER),$(DOCKER_INSTALL_URL))
	$(KIND) load docker-image --name $(KIND_CLUSTER) $(OPERATOR_IMAGE) $(SERVER_IMAGE)

.PHONY: monitoring-up
monitoring-up: ## Install kube-prometheus-stack and prometheus-adapter (pinned charts) and our ServiceMonitor and dashboard into the Kind cluster
	$(call require,$(HELM),$(HELM_INSTALL_URL))
	$(HELM) upgrade --install kube-prometheus-stack kube-prometheus-stack --repo $(PROMETHEUS_COMMUNITY_CHARTS) \
	  --version $(KUBE_PROMETHEUS_STACK_VERSION) --kubeconfig $(KIND_KUBECONFIG) --namespace monitoring --create-namespace \
	  -f config/kind/kube-prometheus-stack-values.yaml --wait --timeout 10m
	$(HELM) upgrade --install prometheus-adapter prometheus-adapter --repo $(PROMETHEUS_COMMUNITY_CHARTS) \
	  --version $(PROMETHEUS_ADAPTER_VERSION) --kubeconfig $(KIND_KUBECONFIG) --namespace monitoring \
	  -f config/prometheus-adapter/values.yaml --wait --timeout 5m
	$(KUBECTL) --kubeconfig $(KIND_KUBECONFIG) apply --server-side -f config/manager/namespace.yaml
	$(KUBECTL) --kubeconfig $(KIND_KUBECONFIG) apply --server-side -k config/kind/monitoring

.PHONY: kind-down
kind-down: ## Delete the Kind cluster and its kubeconfig
	$(call require,$(KIND),$(KIND_INSTALL_URL))
	$(KIND) delete cluster --name $(KIND_CLUSTER) --kubeconfig $(KIND_KUBECONFIG)
	rm -f $(KIND_KUBECONFIG)

# deploy, a prerequisite here, acts on the cluster of $KUBECONFIG: the Kind cluster's, for this target.
.PHONY: kind-demo
kind-demo: export KUBECONFIG := $(KIND_KUBECONFIG)
kind-demo: kind-up docker-build kind-load monitoring-up deploy ## kind-up, docker-build, kind-load, monitoring-up and deploy, then samples/autoscaling-requests.yaml under load: the HPA scales on requests/s from 1 towards 10
	$(KUBECTL) wait --for=condition=Established --timeout=60s crd/sentimentmodels.sentimentops.dev
	$(KUBECTL) apply --server-side -f samples/autoscaling-requests.yaml
	KUBECTL=$(KUBECTL) SERVER_IMAGE=$(SERVER_IMAGE) hack/kind-demo.sh imdb-rps

##@ Benchmarks (figures for docs/, not tests)

.PHONY: bench
bench: bench-model bench-train bench-server bench-drift bench-operator ## Run every benchmark and print its figures

.PHONY: bench-model
bench-model: build ## onnxruntime throughput of MODEL: IMDB reviews in batches of 64, short texts one at a time
	node $(MS)/bench/model-throughput.js --model $(MODEL) --data $(DATA)

.PHONY: bench-drift
bench-drift: build ## Drift detection versus share of shifted traffic, per signal, through the real server (docs/drift.md, Sensitivity)
	SHARED_DIR=$(SHARED) node hack/tools/dist/src/bench/drift-sensitivity.js --model $(MODEL)

.PHONY: bench-server
bench-server: build ## autocannon against the real server on loopback (64 connections): short texts, IMDB reviews, batches of 32
	node $(MS)/bench/server-throughput.js --model $(MODEL) --data $(DATA)

.PHONY: bench-train
bench-train: build ## Train the sample model from scratch into .bench/ and time it; checks it is byte-identical to $(MODEL)
	node $(MS)/training/cli.js train --data $(TRAIN_FILES) --test $(TEST_FILES) --out .bench/imdb.onnx
	@if cmp -s .bench/imdb.onnx $(MODEL); then echo "byte-identical to $(MODEL)"; \
	  else echo "differs from $(MODEL): same data, seed and parameters should give the same bytes"; exit 1; fi

# Extra flags for the operator benchmark, e.g. BENCH_OPERATOR_ARGS="--models 100 --concurrency 8" (see --help).
BENCH_OPERATOR_ARGS ?=

.PHONY: bench-operator
bench-operator: build ## cluster-up (kwok nodes only), then the operator with 500 SentimentModels: time to Ready, writes per model, RSS, CPU, idle writes
	SHARED=$(SHARED) REAL_NODE=no hack/cluster.sh up
	node hack/tools/dist/src/bench/operator-bench.js $(BENCH_OPERATOR_ARGS)

##@ Local cluster

.PHONY: system-deps
system-deps: ## Install missing Debian packages the tests need (prometheus, promtool, openssl, curl, shellcheck, chromium) and hadolint into .cache/bin
	hack/install-system-deps.sh
	@hack/install-hadolint.sh >/dev/null

# auto: the real node (hack/node.sh) starts beside the kwok nodes where this machine can run it (Linux,
# root); yes: fail where it cannot; no: kwok nodes only.
REAL_NODE ?= auto

.PHONY: cluster-up
cluster-up: ## Build (once, cached in .cache/bin) and start the local cluster, with the real node where it can run (REAL_NODE=auto|yes|no); idempotent
	SHARED=$(SHARED) REAL_NODE=$(REAL_NODE) NODE_VERSION=$(NODE_VERSION) SERVER_IMAGE=$(SERVER_IMAGE) OPERATOR_IMAGE=$(OPERATOR_IMAGE) hack/cluster.sh up

.PHONY: images
images: node ## Build the pause, base (Debian + Node 24), model-server and operator images with buildah (no Docker) and load them into the real node
	NODE_VERSION=$(NODE_VERSION) SERVER_IMAGE=$(SERVER_IMAGE) OPERATOR_IMAGE=$(OPERATOR_IMAGE) hack/images.sh

.PHONY: cluster-down
cluster-down: ## Stop the processes cluster-up started and remove .testenv (keeps .testenv/logs)
	hack/cluster.sh down

.PHONY: cluster-restart-apiserver
cluster-restart-apiserver: ## Restart only kube-apiserver (fault tests); KILL=1 SIGKILLs it (a crash)
	hack/cluster.sh restart-apiserver $(if $(KILL),--kill)

.PHONY: cluster-status
cluster-status: ## Show which local cluster components run
	hack/cluster.sh status

.PHONY: test-integration
test-integration: build ## cluster-up (kwok nodes only), the integration suites, cluster-down (also on failure; KEEP_CLUSTER=1 keeps it)
	SHARED=$(SHARED) REAL_NODE=no hack/cluster.sh up
	rc=0; (cd operator && npx mocha --config .mocharc.integration.json 'dist/test/integration/**/*.test.js') || rc=$$?; \
	  if [[ -z "$${KEEP_CLUSTER:-}" ]]; then hack/cluster.sh down; fi; \
	  exit $$rc

.PHONY: test-e2e
test-e2e: build ## cluster-up with the real node (it must run here), the real-pod suite (operator/test/e2e), cluster-down, then check the host is as before
	SHARED=$(SHARED) REAL_NODE=yes NODE_VERSION=$(NODE_VERSION) SERVER_IMAGE=$(SERVER_IMAGE) OPERATOR_IMAGE=$(OPERATOR_IMAGE) hack/cluster.sh up
	rc=0; (cd operator && npx mocha --config .mocharc.e2e.json 'dist/test/e2e/**/*.test.js') || rc=$$?; \
	  if [[ -z "$${KEEP_CLUSTER:-}" ]]; then hack/cluster.sh down; hack/cluster.sh check-clean || rc=1; fi; \
	  exit $$rc
