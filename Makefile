# sentiment-operator developer entry points. `make help` lists them.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Read-only data shared with CI; override to point elsewhere.
SHARED ?= ../shared
DATA_DIR ?= $(SHARED)/datasets/imdb
MODEL ?= samples/models/imdb.onnx
DATA ?= $(DATA_DIR)/test.jsonl

NPM_STAMP := node_modules/.deps-stamp
MS := model-server/dist/src

##@ General

.PHONY: help
help: ## Show every target with its one-line description
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z0-9_.-]+:.*?##/ { printf "  \033[36m%-28s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Build

.PHONY: deps
deps: $(NPM_STAMP) ## Install npm dependencies (npm ci) when package-lock.json changed

$(NPM_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: build
build: deps ## Compile every TypeScript workspace (tsc -b, incremental)
	npx tsc -b

.PHONY: lint
lint: deps ## ESLint and Prettier check
	npx eslint .
	npx prettier --check .

.PHONY: format
format: deps ## Rewrite files with Prettier
	npx prettier --write .

.PHONY: clean
clean: ## Remove build output (keeps caches)
	rm -rf model-server/dist operator/dist

##@ Test

.PHONY: test
test: system-deps build lint test-unit test-integration ## Install, build, lint and run every test suite (what CI runs)

.PHONY: test-unit
test-unit: build ## Fast unit tests of every workspace
	npm run test --workspaces

##@ Model

.PHONY: model
model: build ## Train on $(DATA_DIR)/train.jsonl and write $(MODEL)
	node $(MS)/training/cli.js train --data $(DATA_DIR)/train.jsonl --test $(DATA_DIR)/test.jsonl --out $(MODEL)

.PHONY: eval
eval: build ## Evaluate MODEL=file.onnx on DATA=file.jsonl through onnxruntime
	node $(MS)/training/cli.js eval --model $(MODEL) --data $(DATA)

##@ Model server

PORT ?= 8080

.PHONY: serve
serve: build ## Serve MODEL (default samples/models/imdb.onnx) on PORT (default 8080); Ctrl-C stops it
	PORT=$(PORT) node $(MS)/main.js serve --model $(MODEL)

##@ Operator

.PHONY: manifests
manifests: build ## Regenerate crds/, config/crd/bases/, docs/crd-reference.md (api/schema.ts) and config/prometheus/ alert rules (alerts/rules.ts)
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

##@ Benchmarks (figures for docs/, not tests)

.PHONY: bench
bench: bench-model bench-train bench-server ## Run every benchmark and print its figures

.PHONY: bench-model
bench-model: build ## onnxruntime throughput of MODEL: IMDB reviews in batches of 64, short texts one at a time
	node $(MS)/bench/model-throughput.js --model $(MODEL) --data $(DATA)

.PHONY: bench-server
bench-server: build ## autocannon against the real server on loopback (64 connections): short texts, IMDB reviews, batches of 32
	node $(MS)/bench/server-throughput.js --model $(MODEL) --data $(DATA)

.PHONY: bench-train
bench-train: build ## Train the sample model from scratch into .bench/ and time it; checks it is byte-identical to $(MODEL)
	node $(MS)/training/cli.js train --data $(DATA_DIR)/train.jsonl --test $(DATA_DIR)/test.jsonl --out .bench/imdb.onnx
	@if cmp -s .bench/imdb.onnx $(MODEL); then echo "byte-identical to $(MODEL)"; \
	  else echo "differs from $(MODEL): same data, seed and parameters should give the same bytes"; exit 1; fi

##@ Local cluster

.PHONY: system-deps
system-deps: ## Install missing Debian packages the tests need (prometheus, promtool, openssl, curl)
	hack/install-system-deps.sh

.PHONY: cluster-up
cluster-up: ## Build (once, cached in .cache/bin) and start the local control plane; idempotent
	SHARED=$(SHARED) hack/cluster.sh up

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
test-integration: build ## cluster-up, the integration suites, cluster-down (also on failure; KEEP_CLUSTER=1 keeps it)
	SHARED=$(SHARED) hack/cluster.sh up
	rc=0; (cd operator && npx mocha --config .mocharc.integration.json 'dist/test/integration/**/*.test.js') || rc=$$?; \
	  if [[ -z "$${KEEP_CLUSTER:-}" ]]; then hack/cluster.sh down; fi; \
	  exit $$rc
